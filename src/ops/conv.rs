//! Convolutions, pooling and upsampling: conv1d/2d/3d and transposed forms, max/avg/adaptive
//! pooling, interpolation — with their backward rules.

mod gemm;
mod geom;
mod im2col;
mod kernels;
mod pool;
mod pool_simd;
mod taps;
pub mod convolution;
pub mod pool_ops;
pub mod interp;
pub mod pad;
pub mod shuffle;
pub mod unfold;
pub(crate) mod atg;

pub use convolution::{conv_nd, conv_transpose_nd, convolution as conv_general};

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_conv {
    () => {
        fn convolution(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &[i64], dilation: &[i64], transposed: bool, output_padding: &[i64], groups: i64) -> Result<Tensor> {
            $crate::ops::conv::convolution::convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)
        }
        fn convolution_out(out: &Tensor, x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &[i64], dilation: &[i64], transposed: bool, output_padding: &[i64], groups: i64) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::conv::convolution::convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)?)
        }
        fn _convolution(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &[i64], dilation: &[i64], transposed: bool, output_padding: &[i64], groups: i64, _benchmark: bool, _deterministic: bool, _cudnn: bool, _tf32: bool) -> Result<Tensor> {
            $crate::ops::conv::convolution::convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)
        }
        fn _convolution_out(out: &Tensor, x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &[i64], dilation: &[i64], transposed: bool, output_padding: &[i64], groups: i64, _benchmark: bool, _deterministic: bool, _cudnn: bool, _tf32: bool) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::conv::convolution::convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)?)
        }
        fn _convolution_deprecated(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &[i64], dilation: &[i64], transposed: bool, output_padding: &[i64], groups: i64, _benchmark: bool, _deterministic: bool, _cudnn: bool) -> Result<Tensor> {
            $crate::ops::conv::convolution::convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)
        }
        fn _convolution_mode(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &str, dilation: &[i64], groups: i64) -> Result<Tensor> {
            $crate::ops::conv::convolution::convolution_mode(x, w, b, stride, padding, dilation, groups)
        }
        fn conv1d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &[i64], dilation: &[i64], groups: i64) -> Result<Tensor> {
            $crate::ops::conv::conv_nd(1, x, w, b, stride, padding, dilation, groups)
        }
        fn conv2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &[i64], dilation: &[i64], groups: i64) -> Result<Tensor> {
            $crate::ops::conv::conv_nd(2, x, w, b, stride, padding, dilation, groups)
        }
        fn conv3d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &[i64], dilation: &[i64], groups: i64) -> Result<Tensor> {
            $crate::ops::conv::conv_nd(3, x, w, b, stride, padding, dilation, groups)
        }
        fn conv1d_padding(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &str, dilation: &[i64], groups: i64) -> Result<Tensor> {
            $crate::ops::conv::convolution::conv_nd_mode(1, x, w, b, stride, padding, dilation, groups)
        }
        fn conv2d_padding(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &str, dilation: &[i64], groups: i64) -> Result<Tensor> {
            $crate::ops::conv::convolution::conv_nd_mode(2, x, w, b, stride, padding, dilation, groups)
        }
        fn conv3d_padding(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &str, dilation: &[i64], groups: i64) -> Result<Tensor> {
            $crate::ops::conv::convolution::conv_nd_mode(3, x, w, b, stride, padding, dilation, groups)
        }
        fn conv_transpose1d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &[i64], output_padding: &[i64], groups: i64, dilation: &[i64]) -> Result<Tensor> {
            $crate::ops::conv::conv_transpose_nd(1, x, w, b, stride, padding, output_padding, groups, dilation)
        }
        fn conv_transpose2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &[i64], output_padding: &[i64], groups: i64, dilation: &[i64]) -> Result<Tensor> {
            $crate::ops::conv::conv_transpose_nd(2, x, w, b, stride, padding, output_padding, groups, dilation)
        }
        fn conv_transpose3d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, stride: &[i64], padding: &[i64], output_padding: &[i64], groups: i64, dilation: &[i64]) -> Result<Tensor> {
            $crate::ops::conv::conv_transpose_nd(3, x, w, b, stride, padding, output_padding, groups, dilation)
        }
        fn conv_tbc(x: &Tensor, w: &Tensor, b: &Tensor, pad: i64) -> Result<Tensor> {
            $crate::ops::conv::convolution::conv_tbc(x, w, b, pad)
        }
        fn mkldnn_convolution(x: &Tensor, w: &Tensor, b: Option<&Tensor>, padding: &[i64], stride: &[i64], dilation: &[i64], groups: i64) -> Result<Tensor> {
            $crate::ops::conv::convolution::convolution(x, w, b, stride, padding, dilation, false, &[0], groups)
        }
        fn slow_conv3d(x: &Tensor, w: &Tensor, _k: &[i64], b: Option<&Tensor>, stride: &[i64], padding: &[i64]) -> Result<Tensor> {
            $crate::ops::conv::convolution::convolution(x, w, b, stride, padding, &[1], false, &[0], 1)
        }
        fn slow_conv_dilated2d(x: &Tensor, w: &Tensor, _k: &[i64], b: Option<&Tensor>, stride: &[i64], padding: &[i64], dilation: &[i64]) -> Result<Tensor> {
            $crate::ops::conv::convolution::convolution(x, w, b, stride, padding, dilation, false, &[0], 1)
        }
        fn slow_conv_dilated3d(x: &Tensor, w: &Tensor, _k: &[i64], b: Option<&Tensor>, stride: &[i64], padding: &[i64], dilation: &[i64]) -> Result<Tensor> {
            $crate::ops::conv::convolution::convolution(x, w, b, stride, padding, dilation, false, &[0], 1)
        }
        fn slow_conv_transpose2d(x: &Tensor, w: &Tensor, _k: &[i64], b: Option<&Tensor>, stride: &[i64], padding: &[i64], output_padding: &[i64], dilation: &[i64]) -> Result<Tensor> {
            $crate::ops::conv::convolution::convolution(x, w, b, stride, padding, dilation, true, output_padding, 1)
        }
        fn slow_conv_transpose3d(x: &Tensor, w: &Tensor, _k: &[i64], b: Option<&Tensor>, stride: &[i64], padding: &[i64], output_padding: &[i64], dilation: &[i64]) -> Result<Tensor> {
            $crate::ops::conv::convolution::convolution(x, w, b, stride, padding, dilation, true, output_padding, 1)
        }
        fn _conv_depthwise2d(x: &Tensor, w: &Tensor, _k: &[i64], b: Option<&Tensor>, stride: &[i64], padding: &[i64], dilation: &[i64]) -> Result<Tensor> {
            let groups = x.shape().get(1).copied().unwrap_or(1);
            $crate::ops::conv::convolution::convolution(x, w, b, stride, padding, dilation, false, &[0], groups)
        }
        fn conv_depthwise3d(x: &Tensor, w: &Tensor, _k: &[i64], b: Option<&Tensor>, stride: &[i64], padding: &[i64], dilation: &[i64]) -> Result<Tensor> {
            let groups = x.shape().get(1).copied().unwrap_or(1);
            $crate::ops::conv::convolution::convolution(x, w, b, stride, padding, dilation, false, &[0], groups)
        }
        $crate::ops::conv::atg::atg_pool!();
    };
}
pub(crate) use atg_conv;
