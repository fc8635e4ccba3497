//! The `onesignal-emulator` binary: everything lives in the library.
fn main() -> std::process::ExitCode {
    terraform_provider_onesignal::emulator::main()
}
