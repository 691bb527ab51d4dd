//! Giving freed memory back to the system after a large step.
//!
//! The binary's allocator keeps pages freed by one step for a while before it returns them
//! (100 ms, src/allocator.rs), and the blocks a worker thread freed wait in its own cache, not
//! reused by another thread's next allocations. After a multi-megabyte file's parse tree and
//! model are dropped, that held memory and the findings made next were resident at once: a
//! third more than the run needed (docs/performance.md, "Memory"). The allocator is the
//! binary's choice, so the binary installs how to release ([`set_release`]); the library only
//! says when.

use std::sync::OnceLock;

/// A unit of at least this much text is large: its step is followed by a release. Smaller
/// units are the common case and the release would cost more than it returns.
pub(crate) const LARGE: usize = 1 << 20;

static RELEASE: OnceLock<fn()> = OnceLock::new();

/// Installs the function that returns the calling thread's freed memory (and any the
/// allocator holds for all threads) to the system. The first call wins.
pub fn set_release(release: fn()) {
    let _ = RELEASE.set(release);
}

/// Releases freed memory after a step over `bytes` of text, when that is [`LARGE`].
pub(crate) fn release_after(bytes: usize) {
    release_with(bytes, RELEASE.get());
}

fn release_with(bytes: usize, release: Option<&fn()>) {
    if bytes >= LARGE
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
        release_with(LARGE - 1, Some(&hook));
        assert_eq!(CALLS.load(Ordering::SeqCst), 0);
        release_with(LARGE, Some(&hook));
        assert_eq!(CALLS.load(Ordering::SeqCst), 1);
        release_with(LARGE, None);
        assert_eq!(CALLS.load(Ordering::SeqCst), 1);
    }
}
