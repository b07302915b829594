package torch

/*
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"strconv"
)

// DType is an element type, with tch's Kind codes.
type DType int32

// The element types.
const (
	Uint8         DType = 0
	Int8          DType = 1
	Int16         DType = 2
	Int32         DType = 3
	Int64         DType = 4
	Float16       DType = 5
	Float32       DType = 6
	Float64       DType = 7
	ComplexHalf   DType = 8
	ComplexFloat  DType = 9
	ComplexDouble DType = 10
	Bool          DType = 11
	QInt8         DType = 12
	QUInt8        DType = 13
	QInt32        DType = 14
	BFloat16      DType = 15
	// the 8-bit floats: stored, cast and moved (computed in float32 where an op allows them)
	Float8E5M2     DType = 23
	Float8E4M3Fn   DType = 24
	Float8E5M2Fnuz DType = 25
	Float8E4M3Fnuz DType = 26
)

var dtypeNames = map[DType]string{
	Uint8: "uint8", Int8: "int8", Int16: "int16", Int32: "int32", Int64: "int64", Float16: "float16",
	Float32: "float32", Float64: "float64", ComplexHalf: "complex32", ComplexFloat: "complex64",
	ComplexDouble: "complex128", Bool: "bool", QInt8: "qint8", QUInt8: "quint8", QInt32: "qint32",
	BFloat16: "bfloat16", Float8E5M2: "float8_e5m2", Float8E4M3Fn: "float8_e4m3fn",
	Float8E5M2Fnuz: "float8_e5m2fnuz", Float8E4M3Fnuz: "float8_e4m3fnuz",
}

// String returns PyTorch's name of the dtype (float32, int64, ...).
func (d DType) String() string {
	if s, ok := dtypeNames[d]; ok {
		return s
	}
	return "DType(" + strconv.Itoa(int(d)) + ")"
}

// Device is where a tensor lives, with tch's device codes.
type Device int32

// The devices besides CUDA(n).
const (
	CPU    Device = -1
	MPS    Device = -2
	Vulkan Device = -3
)

// CUDA is the n-th CUDA device (the library maps it onto its GPU backend).
func CUDA(n int) Device { return Device(n) }

func (d Device) String() string {
	switch {
	case d == CPU:
		return "cpu"
	case d == MPS:
		return "mps"
	case d == Vulkan:
		return "vulkan"
	case d >= 0:
		return "cuda:" + strconv.Itoa(int(d))
	}
	return "Device(" + strconv.Itoa(int(d)) + ")"
}

// Layout is a tensor layout (c10::Layout).
type Layout int8

// The layouts.
const (
	Strided   Layout = 0
	Sparse    Layout = 1
	SparseCsr Layout = 2
	Mkldnn    Layout = 3
	SparseCsc Layout = 4
	SparseBsr Layout = 5
	SparseBsc Layout = 6
	Jagged    Layout = 7
)

// Reduction of a loss, as the int64 reduction argument of the loss ops takes it.
const (
	ReductionNone int64 = 0
	ReductionMean int64 = 1
	ReductionSum  int64 = 2
)

// Scalar is a number passed to an op: an integer ([Int]) or a float ([Float]). The zero Scalar
// is no number at all; ops that need one report it as a NULL scalar.
type Scalar struct {
	kind int8 // 0 none, 1 int, 2 float
	i    int64
	f    float64
}

// Int is an integer scalar.
func Int(v int64) Scalar { return Scalar{kind: 1, i: v} }

// Float is a floating-point scalar.
func Float(v float64) Scalar { return Scalar{kind: 2, f: v} }

func (s Scalar) String() string {
	switch s.kind {
	case 1:
		return strconv.FormatInt(s.i, 10)
	case 2:
		return strconv.FormatFloat(s.f, 'g', -1, 64)
	}
	return "<no scalar>"
}

// c is the (kind, int, double) encoding the C helpers turn into a scalar handle.
func (s Scalar) c() (C.int, C.int64_t, C.double) {
	return C.int(s.kind), C.int64_t(s.i), C.double(s.f)
}

// Option sets the dtype, the device, or WithGrad, of a tensor made by Zeros, Ones, Rand, ...
type Option interface {
	apply(*options)
}

type options struct {
	dtype        DType
	dtypeSet     bool
	device       Device
	requiresGrad bool
}

func (d DType) apply(o *options)  { o.dtype, o.dtypeSet = d, true }
func (d Device) apply(o *options) { o.device = d }

type gradOption bool

func (g gradOption) apply(o *options) { o.requiresGrad = bool(g) }

// WithGrad makes a new tensor a leaf that requires grad.
var WithGrad Option = gradOption(true)

func makeOptions(def DType, opts []Option) options {
	o := options{dtype: def, device: CPU}
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	return o
}

// Element is a Go type a tensor can hold, with its dtype.
type Element interface {
	uint8 | int8 | int16 | int32 | int64 | float32 | float64 | bool
}

func dtypeOf[T Element]() (DType, int) {
	var z T
	switch any(z).(type) {
	case uint8:
		return Uint8, 1
	case int8:
		return Int8, 1
	case int16:
		return Int16, 2
	case int32:
		return Int32, 4
	case int64:
		return Int64, 8
	case float32:
		return Float32, 4
	case float64:
		return Float64, 8
	case bool:
		return Bool, 1
	}
	panic(fmt.Sprintf("torch: no dtype for %T", z))
}
