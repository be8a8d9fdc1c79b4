//! Work spread over every core, when it is worth it.
//!
//! Parsing declarations and typing rules are independent per item; with
//! the default `parallel` feature and enough items they run on rayon's
//! pool, otherwise in a plain loop. Either way results come back in the
//! items' order, so nothing downstream (diagnostics above all) can tell.

/// How many items make spreading them over the cores worth its overhead.
#[cfg(feature = "parallel")]
const WORTH_SPREADING: usize = 256;

/// `f` of every item, in the items' order.
pub(crate) fn map_in_order<T, R>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    #[cfg(feature = "parallel")]
    if items.len() >= WORTH_SPREADING {
        use rayon::prelude::*;
        return items.par_iter().map(f).collect();
    }
    items.iter().map(f).collect()
}

#[cfg(feature = "parquet")] // the Parquet writer's columns
/// `f` of every item, in the items' order, the items spread over the
/// cores however few they are: for a few items of much work each (the
/// columns of a file to encode).
pub(crate) fn map_each_in_order<T, R>(items: Vec<T>, f: impl Fn(T) -> R + Sync + Send) -> Vec<R>
where
    T: Send,
    R: Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    items.into_iter().map(f).collect()
}

#[cfg(feature = "parquet")] // the Parquet reader's names and facts
/// Both results, the two computed side by side when there are cores.
pub(crate) fn join<A, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B)
where
    A: Send,
    B: Send,
{
    #[cfg(feature = "parallel")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "parallel"))]
    (a(), b())
}
