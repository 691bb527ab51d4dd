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

/// How long (ms) freed pages are kept once a check runs in batches (src/memory.rs says why).
#[cfg(not(target_env = "msvc"))]
const KEPT_MS: isize = 1000;

/// One of jemalloc's values of type `T`; `None` when the name is not one (or names an arena
/// not in use).
#[cfg(not(target_env = "msvc"))]
#[allow(unsafe_code)]
fn read<T: Copy + Default>(name: &std::ffi::CStr) -> Option<T> {
    let mut value = T::default();
    let mut len = std::mem::size_of::<T>();
    // SAFETY: `value` and `len` describe a buffer of `T`'s size, which jemalloc checks against
    // the value's; no new value is written.
    let rc = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            (&raw mut value).cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    (rc == 0 && len == std::mem::size_of::<T>()).then_some(value)
}

/// Sets one of jemalloc's values of type `T`; its status (0: done).
#[cfg(not(target_env = "msvc"))]
#[allow(unsafe_code)]
fn write<T: Copy>(name: &std::ffi::CStr, mut value: T) -> i32 {
    // SAFETY: the new value is a buffer of `T`'s size, which jemalloc checks against the
    // value's and only reads; nothing is read back.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            (&raw mut value).cast(),
            std::mem::size_of::<T>(),
        )
    }
}

/// Keeps freed pages for [`KEPT_MS`] in every arena in use and in those made from now on,
/// unless the environment (`_RJEM_MALLOC_CONF`) chose a time other than the binary's.
#[cfg(not(target_env = "msvc"))]
fn keep_longer() {
    if read::<isize>(c"opt.dirty_decay_ms") != Some(allocator::DIRTY_DECAY_MS) {
        return;
    }
    write(c"arenas.dirty_decay_ms", KEPT_MS);
    for i in 0..read::<u32>(c"arenas.narenas").unwrap_or(0) {
        // An arena not in use refuses (it is made with the new default when it is).
        if let Ok(name) = std::ffi::CString::new(format!("arena.{i}.dirty_decay_ms")) {
            write(&name, KEPT_MS);
        }
    }
}

fn main() -> std::process::ExitCode {
    #[cfg(not(target_env = "msvc"))]
    cloudpact::memory::set_hooks(cloudpact::memory::Hooks {
        release,
        keep_longer,
    });
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

    /// The option is jemalloc's, not ignored: a misspelt symbol would leave its default (10 s)
    /// without a word.
    #[test]
    fn jemalloc_starts_with_the_binary_s_options() {
        assert_eq!(
            super::read::<isize>(c"opt.dirty_decay_ms"),
            Some(super::allocator::DIRTY_DECAY_MS)
        );
    }

    /// Keeping freed pages longer sets the time of the arenas in use and of those to come.
    #[test]
    fn keeping_freed_pages_longer_reaches_every_arena() {
        let arena_0 = c"arena.0.dirty_decay_ms";
        assert_eq!(super::read::<isize>(arena_0), Some(100));
        super::keep_longer();
        assert_eq!(super::read::<isize>(arena_0), Some(super::KEPT_MS));
        assert_eq!(
            super::read::<isize>(c"arenas.dirty_decay_ms"),
            Some(super::KEPT_MS)
        );
        assert_eq!(super::read::<isize>(c"no.such.value"), None);
    }
}
