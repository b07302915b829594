//! Optimizers with torch.optim's (libtorch's C++) update rules, step for step: SGD, Adam, AdamW,
//! RMSprop; parameter groups with their own options; fused per-element update loops.

mod kernels;

use crate::error::Result;
use crate::tensor::{DType, Tensor};
use kernels::{adam_step, rmsprop_step, sgd_step, AdamConsts, RmsConsts, SgdConsts};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Sgd,
    Adam,
    AdamW,
    RmsProp,
}

/// Every option any of the algorithms takes (each reads its own).
#[derive(Clone, Debug)]
pub struct Options {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub amsgrad: bool,
    pub alpha: f64,
    pub centered: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            amsgrad: false,
            alpha: 0.99,
            centered: false,
        }
    }
}

/// Per-parameter state (the buffers torch.optim keeps), created on the first step.
#[derive(Default)]
struct State {
    step: u64,
    buf1: Option<Tensor>,
    buf2: Option<Tensor>,
    buf3: Option<Tensor>,
}

pub struct Group {
    pub params: Vec<Tensor>,
    pub options: Options,
    state: Vec<State>,
}

impl Group {
    /// An empty group with these options.
    pub fn new(options: Options) -> Group {
        Group { params: vec![], options, state: vec![] }
    }
}

pub struct Optimizer {
    pub algorithm: Algorithm,
    pub defaults: Options,
    pub groups: Vec<Group>,
}

impl Optimizer {
    /// A new optimizer with one empty parameter group, as libtorch creates them.
    pub fn new(algorithm: Algorithm, defaults: Options) -> Result<Optimizer> {
        crate::ensure!(defaults.lr >= 0.0, "Invalid learning rate: {}", defaults.lr);
        crate::ensure!(defaults.weight_decay >= 0.0, "Invalid weight_decay value: {}", defaults.weight_decay);
        crate::ensure!(defaults.eps >= 0.0, "Invalid epsilon value: {}", defaults.eps);
        if algorithm == Algorithm::Sgd && defaults.nesterov {
            crate::ensure!(
                defaults.momentum > 0.0 && defaults.dampening == 0.0,
                "Nesterov momentum requires a momentum and zero dampening"
            );
        }
        let g = Group { params: vec![], options: defaults.clone(), state: vec![] };
        Ok(Optimizer { algorithm, defaults, groups: vec![g] })
    }

    /// Adds a parameter to group `group`, creating groups up to it with the default options.
    pub fn add_parameter(&mut self, t: &Tensor, group: usize) -> Result<()> {
        crate::ensure!(group < 1 << 20, "torchrs: parameter group index {group} is too large");
        while self.groups.len() <= group {
            self.groups.push(Group { params: vec![], options: self.defaults.clone(), state: vec![] });
        }
        let g = &mut self.groups[group];
        g.params.push(t.clone());
        g.state.push(State::default());
        Ok(())
    }

    /// Applies `f` to the defaults and every group's options.
    pub fn set_all(&mut self, f: impl Fn(&mut Options)) {
        f(&mut self.defaults);
        for g in &mut self.groups {
            f(&mut g.options);
        }
    }

    pub fn group_mut(&mut self, group: usize) -> Result<&mut Group> {
        let n = self.groups.len();
        self.groups
            .get_mut(group)
            .ok_or_else(|| crate::error::Error(format!("torchrs: parameter group {group} does not exist ({n} groups)")))
    }

    /// Sets every parameter's gradient to None (libtorch's `zero_grad(set_to_none=true)`).
    pub fn zero_grad(&mut self) {
        for g in &self.groups {
            for p in &g.params {
                p.set_grad(None);
            }
        }
    }

    /// One update of every parameter that has a gradient, under no_grad.
    pub fn step(&mut self) -> Result<()> {
        let alg = self.algorithm;
        crate::autograd::with_grad_mode(false, || {
            for g in &mut self.groups {
                let o = g.options.clone();
                for (p, st) in g.params.iter().zip(g.state.iter_mut()) {
                    let Some(grad) = p.grad() else { continue };
                    update(alg, &o, p, &grad, st)?;
                }
            }
            Ok(())
        })
    }
}

fn zeros_like(p: &Tensor) -> Result<Tensor> {
    Tensor::zeros(&p.shape(), p.dtype(), p.device())
}

/// Runs the fused update of one parameter on contiguous buffers.
fn update(alg: Algorithm, o: &Options, p: &Tensor, grad: &Tensor, st: &mut State) -> Result<()> {
    crate::ensure!(
        grad.shape() == p.shape(),
        "torchrs: gradient of shape {:?} does not match its parameter of shape {:?}",
        &grad.shape()[..],
        &p.shape()[..]
    );
    let dtype = p.dtype();
    crate::ensure!(
        matches!(dtype, DType::F32 | DType::F64),
        "torchrs: optimizer step is not implemented for parameters of dtype {}",
        dtype.name()
    );
    // Work on a contiguous copy when the parameter is a strided view.
    let work = if p.is_contiguous() { p.clone() } else { p.contiguous()? };
    let g = crate::ops::convert::to(&grad.contiguous()?, None, Some(dtype), false)?;
    st.step += 1;
    match alg {
        Algorithm::Sgd => {
            if o.momentum != 0.0 && st.buf1.is_none() {
                // the first step's buffer is the (decayed) gradient itself
                st.buf1 = Some(zeros_like(p)?);
            }
            let c = SgdConsts { lr: o.lr, momentum: o.momentum, dampening: o.dampening, wd: o.weight_decay, nesterov: o.nesterov, first: st.step == 1 };
            sgd_step(&work, &g, st.buf1.as_ref(), &c)?;
        }
        Algorithm::Adam | Algorithm::AdamW => {
            if st.buf1.is_none() {
                st.buf1 = Some(zeros_like(p)?);
                st.buf2 = Some(zeros_like(p)?);
                if o.amsgrad {
                    st.buf3 = Some(zeros_like(p)?);
                }
            }
            let c = AdamConsts {
                lr: o.lr,
                beta1: o.beta1,
                beta2: o.beta2,
                eps: o.eps,
                wd: o.weight_decay,
                decoupled: alg == Algorithm::AdamW,
                bias_correction1: 1.0 - o.beta1.powi(st.step as i32),
                bias_correction2: 1.0 - o.beta2.powi(st.step as i32),
            };
            adam_step(&work, &g, st.buf1.as_ref().unwrap(), st.buf2.as_ref().unwrap(), st.buf3.as_ref(), &c)?;
        }
        Algorithm::RmsProp => {
            if st.buf1.is_none() {
                st.buf1 = Some(zeros_like(p)?);
                if o.momentum > 0.0 {
                    st.buf2 = Some(zeros_like(p)?);
                }
                if o.centered {
                    st.buf3 = Some(zeros_like(p)?);
                }
            }
            let c = RmsConsts { lr: o.lr, alpha: o.alpha, eps: o.eps, wd: o.weight_decay, momentum: o.momentum, centered: o.centered };
            rmsprop_step(&work, &g, st.buf1.as_ref().unwrap(), st.buf2.as_ref(), st.buf3.as_ref(), &c)?;
        }
    }
    if !work.same_tensor(p) {
        crate::cpu::copy::copy_into(&p.data(), &work.data())?;
    }
    p.bump_version();
    Ok(())
}
