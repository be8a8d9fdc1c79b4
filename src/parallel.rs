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
