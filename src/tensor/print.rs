//! Printing in libtorch's C++ format (`at_print`, `at_to_string`): right-aligned columns, one
//! slice per `(i,j,.,.)` block, and a `[ CPUFloatType{2,3} ]` footer.

use super::{DType, Tensor};

fn type_name(t: &Tensor) -> String {
    let dev = match t.device() {
        super::Device::Cpu => "CPU",
        super::Device::Gpu(_) => "CUDA",
    };
    format!("{dev}{}Type", t.dtype().name())
}

/// Formats every value with one shared style, as libtorch's printer does.
fn format_values(vals: &[f64], dtype: DType) -> Vec<String> {
    if dtype == DType::Bool {
        return vals.iter().map(|&v| if v != 0.0 { "1" } else { "0" }.to_string()).collect();
    }
    if !dtype.is_float() {
        return vals.iter().map(|&v| format!("{}", v as i64)).collect();
    }
    let finite: Vec<f64> = vals.iter().copied().filter(|v| v.is_finite()).collect();
    let all_int = finite.iter().all(|v| v.fract() == 0.0);
    let max = finite.iter().fold(0f64, |m, v| m.max(v.abs()));
    let min = finite.iter().filter(|v| **v != 0.0).fold(f64::INFINITY, |m, v| m.min(v.abs()));
    let sci = max >= 1e8 || (!all_int && min.is_finite() && min < 1e-4);
    vals.iter()
        .map(|&v| {
            if v.is_nan() {
                "nan".to_string()
            } else if v.is_infinite() {
                if v > 0.0 { "inf" } else { "-inf" }.to_string()
            } else if sci {
                format!("{v:.4e}")
            } else if all_int {
                format!("{v:.0}")
            } else {
                format!("{v:.4}")
            }
        })
        .collect()
}

/// The C++ printout of `t` (`line_size` is the width hint libtorch takes).
pub fn format_tensor(t: &Tensor, _line_size: i64) -> String {
    let shape = t.shape();
    let footer = format!(
        "[ {}{{{}}} ]",
        type_name(t),
        shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",")
    );
    let vals = match t.to_vec::<f64>() {
        Ok(v) => v,
        Err(e) => return format!("<{e}>"),
    };
    if vals.is_empty() {
        return footer;
    }
    let strs = format_values(&vals, t.dtype());
    let width = strs.iter().map(|s| s.len()).max().unwrap_or(1) + 1;
    let pad = |s: &String| format!("{s:>width$}");
    let mut out = String::new();
    match shape.len() {
        0 => out.push_str(&strs[0]),
        1 => {
            for s in &strs {
                out.push_str(&pad(s));
                out.push('\n');
            }
        }
        _ => {
            let (rows, cols) = (shape[shape.len() - 2] as usize, shape[shape.len() - 1] as usize);
            let block = rows * cols;
            let outer: Vec<i64> = shape[..shape.len() - 2].to_vec();
            for (b, chunk) in strs.chunks(block.max(1)).enumerate() {
                if !outer.is_empty() {
                    let mut idx = vec![0i64; outer.len()];
                    let mut rem = b as i64;
                    for d in (0..outer.len()).rev() {
                        idx[d] = rem % outer[d];
                        rem /= outer[d];
                    }
                    let head: Vec<String> = idx.iter().map(|i| (i + 1).to_string()).collect();
                    out.push_str(&format!("({},.,.) = \n", head.join(",")));
                }
                for r in 0..rows {
                    let line: Vec<String> = (0..cols).map(|c| pad(&chunk[r * cols + c])).collect();
                    out.push_str(&line.join(""));
                    out.push('\n');
                }
                if !outer.is_empty() {
                    out.push('\n');
                }
            }
        }
    }
    out.push_str(&footer);
    out
}
