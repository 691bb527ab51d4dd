fn main() -> std::process::ExitCode {
    cloudpact::cli::main()
}
