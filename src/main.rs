// The parsers allocate and free many small nodes on every thread; mimalloc's thread-local
// free lists keep that cheap and return memory instead of fragmenting per-thread arenas
// (docs/performance.md, "Memory").
#[global_allocator]
static GLOBAL: Allocator = Allocator;

/// mimalloc, asked for a plain block where the alignment Rust asks for is one every block of
/// mimalloc has (8 bytes: every size class is a multiple of a word), and for an aligned one
/// only where it is more. The `mimalloc` crate asks for an aligned block every time, a longer
/// path through the allocator (docs/performance.md, "The allocator's plain path").
struct Allocator;

/// The alignment every block mimalloc returns has.
const PLAIN: usize = std::mem::size_of::<usize>();

// SAFETY: each function passes the layout's size and, where the alignment is more than every
// block has, its alignment, to mimalloc's C API, which returns null on failure as
// `GlobalAlloc` requires; `dealloc` and `realloc` get pointers this allocator returned.
#[allow(unsafe_code)]
unsafe impl std::alloc::GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: as above.
        unsafe {
            if layout.align() <= PLAIN {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: as above.
        unsafe {
            if layout.align() <= PLAIN {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: as above.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: as above.
        unsafe {
            if layout.align() <= PLAIN {
                mi::mi_realloc(ptr.cast(), new).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast(), new, layout.align()).cast()
            }
        }
    }
}

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
