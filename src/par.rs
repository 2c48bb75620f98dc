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
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8).min(items.len());
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
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(&mut state, item);
                    if let Ok(mut out) = results.lock() {
                        out[i] = Some(r);
                    }
                }
            });
        }
    });
    // A worker that panicked re-raises in the scope above, so every slot is filled here.
    results.into_inner().unwrap_or_default().into_iter().flatten().collect()
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
