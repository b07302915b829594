//! Matrix products: mm, bmm, and matmul with every broadcasting case.

use super::shape;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::matmul;
use crate::error::Result;
use crate::tensor::{DType, Tensor, TensorData};

fn check_dtypes(op: &str, a: &Tensor, b: &Tensor) -> Result<DType> {
    check_dtype_pair(op, a.dtype(), b.dtype())
}

/// The C++ type name PyTorch's dtype-mismatch message of mm prints.
fn cpp_type(d: DType) -> &'static str {
    match d {
        DType::F32 => "float",
        DType::F64 => "double",
        DType::F16 => "c10::Half",
        DType::BF16 => "c10::BFloat16",
        DType::I64 => "long int",
        DType::I32 => "int",
        DType::I16 => "short int",
        DType::I8 => "signed char",
        DType::U8 => "unsigned char",
        DType::Bool => "bool",
        other => other.name(),
    }
}

/// PyTorch's dtype checks of mm (and matmul, which folds into it) and bmm, with their texts.
fn check_dtype_pair(op: &str, da: DType, db: DType) -> Result<DType> {
    if da != db {
        if op == "bmm" {
            crate::bail!("expected scalar type {} but found {}", da.name(), db.name());
        }
        crate::bail!("expected m1 and m2 to have the same dtype, but got: {} != {}", cpp_type(da), cpp_type(db));
    }
    if da == DType::Bool {
        let kernel = if op == "bmm" { "bmm" } else { "addmm_impl_cpu_" };
        crate::bail!("\"{kernel}\" not implemented for 'Bool'");
    }
    Ok(da)
}

pub fn mm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    mm_as("mm", a, b)
}

/// mm, with `op` naming the caller in dtype errors. The operands are read once, in place, and
/// multiplied as they are laid out (small products are mostly this overhead).
fn mm_as(op: &str, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = mm_values(op, &a.read(), &b.read())?;
    let r = Tensor::from_data(out);
    record_product("MmBackward0", a, b, &r, mm);
    Ok(r)
}

/// [`mm_as`]'s checks and product on the operands' data.
fn mm_values(op: &str, da: &TensorData, db: &TensorData) -> Result<TensorData> {
    crate::ensure!(da.layout.ndim() == 2, "self must be a matrix");
    crate::ensure!(db.layout.ndim() == 2, "mat2 must be a matrix");
    check_dtype_pair(op, da.dtype, db.dtype)?;
    let (sa, sb) = (&da.layout.shape, &db.layout.shape);
    crate::ensure!(
        sa[1] == sb[0],
        "mat1 and mat2 shapes cannot be multiplied ({}x{} and {}x{})",
        sa[0],
        sa[1],
        sb[0],
        sb[1]
    );
    matmul::mm(da, db)
}

/// Records `out = a @ b` (mm or bmm): grad_a = g @ b^T, grad_b = a^T @ g.
fn record_product(name: &'static str, a: &Tensor, b: &Tensor, out: &Tensor, prod: fn(&Tensor, &Tensor) -> Result<Tensor>) {
    if !needs_grad(&[a, b]) {
        return;
    }
    let (sa, sb) = (SavedTensor::input(a), SavedTensor::input(b));
    let (ra, rb) = (a.requires_grad(), b.requires_grad());
    record(name, &[a, b], &[out], move |node, g| {
        let Some(g) = &g[0] else { return Ok(vec![None, None]) };
        let ga = if ra { Some(prod(g, &shape::transpose(&sb.get(node)?, -1, -2)?)?) } else { None };
        let gb = if rb { Some(prod(&shape::transpose(&sa.get(node)?, -1, -2)?, g)?) } else { None };
        Ok(vec![ga, gb])
    });
}

