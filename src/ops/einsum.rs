//! `einsum`: parsed into labels, repeated labels within an operand taken as diagonals, then
//! contracted pair by pair with permute/reshape/bmm and sums (so its gradient comes from those
//! primitives).

use super::{linalg, reduce, shape};
use crate::error::Result;
use crate::tensor::Tensor;

/// An operand with one label per dim.
struct Term {
    t: Tensor,
    labels: Vec<char>,
}

/// Splits "ab,bc->ac" into input label lists and the output labels, expanding "..." into
/// placeholder labels (aligned from the right across operands).
fn parse(eq: &str, tensors: &[Tensor]) -> Result<(Vec<Vec<char>>, Vec<char>)> {
    let eq: String = eq.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match eq.split_once("->") {
        Some((l, r)) => (l.to_string(), Some(r.to_string())),
        None => (eq.clone(), None),
    };
    let parts: Vec<&str> = lhs.split(',').collect();
    crate::ensure!(parts.len() <= tensors.len(), "einsum(): fewer operands were provided than specified in the equation");
    crate::ensure!(parts.len() >= tensors.len(), "einsum(): more operands were provided than specified in the equation");
    // placeholder labels for ellipsis dims: private-use chars, the last dim gets the last one
    let ell = |i: usize, n: usize| char::from_u32(0xE000 + (n - 1 - i) as u32).unwrap();
    let mut max_ell = 0;
    let mut inputs = vec![];
    for (p, t) in parts.iter().zip(tensors) {
        let letters = p.replace("...", "");
        crate::ensure!(letters.chars().all(|c| c.is_ascii_alphabetic()), "einsum(): invalid subscript given at index 0 in the equation string, subscripts must be in [a-zA-Z]");
        let has_ell = p.contains("...");
        let n_ell = t.dim() as i64 - letters.len() as i64;
        crate::ensure!(
            n_ell >= 0 && (has_ell || n_ell == 0),
            "einsum(): the number of subscripts in the equation ({}) does not match the number of dimensions ({}) for operand {} and no ellipsis was given",
            letters.len(),
            t.dim(),
            inputs.len()
        );
        let n_ell = n_ell as usize;
        max_ell = max_ell.max(n_ell);
        let mut labels = vec![];
        let (before, after) = p.split_once("...").unwrap_or((p, ""));
        labels.extend(before.chars());
        if has_ell {
            labels.extend((0..n_ell).map(|i| ell(i, n_ell)));
        }
        labels.extend(after.chars());
        inputs.push(labels);
    }
    let output = match rhs {
        Some(r) => {
            let mut out = vec![];
            let (before, after) = r.split_once("...").unwrap_or((&r, ""));
            out.extend(before.chars());
            if r.contains("...") {
                out.extend((0..max_ell).map(|i| ell(i, max_ell)));
            }
            out.extend(after.chars());
            crate::ensure!(
                out.iter().all(|c| !c.is_ascii() || c.is_ascii_alphabetic()),
                "einsum(): invalid subscript given in the output"
            );
            out
        }
        None => {
            let mut out: Vec<char> = (0..max_ell).map(|i| ell(i, max_ell)).collect();
            let mut letters: Vec<char> = inputs.iter().flatten().copied().filter(|c| c.is_ascii()).collect();
            letters.sort_unstable();
            let once: Vec<char> =
                letters.iter().copied().filter(|c| letters.iter().filter(|d| *d == c).count() == 1).collect();
            out.extend(once);
            out
        }
    };
    Ok((inputs, output))
}

/// Sums out the labels of `term` that no later operand and not the output needs.
fn sum_unneeded(term: Term, needed: &[char]) -> Result<Term> {
    let drop: Vec<i64> = (0..term.labels.len()).filter(|&i| !needed.contains(&term.labels[i])).map(|i| i as i64).collect();
    if drop.is_empty() {
        return Ok(term);
    }
    let labels = term.labels.iter().copied().filter(|c| needed.contains(c)).collect();
    Ok(Term { t: reduce::sum(&term.t, Some(&drop), false, None)?, labels })
}

fn size_of(term: &Term, l: char) -> i64 {
    term.labels.iter().position(|&c| c == l).map_or(1, |i| term.t.shape()[i])
}

