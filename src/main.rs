use std::process::ExitCode;

fn main() -> ExitCode {
    shishi::cli::main()
}
