// The parsers allocate and free many small nodes on every thread: jemalloc, whose thread
// caches reuse the memory freed last (src/allocator.rs; docs/performance.md, "The allocator").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: allocator::Allocator = allocator::Allocator;

#[cfg(not(target_env = "msvc"))]
mod allocator;

/// jemalloc's commands that return the memory it holds freed to the system: the calling
/// thread's cache of freed blocks first (back into its arena), then the free pages of every
/// arena (4096 is `MALLCTL_ARENAS_ALL` in its headers).
#[cfg(not(target_env = "msvc"))]
const RELEASE: [&std::ffi::CStr; 2] = [c"thread.tcache.flush", c"arena.4096.purge"];

/// Runs one of jemalloc's commands that take no value and give none; its status (0: done).
#[cfg(not(target_env = "msvc"))]
#[allow(unsafe_code)]
fn command(name: &std::ffi::CStr) -> i32 {
    // SAFETY: a command takes a name and null buffers: nothing is read or written through
    // them.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    }
}

/// Returns the memory jemalloc holds freed to the system now rather than after its decay time
/// (src/memory.rs says when). A command that failed leaves memory where it was.
#[cfg(not(target_env = "msvc"))]
fn release() {
    for name in RELEASE {
        command(name);
    }
}

fn main() -> std::process::ExitCode {
    #[cfg(not(target_env = "msvc"))]
    cloudpact::memory::set_release(release);
    cloudpact::cli::main()
}

#[cfg(all(test, not(target_env = "msvc")))]
mod tests {
    /// Both release commands are jemalloc's: a wrong name would fail (`ENOENT`) and release
    /// nothing, without a word.
    #[test]
    fn the_release_commands_are_jemalloc_s() {
        for name in super::RELEASE {
            assert_eq!(super::command(name), 0, "{name:?}");
        }
        assert_ne!(super::command(c"arena.4096.purgeall"), 0);
    }
}
