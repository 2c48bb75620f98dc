//! A parallel map over a slice on scoped threads (one per core, at most 8), keeping order.
//! Items are handed out one at a time (or in short runs of neighbours, see [`map_runs`]), so a
//! few expensive items do not land on one thread.
//! Plan loading, diffing and gate criteria are pure and independent per item.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_init(items, || (), |_, t| f(t))
}

/// [`map`] with a state each thread makes once (`init`) and hands to `f` for every item it
/// takes (a repository handle of its own, say).
pub fn map_init<T: Sync, S, R: Send>(
    items: &[T],
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    map_runs(items, 1, init, |_, _| false, f)
}

/// [`map_init`] handing out `run` neighbouring items at a time; one thread takes a run's
/// items one after another, last to first where `backwards` says so. A thread that diffs a
/// commit and then its parent finds the parent's trees in its caches, where a thread taking
/// every other commit would read them again.
pub fn map_runs<T: Sync, S, R: Send>(
    items: &[T],
    run: usize,
    init: impl Fn() -> S + Sync,
    backwards: impl Fn(&mut S, &[T]) -> bool + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    map_runs_in(items, run, init, drop, backwards, f)
}

/// States kept from one parallel map to the next (repository handles with warm caches, say):
/// each thread takes one when it starts, or makes one, and gives it back when it is done.
pub struct Pool<S>(Mutex<Vec<S>>);

impl<S: Send> Default for Pool<S> {
    fn default() -> Self {
        Pool(Mutex::new(Vec::new()))
    }
}

impl<S: Send> Pool<S> {
    /// [`map_runs`] with each thread's state taken from the pool (made by `init` when the
    /// pool has none) and given back after.
    pub fn map_runs<T: Sync, R: Send>(
        &self,
        items: &[T],
        run: usize,
        init: impl Fn() -> S + Sync,
        backwards: impl Fn(&mut S, &[T]) -> bool + Sync,
        f: impl Fn(&mut S, &T) -> R + Sync,
    ) -> Vec<R> {
        let take = || self.0.lock().ok().and_then(|mut free| free.pop()).unwrap_or_else(&init);
        let give = |state| {
            if let Ok(mut free) = self.0.lock() {
                free.push(state);
            }
        };
        map_runs_in(items, run, take, give, backwards, f)
    }

    /// [`Pool::map_runs`] one item at a time, as [`map_init`].
    pub fn map<T: Sync, R: Send>(
        &self,
        items: &[T],
        init: impl Fn() -> S + Sync,
        f: impl Fn(&mut S, &T) -> R + Sync,
    ) -> Vec<R> {
        self.map_runs(items, 1, init, |_, _| false, f)
    }

    /// Drops the states kept (whose caches hold what is no longer wanted).
    pub fn clear(&self) {
        if let Ok(mut free) = self.0.lock() {
            free.clear();
        }
    }
}

