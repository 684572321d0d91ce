//! The process's global allocator: mimalloc, counting on each thread the bytes it has allocated
//! minus the bytes it has freed. A script run reads its thread's count at its start and
//! at every operation (`run`), so the memory budget covers everything the run allocates, in
//! rhai's packages as much as in our code, not just the sizes rhai's own limits look at.
//!
//! It also counts the bytes each thread has allocated in all (never decreasing), which the run
//! uses to read the clock after a lot of copying (see `run`).
//!
//! Invariants: the counters are a const-initialised `thread_local!` `Cell` with no destructor,
//! read and written through `try_with`, with wrapping arithmetic: counting never allocates, never
//! panics and never fails an allocation. The counts are per thread and only differences taken on
//! one thread mean anything: memory allocated on one thread and freed on another moves both
//! threads' counts, which is why a run takes a baseline when it starts instead of reading the
//! absolute count.
//!
//! Why mimalloc under the counting: a 20-row list makes a few hundred small allocations per
//! request (row values, JSON), and glibc's malloc (`_int_malloc`, `malloc_consolidate`) was a
//! sixth of that path's CPU in a profile; see README "Performance".
use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

use mimalloc::MiMalloc;

#[derive(Clone, Copy)]
struct Counts {
    /// Bytes allocated minus bytes freed by this thread (wrapping).
    net: usize,
    /// Bytes allocated by this thread (wrapping; a `realloc` counts its new size).
    allocated: usize,
}

thread_local! {
    static COUNTS: Cell<Counts> = const { Cell::new(Counts { net: 0, allocated: 0 }) };
}

#[inline]
fn add(bytes: usize) {
    let _ = COUNTS.try_with(|c| {
        let Counts { net, allocated } = c.get();
        c.set(Counts {
            net: net.wrapping_add(bytes),
            allocated: allocated.wrapping_add(bytes),
        })
    });
}

#[inline]
fn sub(bytes: usize) {
    let _ = COUNTS.try_with(|c| {
        let counts = c.get();
        c.set(Counts {
            net: counts.net.wrapping_sub(bytes),
            ..counts
        })
    });
}

/// mimalloc, counting. Installed as the global allocator of every binary that links the library.
pub struct Counting;

// SAFETY: every call is forwarded unchanged to mimalloc; the counting around it touches only a
// thread-local integer.
unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = MiMalloc.alloc(layout);
        if !ptr.is_null() {
            add(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = MiMalloc.alloc_zeroed(layout);
        if !ptr.is_null() {
            add(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        MiMalloc.dealloc(ptr, layout);
        sub(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = MiMalloc.realloc(ptr, layout, new_size);
        if !new.is_null() {
            add(new_size);
            sub(layout.size());
        }
        new
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// This thread's net count now: a baseline for `grown_since`.
#[inline]
pub fn baseline() -> usize {
    COUNTS.try_with(|c| c.get().net).unwrap_or(0)
}

/// Bytes this thread has allocated in all (wrapping): only differences mean anything.
#[inline]
pub fn allocated() -> usize {
    COUNTS.try_with(|c| c.get().allocated).unwrap_or(0)
}

/// Net bytes this thread allocated since `baseline` was taken (negative when it freed more).
#[inline]
pub fn grown_since(baseline: usize) -> isize {
    self::baseline().wrapping_sub(baseline) as isize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_this_thread_holds() {
        let (start, before) = (baseline(), allocated());
        // `black_box`: an optimised build may drop an allocation nothing reads.
        let held = std::hint::black_box(vec![0u8; 1 << 20]);
        assert!(grown_since(start) >= 1 << 20);
        let mut grown = held;
        grown.reserve_exact(1 << 20);
        let grown = std::hint::black_box(grown);
        assert!(grown_since(start) >= 2 << 20);
        drop(grown);
        assert!(grown_since(start) < 1024, "{}", grown_since(start));
        assert!(allocated().wrapping_sub(before) >= 3 << 20);
        // Another thread's allocations are not this thread's.
        let other = std::thread::spawn(|| std::hint::black_box(vec![0u8; 4 << 20]))
            .join()
            .unwrap();
        assert!(grown_since(start) < 1024);
        drop(other);
        assert!(grown_since(start) < -(4 << 20) + 1024);
    }
}
