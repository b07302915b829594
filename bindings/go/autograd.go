package torch

/*
#include "capi.h"
*/
import "C"

import "runtime"

// Backward computes the gradient of t (a one-element tensor) with respect to the leaves of its
// graph, accumulating it into their Grad. The graph is freed afterwards.
func (t *Tensor) Backward() error { return t.BackwardOpts(false, false) }

// BackwardOpts is Backward with PyTorch's retain_graph and create_graph.
func (t *Tensor) BackwardOpts(retainGraph, createGraph bool) error {
	msg := C.trs_backward(t.ptr(), cBool(retainGraph), cBool(createGraph))
	runtime.KeepAlive(t)
	return cErr(msg)
}

// Grad returns the accumulated gradient of t, or nil (with no error) when it has none.
func (t *Tensor) Grad() (*Tensor, error) {
	g, err := AtgGrad(t)
	if err != nil {
		return nil, err
	}
	ok, err := g.Defined()
	if err != nil || !ok {
		g.Free()
		return nil, err
	}
	return g, nil
}

// SetRequiresGrad makes autograd record (or stop recording) ops on t, a leaf.
func (t *Tensor) SetRequiresGrad(b bool) error {
	r, err := AtgRequiresGrad_(t, b)
	r.Free()
	return err
}

// ZeroGrad sets t's gradient, if it has one, to zero.
func (t *Tensor) ZeroGrad() error {
	g, err := t.Grad()
	if err != nil || g == nil {
		return err
	}
	defer g.Free()
	z, err := AtgZero_(g)
	z.Free()
	return err
}

// Grads returns the gradients of the sum of outputs with respect to each of inputs (which must
// require grad), like torch.autograd.grad; an input no gradient reaches gets nil.
func Grads(outputs, inputs []*Tensor, retainGraph, createGraph bool) ([]*Tensor, error) {
	outs, ins := cTensors(outputs), cTensors(inputs)
	res := make(cTensorArray, len(inputs)+1)
	msg := C.trs_run_backward(outs.ptr(), outs.len(), ins.ptr(), ins.len(), res.ptr(),
		cBool(retainGraph), cBool(createGraph))
	runtime.KeepAlive(outputs)
	runtime.KeepAlive(inputs)
	runtime.KeepAlive(outs)
	runtime.KeepAlive(ins)
	err := cErr(msg)
	grads := make([]*Tensor, len(inputs))
	for i, h := range res[:len(inputs)] {
		if h == nil {
			continue
		}
		g := newTensor(h)
		if ok, derr := g.Defined(); err != nil || derr != nil || !ok {
			g.Free()
			if err == nil {
				err = derr
			}
			continue
		}
		grads[i] = g
	}
	if err != nil {
		FreeAll(grads...)
		return nil, err
	}
	return grads, nil
}

// NoGrad runs f with gradient recording off, like `with torch.no_grad()`. Grad mode belongs to
// the OS thread, so the goroutine stays on its thread while f runs; goroutines f starts are not
// covered.
func NoGrad(f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	prev := C.at_grad_set_enabled(0)
	defer C.at_grad_set_enabled(prev)
	f()
}

// MustBackward is Backward that panics on error.
func (t *Tensor) MustBackward() { must(t.Backward()) }

// MustGrad is Grad that panics on error.
func (t *Tensor) MustGrad() *Tensor { return Must(t.Grad()) }