/// [`map_runs`] with each thread's state from `take`, handed to `give` when the thread is done.
fn map_runs_in<T: Sync, S, R: Send>(
    items: &[T],
    run: usize,
    take: impl Fn() -> S + Sync,
    give: impl Fn(S) + Sync,
    backwards: impl Fn(&mut S, &[T]) -> bool + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    let run = run.max(1);
    let one_run = |state: &mut S, taken: &[T]| -> Vec<R> {
        if backwards(state, taken) {
            let mut done: Vec<R> = taken.iter().rev().map(|t| f(state, t)).collect();
            done.reverse();
            done
        } else {
            taken.iter().map(|t| f(state, t)).collect()
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8).min(items.len().div_ceil(run));
    if items.len() < 4 || threads <= 1 {
        let mut state = take();
        let done = items.chunks(run).flat_map(|taken| one_run(&mut state, taken)).collect();
        give(state);
        return done;
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let work = || {
        let mut state = take();
        loop {
            let start = next.fetch_add(run, Ordering::Relaxed);
            let Some(taken) = items.get(start..(start + run).min(items.len())) else { break };
            if taken.is_empty() {
                break;
            }
            let done = one_run(&mut state, taken);
            if let Ok(mut out) = results.lock() {
                for (slot, r) in out[start..].iter_mut().zip(done) {
                    *slot = Some(r);
                }
            }
        }
        give(state);
    };
    std::thread::scope(|scope| {
        spawn_helpers(scope, threads - 1, &work);
        work();
    });
    // A worker that panicked re-raises in the scope above, so every slot is filled here.
    results.into_inner().unwrap_or_default().into_iter().flatten().collect()
}

/// Starts up to `n` threads running `work` beside the calling thread, which runs it too. A
/// thread the system refuses (a limit on processes or memory) is not started, and the work
/// is left to the threads there are: never a panic, and never a worker waiting for items
/// that no thread will ever hand over.
fn spawn_helpers<'scope, 'env>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    n: usize,
    work: &'scope (impl Fn() + Sync),
) {
    for _ in 0..n {
        if std::thread::Builder::new().spawn_scoped(scope, work).is_err() {
            break;
        }
    }
}

/// [`map`] over items as they are produced: `produce` runs on the calling thread (reading
/// from git, say) and hands each item over at once to the other threads, then the calling
/// thread joins them. Results keep the order items were produced in. An error from `produce`
/// is returned once the items handed over so far are done.
pub fn map_produced<T: Send, R: Send, E>(
    produce: impl FnOnce(&mut dyn FnMut(T)) -> Result<(), E>,
    f: impl Fn(T) -> R + Sync,
) -> Result<Vec<R>, E> {
    map_produced_init(produce, || (), |_, t| f(t))
}

/// [`map_produced`] with a state each thread makes once (`init`), as [`map_init`].
pub fn map_produced_init<T: Send, S, R: Send, E>(
    produce: impl FnOnce(&mut dyn FnMut(T)) -> Result<(), E>,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, T) -> R + Sync,
) -> Result<Vec<R>, E> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads <= 1 {
        let mut items = Vec::new();
        produce(&mut |t| items.push(t))?;
        let mut state = init();
        return Ok(items.into_iter().map(|t| f(&mut state, t)).collect());
    }
    let (tx, rx) = std::sync::mpsc::channel::<(usize, T)>();
    let rx = Mutex::new(rx);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(Vec::new());
    let work = || {
        let mut state = None;
        loop {
            let next = match rx.lock() {
                Ok(rx) => rx.recv(),
                Err(_) => break,
            };
            let Ok((i, item)) = next else { break };
            let r = f(state.get_or_insert_with(&init), item);
            if let Ok(mut out) = results.lock() {
                if out.len() <= i {
                    out.resize_with(i + 1, || None);
                }
                out[i] = Some(r);
            }
        }
    };
    std::thread::scope(|scope| {
        spawn_helpers(scope, threads - 1, &work);
        let mut n = 0;
        let produced = produce(&mut |t| {
            // The receiver lives until every worker is done: sending cannot fail.
            let _ = tx.send((n, t));
            n += 1;
        });
        drop(tx);
        work();
        produced
    })?;
    Ok(results.into_inner().unwrap_or_default().into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(super::map(&items, |x| x * 2), items.iter().map(|x| x * 2).collect::<Vec<_>>());
    }

    /// Each run of neighbours is taken by one thread in one go, last to first where asked,
    /// and the results still come back in the items' order.
    #[test]
    fn runs_are_taken_whole_in_the_order_asked_and_results_keep_the_items_order() {
        let items: Vec<u32> = (0..1000).collect();
        let backwards = |_: &mut Option<u32>, run: &[u32]| run[0].is_multiple_of(128);
        // Each result: the item and the one this thread did just before it.
        let out = super::map_runs(&items, 64, || None, backwards, |last: &mut Option<u32>, &x| (x, last.replace(x)));
        assert_eq!(out.iter().map(|(x, _)| *x).collect::<Vec<_>>(), items);
        for (x, before) in out {
            let start = x / 64 * 64;
            let end = (start + 63).min(999);
            if start.is_multiple_of(128) {
                if x != end {
                    assert_eq!(before, Some(x + 1), "{x}: a backwards run goes last to first");
                }
            } else if x != start {
                assert_eq!(before, Some(x - 1), "{x}: a run goes first to last");
            }
        }
    }

    /// A pool's states are made once per thread and handed back: a second map takes the
    /// states the first one left, with what they hold, and makes none.
    #[test]
    fn a_pool_keeps_its_states_from_one_map_to_the_next() {
        let made = std::sync::atomic::AtomicUsize::new(0);
        let init = || {
            made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            0usize
        };
        let pool = super::Pool::default();
        let items: Vec<u32> = (0..1000).collect();
        let count = |seen: &mut usize, x: &u32| {
            *seen += 1;
            x * 2
        };
        assert_eq!(pool.map(&items, init, count), items.iter().map(|x| x * 2).collect::<Vec<_>>());
        // A thread that starts late may take the state another thread already gave back: at
        // most one state per thread is ever made, however the threads interleave.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        pool.map_runs(&items, 64, init, |_, _| true, count);
        let made_now = made.load(std::sync::atomic::Ordering::Relaxed);
        assert!((1..=threads).contains(&made_now), "{made_now} states for {threads} threads");
        let kept = std::mem::take(&mut *pool.0.lock().unwrap());
        assert_eq!(kept.len(), made_now);
        assert_eq!(kept.iter().sum::<usize>(), 2000, "each item is counted in the state that took it");
        pool.clear();
        pool.map(&items[..1], init, count);
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), made_now + 1);
    }

    #[test]
    fn produced_items_keep_their_order_and_an_error_still_returns() {
        let produce = |fail: bool| {
            move |give: &mut dyn FnMut(u32)| {
                for x in 0..1000 {
                    if fail && x == 500 {
                        return Err(format!("stopped at {x}"));
                    }
                    give(x);
                }
                Ok(())
            }
        };
        let out = super::map_produced(produce(false), |x| x * 2).unwrap();
        assert_eq!(out, (0..1000).map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(super::map_produced(produce(true), |x| x * 2), Err("stopped at 500".to_owned()));
    }
}
