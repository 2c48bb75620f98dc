//! A parallel map over a slice on scoped threads (one per core, at most 8), keeping order.
//! Items are handed out one at a time, so a few expensive items do not land on one thread.
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
    map_runs(items, 1, init, f)
}

/// [`map_init`] handing out runs of `run` neighbouring items at a time: a thread then sees
/// neighbours together (consecutive commits share most of their trees, which its caches keep).
pub fn map_runs<T: Sync, S, R: Send>(
    items: &[T],
    run: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    let run = run.max(1);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8).min(items.len().div_ceil(run));
    if items.len() < 4 || threads <= 1 {
        let mut state = init();
        return items.iter().map(|t| f(&mut state, t)).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut state = init();
                loop {
                    let start = next.fetch_add(run, Ordering::Relaxed);
                    if start >= items.len() {
                        break;
                    }
                    let end = (start + run).min(items.len());
                    let done: Vec<R> = items[start..end].iter().map(|t| f(&mut state, t)).collect();
                    if let Ok(mut out) = results.lock() {
                        for (slot, r) in out[start..end].iter_mut().zip(done) {
                            *slot = Some(r);
                        }
                    }
                }
            });
        }
    });
    // A worker that panicked re-raises in the scope above, so every slot is filled here.
    results.into_inner().unwrap_or_default().into_iter().flatten().collect()
}

/// Values threads borrow for a while and give back (repository handles that keep their caches
/// warm from one batch of work to the next).
pub struct Pool<T>(Mutex<Vec<T>>);

impl<T> Pool<T> {
    pub fn new() -> Self {
        Pool(Mutex::new(Vec::new()))
    }

    /// A value from the pool, or a new one from `make`; it goes back when dropped.
    pub fn take(&self, make: impl FnOnce() -> T) -> Pooled<'_, T> {
        let value = self.0.lock().ok().and_then(|mut v| v.pop()).unwrap_or_else(make);
        Pooled { value: Some(value), pool: self }
    }
}

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Self::new()
    }
}

pub struct Pooled<'p, T> {
    value: Option<T>,
    pool: &'p Pool<T>,
}

impl<T> std::ops::Deref for Pooled<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("a pooled value is there until dropped")
    }
}

impl<T> Drop for Pooled<'_, T> {
    fn drop(&mut self) {
        if let (Some(v), Ok(mut pool)) = (self.value.take(), self.pool.0.lock()) {
            pool.push(v);
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
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads <= 1 {
        let mut items = Vec::new();
        produce(&mut |t| items.push(t))?;
        return Ok(items.into_iter().map(f).collect());
    }
    let (tx, rx) = std::sync::mpsc::channel::<(usize, T)>();
    let rx = Mutex::new(rx);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(Vec::new());
    let work = || {
        loop {
            let next = match rx.lock() {
                Ok(rx) => rx.recv(),
                Err(_) => break,
            };
            let Ok((i, item)) = next else { break };
            let r = f(item);
            if let Ok(mut out) = results.lock() {
                if out.len() <= i {
                    out.resize_with(i + 1, || None);
                }
                out[i] = Some(r);
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
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

    #[test]
    fn runs_keep_order_and_pooled_values_come_back() {
        let items: Vec<u32> = (0..1001).collect();
        let pool = super::Pool::new();
        let made = std::sync::atomic::AtomicUsize::new(0);
        for _ in 0..3 {
            let out = super::map_runs(
                &items,
                16,
                || pool.take(|| made.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
                |_, x| x + 1,
            );
            assert_eq!(out, items.iter().map(|x| x + 1).collect::<Vec<_>>());
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        // Each thread's value is made at most once, then reused batch after batch.
        let made = made.load(std::sync::atomic::Ordering::Relaxed);
        assert!((1..=threads).contains(&made), "{made} made for {threads} threads");
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
