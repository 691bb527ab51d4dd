//! Giving freed memory back to the system after a large step, and keeping it for reuse while a
//! check runs in batches.
//!
//! The binary's allocator keeps pages freed by one step for a while before it returns them
//! (100 ms, src/allocator.rs), and the blocks a worker thread freed wait in its own cache, not
//! reused by another thread's next allocations. After a multi-megabyte file's parse tree and
//! model are dropped, that held memory and the findings made next were resident at once: a
//! third more than the run needed (docs/performance.md, "Memory"). A check in batches is
//! different: what it holds is bounded by the batch size, and each batch's trees are made in
//! the memory the one before freed. There, pages returned after 100 ms, or at once after a
//! large file, were taken back from the system a few milliseconds later, page fault by page
//! fault: from its first batch such a check keeps freed pages for a second and releases only
//! after a unit of several megabytes (docs/performance.md, "Trails written when shown, freed
//! pages kept across batches"). The allocator is the binary's choice, so the binary installs
//! how ([`set_hooks`]); the library only says when.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// A unit of at least this much text is large: its step is followed by a release. Smaller
/// units are the common case and the release would cost more than it returns.
pub(crate) const LARGE: usize = 1 << 20;

/// What is large in a check in batches: a unit of this much text is half a batch
/// (src/workspace/batch.rs), whose tree alone outweighs the other batches held.
pub(crate) const LARGE_IN_BATCHES: usize = 4 << 20;

/// How the binary's allocator does what this module asks.
#[derive(Debug, Clone, Copy)]
pub struct Hooks {
    /// Returns the calling thread's freed memory (and any the allocator holds for all threads)
    /// to the system.
    pub release: fn(),
    /// From now on, keeps freed pages for reuse longer before returning them.
    pub keep_longer: fn(),
}

static HOOKS: OnceLock<Hooks> = OnceLock::new();

/// Whether a check in batches has started in this process.
static BATCHED: AtomicBool = AtomicBool::new(false);

/// Installs the allocator's hooks. The first call wins.
pub fn set_hooks(hooks: Hooks) {
    let _ = HOOKS.set(hooks);
}

/// A check in batches starts: freed pages are kept longer from now on (once per process), and
/// only a unit of [`LARGE_IN_BATCHES`] is followed by a release.
pub(crate) fn batches_start() {
    if !BATCHED.swap(true, Ordering::Relaxed)
        && let Some(hooks) = HOOKS.get()
    {
        (hooks.keep_longer)();
    }
}

/// Releases freed memory after a step over `bytes` of text, when that is large.
pub(crate) fn release_after(bytes: usize) {
    let large = if BATCHED.load(Ordering::Relaxed) {
        LARGE_IN_BATCHES
    } else {
        LARGE
    };
    release_with(bytes, large, HOOKS.get().map(|h| h.release));
}

fn release_with(bytes: usize, large: usize, release: Option<fn()>) {
    if bytes >= large
        && let Some(release) = release
    {
        release();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    static CALLS: AtomicUsize = AtomicUsize::new(0);

    fn count() {
        CALLS.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn only_a_large_step_releases_and_nothing_happens_without_a_hook() {
        let hook: fn() = count;
        release_with(LARGE - 1, LARGE, Some(hook));
        assert_eq!(CALLS.load(Ordering::SeqCst), 0);
        release_with(LARGE, LARGE, Some(hook));
        assert_eq!(CALLS.load(Ordering::SeqCst), 1);
        release_with(LARGE, LARGE_IN_BATCHES, Some(hook));
        assert_eq!(CALLS.load(Ordering::SeqCst), 1);
        release_with(LARGE_IN_BATCHES, LARGE_IN_BATCHES, Some(hook));
        assert_eq!(CALLS.load(Ordering::SeqCst), 2);
        release_with(LARGE, LARGE, None);
        assert_eq!(CALLS.load(Ordering::SeqCst), 2);
    }
}
