// The parsers allocate and free many small nodes on every thread; mimalloc's thread-local
// free lists keep that cheap and return memory instead of fragmenting per-thread arenas
// (docs/performance.md, "Memory").
#[global_allocator]
static GLOBAL: allocator::Allocator = allocator::Allocator;

mod allocator;

/// Returns the calling thread's free pages, and those mimalloc holds for every thread, to the
/// system now rather than after its purge delay (src/memory.rs says when).
#[allow(unsafe_code)]
fn release() {
    // SAFETY: `mi_collect` takes no pointer and has no precondition; it only frees memory the
    // allocator holds and no one uses.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

fn main() -> std::process::ExitCode {
    cloudpact::memory::set_release(release);
    cloudpact::cli::main()
}
