//! The binary's global allocator, jemalloc, and the options it starts with (declared by
//! src/main.rs, and by benches/parsers.rs so its figures are a run's; not part of the library,
//! which has no `unsafe` code).
//!
//! jemalloc, not mimalloc: a parse makes and drops a tree of small nodes for every file, and
//! jemalloc's per-thread cache hands out the block freed last first, so the next file's nodes
//! land in memory the core has just touched. mimalloc serves a page's older free list first:
//! on a 20-copy check a tenth of the time was `mi_malloc` reading the link of a free block
//! last written long before (docs/performance.md, "The allocator").

pub use tikv_jemallocator::Jemalloc as Allocator;

/// jemalloc's options, which it reads once as it starts from this symbol (`malloc_conf` under
/// the `_rjem_` prefix the crate builds it with; `_RJEM_MALLOC_CONF` in the environment is
/// read after it and wins): freed pages go back to the system 100 ms after they are freed
/// rather than 10 s. A large check frees a batch's trees every few tens of milliseconds: with
/// the default its peak memory grew by a tenth, with this it is lower than under mimalloc,
/// for the same time. Once a check runs in batches, src/main.rs sets 1 s (src/memory.rs says
/// why).
#[allow(unsafe_code)]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static OPTIONS: &u8 = &b"dirty_decay_ms:100\0"[0];

/// The time `OPTIONS` gives freed pages, in milliseconds (src/main.rs raises it for a check in
/// batches, unless the environment set another). Unused by benches/parsers.rs, which declares
/// its allocator from this file too.
#[allow(dead_code)]
pub const DIRTY_DECAY_MS: isize = 100;
