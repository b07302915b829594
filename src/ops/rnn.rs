//! Recurrent layers: LSTM, GRU and Elman RNN cells, and the multi-layer, bidirectional,
//! batch-first sequence forms over PyTorch's flat parameter list — composed from ops.

use super::Native as N;
use crate::capi::generated::AtgApi;
use crate::error::Result;
use crate::tensor::Tensor;

fn linear(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
    super::nn::linear(x, w, b)
}

fn gates(x: &Tensor, h: &Tensor, w_ih: &Tensor, w_hh: &Tensor, b_ih: Option<&Tensor>, b_hh: Option<&Tensor>) -> Result<(Tensor, Tensor)> {
    Ok((linear(x, w_ih, b_ih)?, linear(h, w_hh, b_hh)?))
}

/// Splits the last dim into `n` equal chunks.
fn split(t: &Tensor, n: i64) -> Result<Vec<Tensor>> {
    let size = t.shape()[t.dim() - 1] / n;
    (0..n).map(|i| super::shape::narrow(t, -1, i * size, size)).collect()
}

pub fn lstm_cell(x: &Tensor, h: &Tensor, c: &Tensor, w_ih: &Tensor, w_hh: &Tensor, b_ih: Option<&Tensor>, b_hh: Option<&Tensor>) -> Result<(Tensor, Tensor)> {
    let (gi, gh) = gates(x, h, w_ih, w_hh, b_ih, b_hh)?;
    let g = split(&N::add(&gi, &gh)?, 4)?;
    let (i, f, gg, o) = (N::sigmoid(&g[0])?, N::sigmoid(&g[1])?, N::tanh(&g[2])?, N::sigmoid(&g[3])?);
    let c2 = N::add(&N::mul(&f, c)?, &N::mul(&i, &gg)?)?;
    let h2 = N::mul(&o, &N::tanh(&c2)?)?;
    Ok((h2, c2))
}

pub fn gru_cell(x: &Tensor, h: &Tensor, w_ih: &Tensor, w_hh: &Tensor, b_ih: Option<&Tensor>, b_hh: Option<&Tensor>) -> Result<Tensor> {
    let (gi, gh) = gates(x, h, w_ih, w_hh, b_ih, b_hh)?;
    let (i, hh) = (split(&gi, 3)?, split(&gh, 3)?);
    let r = N::sigmoid(&N::add(&i[0], &hh[0])?)?;
    let z = N::sigmoid(&N::add(&i[1], &hh[1])?)?;
    let n = N::tanh(&N::add(&i[2], &N::mul(&r, &hh[2])?)?)?;
    // h' = n + z * (h - n)
    N::add(&n, &N::mul(&z, &N::sub(h, &n)?)?)
}