pub fn bmm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    crate::ensure!(a.dim() == 3, "batch1 must be a 3D tensor");
    crate::ensure!(b.dim() == 3, "batch2 must be a 3D tensor");
    check_dtypes("bmm", a, b)?;
    let (sa, sb) = (a.shape(), b.shape());
    crate::ensure!(
        sa[0] == sb[0] && sa[2] == sb[1],
        "Expected size for first two dimensions of batch2 tensor to be: [{}, {}] but got: [{}, {}].",
        sa[0],
        sa[2],
        sb[0],
        sb[1]
    );
    let r = Tensor::from_data(matmul::bmm(&a.data(), &b.data())?);
    record_product("BmmBackward0", a, b, &r, bmm);
    Ok(r)
}

/// `torch.matmul`: dot, mv, mm, and batched products with broadcast batch dims.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (na, nb) = {
        // each read takes the operand's lock: two matrices are read once (the 16x16 product
        // is mostly this overhead)
        let (da, db) = (a.read(), b.read());
        let (na, nb) = (da.layout.ndim(), db.layout.ndim());
        if na == 2 && nb == 2 {
            let r = Tensor::from_data(mm_values("matmul", &da, &db)?);
            drop((da, db));
            record_product("MmBackward0", a, b, &r, mm);
            return Ok(r);
        }
        (na, nb)
    };
    crate::ensure!(
        na > 0 && nb > 0,
        "both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D"
    );
    check_dtypes("matmul", a, b)?;
    let (sa, sb) = (a.shape(), b.shape());
    // Promote vectors to matrices, remembering which dims to drop at the end.
    let a2 = if na == 1 { shape::unsqueeze(a, 0)? } else { a.clone() };
    let b2 = if nb == 1 { shape::unsqueeze(b, 1)? } else { b.clone() };
    let (s2a, s2b) = (a2.shape(), b2.shape());
    let (m, k) = (s2a[s2a.len() - 2], s2a[s2a.len() - 1]);
    let (k2, n) = (s2b[s2b.len() - 2], s2b[s2b.len() - 1]);
    // PyTorch folds a batched left operand into one matrix when the right one has no batch
    // dims (mm or mv errors), else it broadcasts the batch dims first and then runs bmm
    let folded = nb <= 2;
    if k != k2 && folded {
        let rows = s2a[..s2a.len() - 1].iter().product::<i64>();
        if na == 1 && nb == 1 {
            crate::bail!(
                "inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number of elements, but got {} and {} elements respectively",
                sa[0], sb[0], sa[0], sb[0]
            );
        }
        if nb == 1 {
            crate::bail!("size mismatch, got input ({rows}), mat ({rows}x{k}), vec ({k2})");
        }
        crate::bail!("mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and {k2}x{n})");
    }
    let batch_a = &s2a[..s2a.len() - 2];
    let batch_b = &s2b[..s2b.len() - 2];
    let batch = crate::tensor::layout::broadcast_shapes(batch_a, batch_b)?;
    let nbatch: i64 = batch.iter().product();
    crate::ensure!(
        k == k2,
        "Expected size for first two dimensions of batch2 tensor to be: [{nbatch}, {k}] but got: [{nbatch}, {k2}]."
    );
    let mut ea: Vec<i64> = batch.to_vec();
    ea.extend([m, k]);
    let mut eb: Vec<i64> = batch.to_vec();
    eb.extend([k, n]);
    if batch.is_empty() {
        // plain matrix product (vectors were lifted to matrices above)
        let r = mm(&a2, &b2)?;
        let mut out = vec![];
        if na > 1 {
            out.push(m);
        }
        if nb > 1 {
            out.push(n);
        }
        return shape::reshape(&r, &out);
    }
    let a3 = shape::reshape(&shape::expand(&a2, &ea)?, &[nbatch, m, k])?;
    let b3 = shape::reshape(&shape::expand(&b2, &eb)?, &[nbatch, k, n])?;
    let r = bmm(&a3, &b3)?;
    let mut out: Vec<i64> = batch.to_vec();
    if na > 1 {
        out.push(m);
    }
    if nb > 1 {
        out.push(n);
    }
    shape::reshape(&r, &out)
}
