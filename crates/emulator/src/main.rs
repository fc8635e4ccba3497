//! The `onesignal-emulator` binary: everything lives in the library.
fn main() -> std::process::ExitCode {
    onesignal_emulator::main()
}
