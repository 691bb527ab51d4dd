// The parsers allocate and free many small nodes on every thread; mimalloc's thread-local
// free lists keep that cheap and return memory instead of fragmenting per-thread arenas
// (docs/performance.md, "Memory").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cloudpact::cli::main()
}
