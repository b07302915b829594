package torch

import (
	"fmt"
	"math"
)

// Module is a layer or a model: a function of one tensor with trainable parameters.
type Module interface {
	Forward(x *Tensor) (*Tensor, error)
	Parameters() []*Tensor
}

// Linear is a fully connected layer, y = x W^T + b (torch.nn.Linear).
type Linear struct {
	Weight *Tensor // [out, in]
	Bias   *Tensor // [out], or nil without bias
}

// NewLinear makes a Linear layer initialized as torch.nn.Linear does: weight and bias drawn
// uniformly from [-1/sqrt(in), 1/sqrt(in)).
func NewLinear(in, out int64, bias bool) (*Linear, error) {
	if in <= 0 || out <= 0 {
		return nil, errorf(fmt.Sprintf("NewLinear: sizes must be positive, got in=%d out=%d", in, out))
	}
	bound := 1 / math.Sqrt(float64(in))
	w, err := uniform([]int64{out, in}, bound)
	if err != nil {
		return nil, err
	}
	l := &Linear{Weight: w}
	if bias {
		if l.Bias, err = uniform([]int64{out}, bound); err != nil {
			w.Free()
			return nil, err
		}
	}
	return l, nil
}

// uniform makes a leaf that requires grad, with values drawn uniformly from [-bound, bound).
func uniform(shape []int64, bound float64) (*Tensor, error) {
	r, err := Rand(shape)
	if err != nil {
		return nil, err
	}
	defer r.Free()
	s, err := r.MulScalar(Float(2 * bound))
	if err != nil {
		return nil, err
	}
	defer s.Free()
	u, err := s.SubScalar(Float(bound))
	if err != nil {
		return nil, err
	}
	if err := u.SetRequiresGrad(true); err != nil {
		u.Free()
		return nil, err
	}
	return u, nil
}

// Forward returns x W^T + b for x of shape [..., in].
func (l *Linear) Forward(x *Tensor) (*Tensor, error) {
	wt, err := l.Weight.T()
	if err != nil {
		return nil, err
	}
	defer wt.Free()
	y, err := x.MatMul(wt)
	if err != nil || l.Bias == nil {
		return y, err
	}
	defer y.Free()
	return y.Add(l.Bias)
}

// Parameters returns the weight and, when there is one, the bias.
func (l *Linear) Parameters() []*Tensor {
	if l.Bias == nil {
		return []*Tensor{l.Weight}
	}
	return []*Tensor{l.Weight, l.Bias}
}

// Free releases the layer's tensors.
func (l *Linear) Free() { FreeAll(l.Weight, l.Bias) }

// Func is a Module without parameters, made from a function such as (*Tensor).Relu.
type Func func(x *Tensor) (*Tensor, error)

// Forward returns f(x).
func (f Func) Forward(x *Tensor) (*Tensor, error) { return f(x) }

// Parameters returns nothing: a Func has no parameters.
func (f Func) Parameters() []*Tensor { return nil }

// ReLU is the rectified linear unit as a Module.
var ReLU Module = Func((*Tensor).Relu)

// Sequential applies its modules in order.
type Sequential []Module

// Forward runs x through every module, freeing the intermediate results.
func (s Sequential) Forward(x *Tensor) (*Tensor, error) {
	cur := x
	for i, m := range s {
		next, err := m.Forward(cur)
		if cur != x {
			cur.Free()
		}
		if err != nil {
			return nil, fmt.Errorf("module %d: %w", i, err)
		}
		cur = next
	}
	if cur == x {
		return x.ShallowClone()
	}
	return cur, nil
}

// Parameters returns the parameters of every module, in order.
func (s Sequential) Parameters() []*Tensor {
	var ps []*Tensor
	for _, m := range s {
		ps = append(ps, m.Parameters()...)
	}
	return ps
}

// MSELoss returns the mean of (pred - target)^2 (torch.nn.functional.mse_loss).
func MSELoss(pred, target *Tensor) (*Tensor, error) { return AtgMseLoss(pred, target, ReductionMean) }

// CrossEntropyLoss returns the mean cross-entropy between logits [N, C] and class indices
// targets [N] (torch.nn.functional.cross_entropy).
func CrossEntropyLoss(logits, targets *Tensor) (*Tensor, error) {
	return AtgCrossEntropyLoss(logits, targets, nil, ReductionMean, -100, 0)
}