pub fn rnn_cell(x: &Tensor, h: &Tensor, w_ih: &Tensor, w_hh: &Tensor, b_ih: Option<&Tensor>, b_hh: Option<&Tensor>, relu: bool) -> Result<Tensor> {
    let (gi, gh) = gates(x, h, w_ih, w_hh, b_ih, b_hh)?;
    let s = N::add(&gi, &gh)?;
    if relu {
        N::relu(&s)
    } else {
        N::tanh(&s)
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    Lstm,
    Gru,
    RnnTanh,
    RnnRelu,
}

pub struct Config {
    pub has_biases: bool,
    pub num_layers: i64,
    pub dropout: f64,
    pub train: bool,
    pub bidirectional: bool,
    pub batch_first: bool,
}

/// Runs a whole recurrent network. `h0` (and `c0` for LSTM) are [layers * dirs, batch, hidden].
/// Returns the output sequence and the final states.
pub fn run(mode: Mode, input: &Tensor, h0: &Tensor, c0: Option<&Tensor>, params: &[Tensor], cfg: &Config) -> Result<(Tensor, Tensor, Option<Tensor>)> {
    let dirs = if cfg.bidirectional { 2 } else { 1 };
    let per = if cfg.has_biases { 4 } else { 2 };
    let layers = cfg.num_layers;
    crate::ensure!(layers >= 1, "num_layers must be at least 1, got {layers}");
    crate::ensure!(
        params.len() as i64 == layers * dirs * per,
        "torchrs: expected {} rnn parameters for {layers} layers, {dirs} directions, biases {}, got {}",
        layers * dirs * per,
        cfg.has_biases,
        params.len()
    );
    crate::ensure!(input.dim() == 3, "input must have 3 dimensions, got {}", input.dim());
    let x = if cfg.batch_first { super::shape::transpose(input, 0, 1)? } else { input.clone() };
    let seq = x.shape()[0];
    let mut layer_in = x;
    let (mut hs, mut cs) = (vec![], vec![]);
    for l in 0..layers {
        let mut dir_outs = vec![];
        for d in 0..dirs {
            let k = (l * dirs + d) as usize;
            let p = &params[k * per as usize..(k + 1) * per as usize];
            let (b_ih, b_hh) = if cfg.has_biases { (Some(&p[2]), Some(&p[3])) } else { (None, None) };
            let mut h = super::shape::select(h0, 0, k as i64)?;
            let mut c = match c0 {
                Some(c0) => Some(super::shape::select(c0, 0, k as i64)?),
                None => None,
            };
            let mut outs = vec![];
            let steps: Vec<i64> = if d == 0 { (0..seq).collect() } else { (0..seq).rev().collect() };
            for t in steps {
                let xt = super::shape::select(&layer_in, 0, t)?;
                match mode {
                    Mode::Lstm => {
                        let (h2, c2) = lstm_cell(&xt, &h, c.as_ref().unwrap(), &p[0], &p[1], b_ih, b_hh)?;
                        h = h2;
                        c = Some(c2);
                    }
                    Mode::Gru => h = gru_cell(&xt, &h, &p[0], &p[1], b_ih, b_hh)?,
                    Mode::RnnTanh | Mode::RnnRelu => h = rnn_cell(&xt, &h, &p[0], &p[1], b_ih, b_hh, mode == Mode::RnnRelu)?,
                }
                outs.push(h.clone());
            }
            if d == 1 {
                outs.reverse();
            }
            dir_outs.push(N::stack(&outs, 0)?);
            hs.push(h);
            if let Some(c) = c {
                cs.push(c);
            }
        }
        layer_in = if dirs == 2 { N::cat(&dir_outs, 2)? } else { dir_outs.pop().unwrap() };
        if cfg.dropout > 0.0 && cfg.train && l + 1 < layers {
            layer_in = super::dropout::dropout(&layer_in, cfg.dropout, true)?;
        }
    }
    let out = if cfg.batch_first { super::shape::transpose(&layer_in, 0, 1)? } else { layer_in };
    let h_n = N::stack(&hs, 0)?;
    let c_n = if cs.is_empty() { None } else { Some(N::stack(&cs, 0)?) };
    Ok((out, h_n, c_n))
}

macro_rules! atg_rnn {
    () => {
        fn lstm(x: &Tensor, hx: &[Tensor], params: &[Tensor], has_biases: bool, num_layers: i64, dropout: f64, train: bool, bidirectional: bool, batch_first: bool) -> Result<(Tensor, Tensor, Tensor)> {
            $crate::ensure!(hx.len() == 2, "lstm expects two hidden states (h0, c0), got {}", hx.len());
            let cfg = $crate::ops::rnn::Config { has_biases, num_layers, dropout, train, bidirectional, batch_first };
            let (o, h, c) = $crate::ops::rnn::run($crate::ops::rnn::Mode::Lstm, x, &hx[0], Some(&hx[1]), params, &cfg)?;
            Ok((o, h, c.expect("lstm returns a cell state")))
        }
        fn gru(x: &Tensor, hx: &Tensor, params: &[Tensor], has_biases: bool, num_layers: i64, dropout: f64, train: bool, bidirectional: bool, batch_first: bool) -> Result<(Tensor, Tensor)> {
            let cfg = $crate::ops::rnn::Config { has_biases, num_layers, dropout, train, bidirectional, batch_first };
            let (o, h, _) = $crate::ops::rnn::run($crate::ops::rnn::Mode::Gru, x, hx, None, params, &cfg)?;
            Ok((o, h))
        }
        fn rnn_tanh(x: &Tensor, hx: &Tensor, params: &[Tensor], has_biases: bool, num_layers: i64, dropout: f64, train: bool, bidirectional: bool, batch_first: bool) -> Result<(Tensor, Tensor)> {
            let cfg = $crate::ops::rnn::Config { has_biases, num_layers, dropout, train, bidirectional, batch_first };
            let (o, h, _) = $crate::ops::rnn::run($crate::ops::rnn::Mode::RnnTanh, x, hx, None, params, &cfg)?;
            Ok((o, h))
        }
        fn rnn_relu(x: &Tensor, hx: &Tensor, params: &[Tensor], has_biases: bool, num_layers: i64, dropout: f64, train: bool, bidirectional: bool, batch_first: bool) -> Result<(Tensor, Tensor)> {
            let cfg = $crate::ops::rnn::Config { has_biases, num_layers, dropout, train, bidirectional, batch_first };
            let (o, h, _) = $crate::ops::rnn::run($crate::ops::rnn::Mode::RnnRelu, x, hx, None, params, &cfg)?;
            Ok((o, h))
        }
        fn lstm_cell(x: &Tensor, hx: &[Tensor], w_ih: &Tensor, w_hh: &Tensor, b_ih: Option<&Tensor>, b_hh: Option<&Tensor>) -> Result<(Tensor, Tensor)> {
            $crate::ensure!(hx.len() == 2, "lstm_cell expects two hidden states (h, c), got {}", hx.len());
            $crate::ops::rnn::lstm_cell(x, &hx[0], &hx[1], w_ih, w_hh, b_ih, b_hh)
        }
        fn gru_cell(x: &Tensor, h: &Tensor, w_ih: &Tensor, w_hh: &Tensor, b_ih: Option<&Tensor>, b_hh: Option<&Tensor>) -> Result<Tensor> {
            $crate::ops::rnn::gru_cell(x, h, w_ih, w_hh, b_ih, b_hh)
        }
        fn rnn_tanh_cell(x: &Tensor, h: &Tensor, w_ih: &Tensor, w_hh: &Tensor, b_ih: Option<&Tensor>, b_hh: Option<&Tensor>) -> Result<Tensor> {
            $crate::ops::rnn::rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh, false)
        }
        fn rnn_relu_cell(x: &Tensor, h: &Tensor, w_ih: &Tensor, w_hh: &Tensor, b_ih: Option<&Tensor>, b_hh: Option<&Tensor>) -> Result<Tensor> {
            $crate::ops::rnn::rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh, true)
        }
        fn einsum(eq: &str, tensors: &[Tensor], _path: Option<&[i64]>) -> Result<Tensor> { $crate::ops::einsum::einsum(eq, tensors) }
        fn set_data(t: &Tensor, new: &Tensor) -> Result<()> { t.set_data(new); Ok(()) }
    };
}
pub(crate) use atg_rnn;
