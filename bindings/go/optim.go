package torch

/*
#include "capi.h"
*/
import "C"

import "runtime"

// Optimizer is one of the library's optimizers (SGD, Adam, AdamW, RMSprop) over the parameters
// added to it. Release it with Free (or Close).
type Optimizer struct {
	h C.optimizer
}

func newOptimizer(h C.optimizer, msg *C.char) (*Optimizer, error) {
	if err := cErr(msg); err != nil {
		if h != nil {
			C.ato_free(h)
		}
		return nil, err
	}
	if h == nil {
		return nil, errorf("the library returned no optimizer")
	}
	o := &Optimizer{h: h}
	runtime.SetFinalizer(o, (*Optimizer).Free)
	return o, nil
}

// NewSGD makes a stochastic gradient descent optimizer (torch.optim.SGD).
func NewSGD(lr, momentum, dampening, weightDecay float64, nesterov bool) (*Optimizer, error) {
	var h C.optimizer
	msg := C.trs_sgd(&h, C.double(lr), C.double(momentum), C.double(dampening), C.double(weightDecay), cBool(nesterov))
	return newOptimizer(h, msg)
}

// NewAdam makes an Adam optimizer (torch.optim.Adam).
func NewAdam(lr, beta1, beta2, weightDecay, eps float64, amsgrad bool) (*Optimizer, error) {
	var h C.optimizer
	msg := C.trs_adam(&h, C.double(lr), C.double(beta1), C.double(beta2), C.double(weightDecay), C.double(eps), cBool(amsgrad))
	return newOptimizer(h, msg)
}

// NewAdamW makes an AdamW optimizer (torch.optim.AdamW).
func NewAdamW(lr, beta1, beta2, weightDecay, eps float64, amsgrad bool) (*Optimizer, error) {
	var h C.optimizer
	msg := C.trs_adamw(&h, C.double(lr), C.double(beta1), C.double(beta2), C.double(weightDecay), C.double(eps), cBool(amsgrad))
	return newOptimizer(h, msg)
}

// NewRMSProp makes an RMSprop optimizer (torch.optim.RMSprop).
func NewRMSProp(lr, alpha, eps, weightDecay, momentum float64, centered bool) (*Optimizer, error) {
	var h C.optimizer
	msg := C.trs_rms_prop(&h, C.double(lr), C.double(alpha), C.double(eps), C.double(weightDecay), C.double(momentum), cBool(centered))
	return newOptimizer(h, msg)
}

func (o *Optimizer) ptr() C.optimizer {
	if o == nil {
		return nil
	}
	return o.h
}

// Free releases the optimizer; freeing twice, or a nil Optimizer, does nothing.
func (o *Optimizer) Free() {
	if o == nil || o.h == nil {
		return
	}
	runtime.SetFinalizer(o, nil)
	C.ato_free(o.h)
	o.h = nil
}

// Close is Free, for io.Closer.
func (o *Optimizer) Close() error {
	o.Free()
	return nil
}

// Add adds parameters to the optimizer's first parameter group.
func (o *Optimizer) Add(params ...*Tensor) error { return o.AddToGroup(0, params...) }

// AddToGroup adds parameters to parameter group `group` (made when missing).
func (o *Optimizer) AddToGroup(group int, params ...*Tensor) error {
	if group < 0 {
		return errorf("AddToGroup: negative group")
	}
	for _, p := range params {
		msg := C.trs_opt_add_parameter(o.ptr(), p.ptr(), C.size_t(group))
		runtime.KeepAlive(p)
		if err := cErr(msg); err != nil {
			runtime.KeepAlive(o)
			return err
		}
	}
	runtime.KeepAlive(o)
	return nil
}

func (o *Optimizer) call(msg *C.char) error {
	runtime.KeepAlive(o)
	return cErr(msg)
}

// SetLR sets the learning rate of every group.
func (o *Optimizer) SetLR(lr float64) error {
	return o.call(C.trs_opt_set_learning_rate(o.ptr(), C.double(lr)))
}

// SetMomentum sets the momentum of every group (beta1 for Adam and AdamW).
func (o *Optimizer) SetMomentum(m float64) error {
	return o.call(C.trs_opt_set_momentum(o.ptr(), C.double(m)))
}

// ZeroGrad zeroes the gradients of the parameters.
func (o *Optimizer) ZeroGrad() error { return o.call(C.trs_opt_zero_grad(o.ptr())) }

// Step updates the parameters from their gradients.
func (o *Optimizer) Step() error { return o.call(C.trs_opt_step(o.ptr())) }
