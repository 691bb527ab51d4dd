//! The binary's global allocator, mimalloc (declared by src/main.rs, and by
//! benches/parsers.rs so its figures are a run's; not part of the library, which has no
//! `unsafe` code).

/// mimalloc, asked for a plain block where the alignment Rust asks for is one every block of
/// mimalloc has (8 bytes: every size class is a multiple of a word), and for an aligned one
/// only where it is more. The `mimalloc` crate asks for an aligned block every time, a longer
/// path through the allocator (docs/performance.md, "The allocator's plain path").
pub struct Allocator;

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

#[cfg(test)]
mod tests {
    /// Every size and alignment gets a block with that alignment, which keeps what was written
    /// to it through a `realloc` to a larger size.
    #[test]
    #[allow(unsafe_code)]
    fn blocks_have_the_alignment_asked_for_and_keep_their_bytes() {
        use std::alloc::{GlobalAlloc, Layout};

        use super::Allocator;

        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in (1..=80).chain([100, 1000, 5000, 70_000]) {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a layout of non-zero size; the block is written within its size,
                // grown by `realloc` with the layout it was allocated with, and freed with the
                // layout of its last size.
                unsafe {
                    for zeroed in [false, true] {
                        let p = if zeroed {
                            Allocator.alloc_zeroed(layout)
                        } else {
                            Allocator.alloc(layout)
                        };
                        assert!(!p.is_null());
                        assert_eq!(p.addr() % align, 0, "size {size}, align {align}");
                        if zeroed {
                            assert!((0..size).all(|i| *p.add(i) == 0));
                        }
                        for i in 0..size {
                            *p.add(i) = i as u8;
                        }
                        let q = Allocator.realloc(p, layout, size * 3);
                        assert!(!q.is_null());
                        assert_eq!(q.addr() % align, 0, "realloc: size {size}, align {align}");
                        assert!((0..size).all(|i| *q.add(i) == i as u8));
                        Allocator.dealloc(q, Layout::from_size_align(size * 3, align).unwrap());
                    }
                }
            }
        }
    }
}
