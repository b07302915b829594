//! Strided iteration over N operands that share one shape: dims are coalesced, and the
//! closure gets each innermost run (offsets in elements, run length, inner strides).

use smallvec::SmallVec;

/// Coalesced loop description: sizes (outer to inner) and per-operand strides.
struct Plan<const N: usize> {
    sizes: SmallVec<[i64; 6]>,
    strides: SmallVec<[[i64; N]; 6]>,
}

fn plan<const N: usize>(shape: &[i64], strides: [&[i64]; N]) -> Plan<N> {
    let mut sizes: SmallVec<[i64; 6]> = SmallVec::new();
    let mut st: SmallVec<[[i64; N]; 6]> = SmallVec::new();
    for (d, &size) in shape.iter().enumerate() {
        if size == 1 {
            continue;
        }
        let s: [i64; N] = std::array::from_fn(|k| strides[k][d]);
        if let (Some(last_size), Some(last)) = (sizes.last_mut(), st.last_mut()) {
            // merge (outer=last, inner=d) when outer stride == inner stride * inner size
            if (0..N).all(|k| last[k] == s[k] * size) {
                *last_size *= size;
                *last = s;
                continue;
            }
        }
        sizes.push(size);
        st.push(s);
    }
    Plan { sizes, strides: st }
}

/// The shape with unit dims dropped and mergeable neighbours merged: sizes (outer to inner)
/// and each operand's stride per remaining dim.
pub fn coalesced<const N: usize>(shape: &[i64], strides: [&[i64]; N]) -> (SmallVec<[i64; 6]>, SmallVec<[[i64; N]; 6]>) {
    let p = plan(shape, strides);
    (p.sizes, p.strides)
}

/// Calls `f(offsets, len, inner_strides)` for each innermost run of `shape`, where operand k's
/// element i of the run is at `offsets[k] + i * inner_strides[k]` (in elements). Nothing is
/// called for an empty shape; a 0-d shape is one run of length 1.
pub fn for_each_run<const N: usize>(
    shape: &[i64],
    strides: [&[i64]; N],
    base: [isize; N],
    mut f: impl FnMut([isize; N], usize, [isize; N]),
) {
    if shape.iter().any(|&d| d == 0) {
        return;
    }
    let p = plan(shape, strides);
    let nd = p.sizes.len();
    if nd == 0 {
        f(base, 1, [0; N]);
        return;
    }
    let inner_len = p.sizes[nd - 1] as usize;
    let inner: [isize; N] = std::array::from_fn(|k| p.strides[nd - 1][k] as isize);
    let outer = nd - 1;
    let mut idx: SmallVec<[i64; 6]> = SmallVec::from_elem(0, outer);
    let mut offs = base;
    loop {
        f(offs, inner_len, inner);
        // advance the outer counter
        let mut d = outer;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            for k in 0..N {
                offs[k] += p.strides[d][k] as isize;
            }
            if idx[d] < p.sizes[d] {
                break;
            }
            for k in 0..N {
                offs[k] -= (p.strides[d][k] * p.sizes[d]) as isize;
            }
            idx[d] = 0;
        }
    }
}

/// [`for_each_run`] from offset 0 with the outermost dim split across threads once `shape` holds
/// at least `min_parallel` elements (each part walks its runs in order; `f` is called
/// concurrently on disjoint runs).
pub fn for_each_run_par<const N: usize>(
    shape: &[i64],
    strides: [&[i64]; N],
    min_parallel: usize,
    f: impl Fn([isize; N], usize, [isize; N]) + Sync,
) {
    let numel: i64 = shape.iter().product();
    let p = plan(shape, strides);
    if p.sizes.len() < 2 || (numel as usize) < min_parallel || super::threads::num_threads() < 2 {
        for_each_run(shape, strides, [0; N], f);
        return;
    }
    let outer = p.sizes[0] as usize;
    let per = super::threads::rows_per_run(outer, numel as usize / outer);
    let plan_strides: [SmallVec<[i64; 6]>; N] = std::array::from_fn(|k| p.strides.iter().map(|s| s[k]).collect());
    super::threads::parallel_for(outer.div_ceil(per), |c| {
        // one walk per chunk of outer rows (the chunk's rows as the outermost dim), so the loop
        // is planned once per chunk rather than once per row
        let (lo, hi) = (c * per, ((c + 1) * per).min(outer));
        let mut sizes = p.sizes.clone();
        sizes[0] = (hi - lo) as i64;
        let st: [&[i64]; N] = std::array::from_fn(|k| &plan_strides[k][..]);
        let base: [isize; N] = std::array::from_fn(|k| (lo as i64 * p.strides[0][k]) as isize);
        for_each_run(&sizes, st, base, &f);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_transposed_in_logical_order() {
        // a 2x3 matrix stored transposed: strides [1, 2]
        let mut seen = vec![];
        for_each_run([2i64, 3].as_slice(), [[1i64, 2].as_slice()], [0], |o, n, s| {
            for i in 0..n as isize {
                seen.push(o[0] + i * s[0]);
            }
        });
        assert_eq!(seen, vec![0, 2, 4, 1, 3, 5]);
    }

    #[test]
    fn coalesces_contiguous_to_one_run() {
        let mut runs = 0;
        for_each_run([2i64, 3, 4].as_slice(), [[12i64, 4, 1].as_slice()], [0], |_, n, _| {
            assert_eq!(n, 24);
            runs += 1;
        });
        assert_eq!(runs, 1);
    }
}
