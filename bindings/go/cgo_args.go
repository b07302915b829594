package torch

// Conversions between Go values and the C arguments and results of the generated wrappers.

/*
#include "capi.h"
*/
import "C"

import "unsafe"

// Non-NULL pointers for empty lists and strings (an optional list that is present but empty
// must not be NULL, which means absent).
var (
	emptyI64  [1]int64
	emptyF64  [1]float64
	emptyByte [1]byte
)

// cTensorArray is a tensor list as the C API takes it (a NULL element is an absent tensor).
type cTensorArray []C.tensor

func cTensors(ts []*Tensor) cTensorArray {
	if ts == nil {
		return nil
	}
	a := make(cTensorArray, len(ts))
	for i, t := range ts {
		a[i] = t.ptr()
	}
	return a
}

func (a cTensorArray) ptr() *C.tensor {
	if len(a) == 0 {
		return nil
	}
	return &a[0]
}

func (a cTensorArray) len() C.int { return C.int(len(a)) }

// cI64s is the data pointer of an int list: NULL for nil (absent), non-NULL when present.
func cI64s(s []int64) *C.int64_t {
	switch {
	case s == nil:
		return nil
	case len(s) == 0:
		return (*C.int64_t)(unsafe.Pointer(&emptyI64[0]))
	}
	return (*C.int64_t)(unsafe.Pointer(&s[0]))
}

func cF64s(s []float64) *C.double {
	switch {
	case s == nil:
		return nil
	case len(s) == 0:
		return (*C.double)(unsafe.Pointer(&emptyF64[0]))
	}
	return (*C.double)(unsafe.Pointer(&s[0]))
}

func cStr(s string) (*C.char, C.int) {
	if len(s) == 0 {
		return (*C.char)(unsafe.Pointer(&emptyByte[0])), 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.int(len(s))
}

func cOptStr(s *string) (*C.char, C.int) {
	if s == nil {
		return nil, 0
	}
	return cStr(*s)
}

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func cOptI64(v *int64) (C.int64_t, C.uint8_t) {
	if v == nil {
		return 0, 1
	}
	return C.int64_t(*v), 0
}

func cOptF64(v *float64) (C.double, C.uint8_t) {
	if v == nil {
		return 0, 1
	}
	return C.double(*v), 0
}

func cOptDType(d *DType) C.int {
	if d == nil {
		return -1
	}
	return C.int(*d)
}

func cOptLayout(l *Layout) C.int8_t {
	if l == nil {
		return -1
	}
	return C.int8_t(*l)
}

func cOptScalar(s *Scalar) (C.int, C.int64_t, C.double) {
	if s == nil {
		return 0, 0, 0
	}
	return s.c()
}

// cTensorOut is the result of a one-output op.
func cTensorOut(h C.tensor, msg *C.char) (*Tensor, error) {
	if err := cErr(msg); err != nil {
		if h != nil {
			C.at_free(h)
		}
		return nil, err
	}
	if h == nil {
		return nil, errorf("the library returned no tensor")
	}
	return newTensor(h), nil
}

// cTensorOuts is the result of an op with len(hs) outputs.
func cTensorOuts(hs []C.tensor, msg *C.char) ([]*Tensor, error) {
	err := cErr(msg)
	for _, h := range hs {
		if h == nil && err == nil {
			err = errorf("the library returned no tensor")
		}
	}
	if err != nil {
		for _, h := range hs {
			if h != nil {
				C.at_free(h)
			}
		}
		return nil, err
	}
	ts := make([]*Tensor, len(hs))
	for i, h := range hs {
		ts[i] = newTensor(h)
	}
	return ts, nil
}

// cTensorList takes over a malloc'd, NULL-terminated array of handles.
func cTensorList(p *C.tensor, msg *C.char) ([]*Tensor, error) {
	err := cErr(msg)
	if p == nil {
		if err == nil {
			err = errorf("the library returned no tensor list")
		}
		return nil, err
	}
	var ts []*Tensor
	for i := uintptr(0); ; i++ {
		h := *(*C.tensor)(unsafe.Add(unsafe.Pointer(p), i*unsafe.Sizeof(*p)))
		if h == nil {
			break
		}
		if err != nil {
			C.at_free(h)
		} else {
			ts = append(ts, newTensor(h))
		}
	}
	C.free(unsafe.Pointer(p))
	if err != nil {
		return nil, err
	}
	return ts, nil
}
