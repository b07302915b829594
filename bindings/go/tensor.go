package torch

/*
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Tensor is one handle to a tensor of the library. Release it with Free (or Close); a finalizer
// releases forgotten handles when the garbage collector finds them.
type Tensor struct {
	h C.tensor
}

func newTensor(h C.tensor) *Tensor {
	t := &Tensor{h: h}
	runtime.SetFinalizer(t, (*Tensor).finalize)
	return t
}

func (t *Tensor) finalize() {
	if t.h != nil {
		C.at_free(t.h)
		t.h = nil
	}
}

// Free releases the handle; later calls on t fail with a NULL-handle error. Freeing twice, or a
// nil Tensor, does nothing.
func (t *Tensor) Free() {
	if t == nil || t.h == nil {
		return
	}
	runtime.SetFinalizer(t, nil)
	C.at_free(t.h)
	t.h = nil
}

// Close is Free, for io.Closer.
func (t *Tensor) Close() error {
	t.Free()
	return nil
}

// ptr is the C handle (NULL for a nil or freed Tensor, which the library rejects).
func (t *Tensor) ptr() C.tensor {
	if t == nil {
		return nil
	}
	return t.h
}

// FreeAll frees every tensor given (nil ones included).
func FreeAll(ts ...*Tensor) {
	for _, t := range ts {
		t.Free()
	}
}

// ShallowClone returns a new handle to the same tensor (same data, same grad), like copying a
// torch::Tensor.
func (t *Tensor) ShallowClone() (*Tensor, error) {
	var h C.tensor
	msg := C.trs_shallow_clone(&h, t.ptr())
	runtime.KeepAlive(t)
	return cTensorOut(h, msg)
}

// Shape returns the size of every dimension.
func (t *Tensor) Shape() ([]int64, error) {
	var buf [16]int64
	dims := buf[:]
	for {
		var n C.size_t
		msg := C.trs_shape(t.ptr(), (*C.int64_t)(unsafe.Pointer(&dims[0])), C.size_t(len(dims)), &n)
		runtime.KeepAlive(t)
		if err := cErr(msg); err != nil {
			return nil, err
		}
		if int(n) <= len(dims) {
			return append([]int64(nil), dims[:n]...), nil
		}
		dims = make([]int64, n)
	}
}

// Dim returns the number of dimensions.
func (t *Tensor) Dim() (int, error) {
	s, err := t.Shape()
	return len(s), err
}

// Numel returns the number of elements.
func (t *Tensor) Numel() (int64, error) {
	s, err := t.Shape()
	if err != nil {
		return 0, err
	}
	return numel(s), nil
}

func numel(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

type intQuery func(C.tensor, *C.int) *C.char

func (t *Tensor) query(f intQuery) (int, error) {
	var v C.int
	msg := f(t.ptr(), &v)
	runtime.KeepAlive(t)
	return int(v), cErr(msg)
}

// DType returns the element type.
func (t *Tensor) DType() (DType, error) {
	v, err := t.query(func(h C.tensor, r *C.int) *C.char { return C.trs_scalar_type(h, r) })
	return DType(v), err
}

// Device returns where the tensor lives.
func (t *Tensor) Device() (Device, error) {
	v, err := t.query(func(h C.tensor, r *C.int) *C.char { return C.trs_device(h, r) })
	return Device(v), err
}

// Defined reports whether the handle holds a tensor (an undefined tensor stands for a missing
// gradient, for example).
func (t *Tensor) Defined() (bool, error) {
	v, err := t.query(func(h C.tensor, r *C.int) *C.char { return C.trs_defined(h, r) })
	return v != 0, err
}

// IsContiguous reports whether the elements lie in row-major order without gaps.
func (t *Tensor) IsContiguous() (bool, error) {
	v, err := t.query(func(h C.tensor, r *C.int) *C.char { return C.trs_is_contiguous(h, r) })
	return v != 0, err
}

// RequiresGrad reports whether autograd records ops on t.
func (t *Tensor) RequiresGrad() (bool, error) {
	v, err := t.query(func(h C.tensor, r *C.int) *C.char { return C.trs_requires_grad(h, r) })
	return v != 0, err
}

// String prints the tensor as PyTorch does.
func (t *Tensor) String() string {
	var s *C.char
	msg := C.trs_to_string(&s, t.ptr(), 80)
	runtime.KeepAlive(t)
	if err := cErr(msg); err != nil {
		return fmt.Sprintf("<torch.Tensor: %v>", err)
	}
	if s == nil {
		return "<torch.Tensor>"
	}
	defer C.free(unsafe.Pointer(s))
	return C.GoString(s)
}

// FromSlice makes a tensor holding a copy of data with the given shape (a 1-D tensor when no
// shape is given); the dtype follows T (float32 -> Float32, int64 -> Int64, bool -> Bool, ...).
func FromSlice[T Element](data []T, shape ...int64) (*Tensor, error) {
	if len(shape) == 0 {
		shape = []int64{int64(len(data))}
	}
	for _, d := range shape {
		if d < 0 {
			return nil, errorf(fmt.Sprintf("FromSlice: negative dimension in shape %v", shape))
		}
	}
	if n := numel(shape); n != int64(len(data)) {
		return nil, errorf(fmt.Sprintf("FromSlice: shape %v holds %d elements but the data has %d", shape, n, len(data)))
	}
	return tensorOfData(data, shape)
}

// ScalarTensor makes a 0-dimensional tensor holding v.
func ScalarTensor[T Element](v T) (*Tensor, error) {
	return tensorOfData([]T{v}, nil)
}

func tensorOfData[T Element](data []T, shape []int64) (*Tensor, error) {
	dt, size := dtypeOf[T]()
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	dims := cI64s(shape)
	if dims == nil {
		dims = cI64s([]int64{})
	}
	var h C.tensor
	msg := C.trs_tensor_of_data(&h, p, dims, C.size_t(len(shape)), C.size_t(size), C.int(dt))
	runtime.KeepAlive(data)
	runtime.KeepAlive(shape)
	return cTensorOut(h, msg)
}

// Values copies the elements of t, in row-major order, into a new slice of T, converting them
// to T's dtype first when t holds another one.
func Values[T Element](t *Tensor) ([]T, error) {
	dt, size := dtypeOf[T]()
	src := t
	have, err := t.DType()
	if err != nil {
		return nil, err
	}
	if have != dt {
		if src, err = AtgToDtype(t, dt, false, false); err != nil {
			return nil, err
		}
		defer src.Free()
	}
	n, err := src.Numel()
	if err != nil {
		return nil, err
	}
	out := make([]T, n)
	var p unsafe.Pointer
	if n > 0 {
		p = unsafe.Pointer(&out[0])
	}
	msg := C.trs_copy_data(src.ptr(), p, C.size_t(n), C.size_t(size))
	runtime.KeepAlive(src)
	runtime.KeepAlive(t)
	if err := cErr(msg); err != nil {
		return nil, err
	}
	return out, nil
}

// Float32s returns the elements as float32 values.
func (t *Tensor) Float32s() ([]float32, error) { return Values[float32](t) }

// Float64s returns the elements as float64 values.
func (t *Tensor) Float64s() ([]float64, error) { return Values[float64](t) }

// Int64s returns the elements as int64 values.
func (t *Tensor) Int64s() ([]int64, error) { return Values[int64](t) }

// Int32s returns the elements as int32 values.
func (t *Tensor) Int32s() ([]int32, error) { return Values[int32](t) }

// Bools returns the elements as bool values.
func (t *Tensor) Bools() ([]bool, error) { return Values[bool](t) }

// Item returns the value of a one-element tensor as a float64.
func (t *Tensor) Item() (float64, error) {
	s, err := t.Shape()
	if err != nil {
		return 0, err
	}
	if numel(s) != 1 {
		return 0, errorf(fmt.Sprintf("Item: a tensor of shape %v has %d elements, not 1", s, numel(s)))
	}
	v, err := Values[float64](t)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// Float64At returns the element at the given indices (one per dimension) as a float64.
func (t *Tensor) Float64At(idx ...int64) (float64, error) {
	var v C.double
	msg := C.trs_double_value_at(&v, t.ptr(), cI64s(idx), C.int(len(idx)))
	runtime.KeepAlive(t)
	runtime.KeepAlive(idx)
	return float64(v), cErr(msg)
}

// Int64At returns the element at the given indices (one per dimension) as an int64.
func (t *Tensor) Int64At(idx ...int64) (int64, error) {
	var v C.int64_t
	msg := C.trs_int64_value_at(&v, t.ptr(), cI64s(idx), C.int(len(idx)))
	runtime.KeepAlive(t)
	runtime.KeepAlive(idx)
	return int64(v), cErr(msg)
}

// Get returns t[i]: the view of element i of the first dimension (negative i counts from the end).
func (t *Tensor) Get(i int) (*Tensor, error) {
	var h C.tensor
	msg := C.trs_get(&h, t.ptr(), C.int(i))
	runtime.KeepAlive(t)
	return cTensorOut(h, msg)
}

// Copy_ copies src into t (broadcasting and converting), in place.
func (t *Tensor) Copy_(src *Tensor) error {
	msg := C.trs_copy_(t.ptr(), src.ptr())
	runtime.KeepAlive(t)
	runtime.KeepAlive(src)
	return cErr(msg)
}

// Fill_ sets every element of t to v, in place.
func (t *Tensor) Fill_(v float64) error {
	msg := C.trs_fill_double(t.ptr(), C.double(v))
	runtime.KeepAlive(t)
	return cErr(msg)
}
