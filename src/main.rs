fn main() -> std::process::ExitCode {
    chartgen::cli::main()
}
