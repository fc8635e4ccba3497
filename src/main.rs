//! The `terraform-provider-onesignal` plugin binary: everything lives in the library.
fn main() -> std::process::ExitCode {
    terraform_provider_onesignal::provider::main()
}