/// Contracts two terms over their shared labels that nothing later needs.
fn contract(a: Term, b: Term, needed: &[char]) -> Result<Term> {
    let batch: Vec<char> = a.labels.iter().copied().filter(|c| b.labels.contains(c) && needed.contains(c)).collect();
    let summed: Vec<char> = a.labels.iter().copied().filter(|c| b.labels.contains(c) && !needed.contains(c)).collect();
    let afree: Vec<char> = a.labels.iter().copied().filter(|c| !b.labels.contains(c)).collect();
    let bfree: Vec<char> = b.labels.iter().copied().filter(|c| !a.labels.contains(c)).collect();
    let pos = |t: &Term, l: char| t.labels.iter().position(|&c| c == l).unwrap() as i64;
    let bsizes: Vec<i64> = batch.iter().map(|&l| size_of(&a, l).max(size_of(&b, l))).collect();
    let prod = |v: &[i64]| v.iter().product::<i64>();
    let ksize: Vec<i64> = summed.iter().map(|&l| size_of(&a, l)).collect();
    for &l in &summed {
        crate::ensure!(
            size_of(&a, l) == size_of(&b, l),
            "einsum(): operands do not broadcast with remapped shapes (original->remapped)"
        );
    }
    let asz: Vec<i64> = afree.iter().map(|&l| size_of(&a, l)).collect();
    let bsz: Vec<i64> = bfree.iter().map(|&l| size_of(&b, l)).collect();
    let perm_a: Vec<i64> = batch.iter().chain(&afree).chain(&summed).map(|&l| pos(&a, l)).collect();
    let perm_b: Vec<i64> = batch.iter().chain(&summed).chain(&bfree).map(|&l| pos(&b, l)).collect();
    let mut ea: Vec<i64> = bsizes.clone();
    ea.extend(&asz);
    ea.extend(&ksize);
    let mut eb: Vec<i64> = bsizes.clone();
    eb.extend(&ksize);
    eb.extend(&bsz);
    let ta = shape::expand(&shape::permute(&a.t, &perm_a)?, &ea)?;
    let tb = shape::expand(&shape::permute(&b.t, &perm_b)?, &eb)?;
    let (nb, m, k, n) = (prod(&bsizes), prod(&asz), prod(&ksize), prod(&bsz));
    let r = linalg::bmm(&shape::reshape(&ta, &[nb, m, k])?, &shape::reshape(&tb, &[nb, k, n])?)?;
    let mut out_shape = bsizes;
    out_shape.extend(&asz);
    out_shape.extend(&bsz);
    let labels = batch.iter().chain(&afree).chain(&bfree).copied().collect();
    Ok(Term { t: shape::reshape(&r, &out_shape)?, labels })
}

/// A label repeated within one operand ("ii->i") selects that operand's diagonal: the two dims
/// become one, last.
fn take_diagonals(mut term: Term) -> Result<Term> {
    while let Some((i, j)) = (0..term.labels.len())
        .find_map(|i| (i + 1..term.labels.len()).find(|&j| term.labels[j] == term.labels[i]).map(|j| (i, j)))
    {
        let l = term.labels[i];
        term.t = super::join::diag::diagonal(&term.t, 0, i as i64, j as i64)?;
        term.labels.remove(j);
        term.labels.remove(i);
        term.labels.push(l);
    }
    Ok(term)
}

pub fn einsum(eq: &str, tensors: &[Tensor]) -> Result<Tensor> {
    crate::ensure!(!tensors.is_empty(), "einsum(): must provide at least one operand");
    let (inputs, output) = parse(eq, tensors)?;
    // a label's size, operand by operand (size 1 broadcasts)
    let mut sizes: Vec<(char, i64)> = vec![];
    for (k, (labels, t)) in inputs.iter().zip(tensors).enumerate() {
        let shape = t.shape();
        for (&l, &n) in labels.iter().zip(shape.iter()) {
            match sizes.iter_mut().find(|(c, _)| *c == l) {
                Some((_, seen)) if *seen != n && *seen != 1 && n != 1 && l.is_ascii() => {
                    let repeated = labels.iter().filter(|&&c| c == l).count() > 1 && !inputs[..k].iter().any(|i| i.contains(&l));
                    if repeated {
                        crate::bail!("einsum(): subscript {l} is repeated for operand {k} but the sizes don't match, {n} != {seen}");
                    }
                    crate::bail!("einsum(): subscript {l} has size {n} for operand {k} which does not broadcast with previously seen size {seen}");
                }
                Some((_, seen)) => *seen = (*seen).max(n),
                None => sizes.push((l, n)),
            }
        }
    }
    let mut terms: Vec<Term> = vec![];
    for (t, labels) in tensors.iter().cloned().zip(inputs.iter().cloned()) {
        terms.push(take_diagonals(Term { t, labels })?);
    }
    let inputs: Vec<Vec<char>> = terms.iter().map(|t| t.labels.clone()).collect();
    for &l in &output {
        crate::ensure!(
            !l.is_ascii() || inputs.iter().any(|i| i.contains(&l)),
            "einsum(): output subscript {l} does not appear in the equation for any input operand"
        );
    }
    // labels needed after operand i: the output's and those of operands i+1..
    let needed_after = |terms: &[Term], from: usize| -> Vec<char> {
        let mut v = output.clone();
        for t in &terms[from..] {
            v.extend(&t.labels);
        }
        v
    };
    let first = terms.remove(0);
    let mut acc = sum_unneeded(first, &{
        let mut v = needed_after(&terms, 0);
        v.extend(terms.iter().flat_map(|t| t.labels.clone()));
        v
    })?;
    while !terms.is_empty() {
        let next = terms.remove(0);
        let needed = needed_after(&terms, 0);
        let mut needed_next = needed.clone();
        needed_next.extend(&acc.labels);
        let next = sum_unneeded(next, &needed_next)?;
        acc = contract(acc, next, &needed)?;
    }
    let acc = sum_unneeded(acc, &output)?;
    let perm: Vec<i64> = output.iter().map(|l| acc.labels.iter().position(|c| c == l).unwrap() as i64).collect();
    shape::permute(&acc.t, &perm)
}
