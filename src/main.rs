// The parsers allocate and free many small nodes on every thread: jemalloc, whose thread
// caches reuse the memory freed last (src/allocator.rs; docs/performance.md, "The allocator").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: allocator::Allocator = allocator::Allocator;

#[cfg(not(target_env = "msvc"))]
mod allocator;

/// Returns the memory jemalloc holds freed to the system now rather than after its decay time:
/// the calling thread's cache of freed blocks first (back into its arena), then the free pages
/// of every arena (src/memory.rs says when).
#[cfg(not(target_env = "msvc"))]
#[allow(unsafe_code)]
fn release() {
    // `MALLCTL_ARENAS_ALL` in jemalloc's headers: every arena.
    const PURGE_ALL: &std::ffi::CStr = c"arena.4096.purge";
    for name in [c"thread.tcache.flush", PURGE_ALL] {
        // SAFETY: both are jemalloc's commands that take no value and give none: a name and
        // null buffers. A failure (none is documented for either) leaves memory where it was.
        unsafe {
            tikv_jemalloc_sys::mallctl(
                name.as_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
        }
    }
}

fn main() -> std::process::ExitCode {
    #[cfg(not(target_env = "msvc"))]
    cloudpact::memory::set_release(release);
    cloudpact::cli::main()
}
