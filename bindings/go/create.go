package torch

// Tensors made from a shape and options: zeros, ones, random values, ranges.

// Option values: a DType (default Float32, or Int64 for Arange), a Device (default CPU), and
// WithGrad.

func withOptions(t *Tensor, err error, o options) (*Tensor, error) {
	if err != nil || !o.requiresGrad {
		return t, err
	}
	if err := t.SetRequiresGrad(true); err != nil {
		t.Free()
		return nil, err
	}
	return t, nil
}

func shaped(f func([]int64, DType, Device) (*Tensor, error), shape []int64, opts []Option) (*Tensor, error) {
	o := makeOptions(Float32, opts)
	if shape == nil {
		shape = []int64{}
	}
	t, err := f(shape, o.dtype, o.device)
	return withOptions(t, err, o)
}

// Zeros makes a tensor of zeros.
func Zeros(shape []int64, opts ...Option) (*Tensor, error) { return shaped(AtgZeros, shape, opts) }

// Ones makes a tensor of ones.
func Ones(shape []int64, opts ...Option) (*Tensor, error) { return shaped(AtgOnes, shape, opts) }

// Rand makes a tensor of values drawn uniformly from [0, 1).
func Rand(shape []int64, opts ...Option) (*Tensor, error) { return shaped(AtgRand, shape, opts) }

// Randn makes a tensor of values drawn from the standard normal distribution.
func Randn(shape []int64, opts ...Option) (*Tensor, error) { return shaped(AtgRandn, shape, opts) }

// Full makes a tensor filled with v (of dtype Float32 unless an option says otherwise).
func Full(shape []int64, v Scalar, opts ...Option) (*Tensor, error) {
	return shaped(func(s []int64, d DType, dev Device) (*Tensor, error) { return AtgFull(s, v, d, dev) }, shape, opts)
}

// Arange makes the 1-D tensor 0, 1, ..., end-1 (of dtype Int64 unless an option says otherwise).
func Arange(end int64, opts ...Option) (*Tensor, error) {
	o := makeOptions(Int64, opts)
	t, err := AtgArange(Int(end), o.dtype, o.device)
	return withOptions(t, err, o)
}

// ArangeStep makes the 1-D tensor start, start+step, ... up to end excluded (of dtype Float32
// unless an option says otherwise).
func ArangeStep(start, end, step float64, opts ...Option) (*Tensor, error) {
	o := makeOptions(Float32, opts)
	t, err := AtgArangeStartStep(Float(start), Float(end), Float(step), o.dtype, o.device)
	return withOptions(t, err, o)
}

// MustFromSlice is FromSlice that panics on error.
func MustFromSlice[T Element](data []T, shape ...int64) *Tensor {
	return Must(FromSlice(data, shape...))
}

// MustScalarTensor is ScalarTensor that panics on error.
func MustScalarTensor[T Element](v T) *Tensor { return Must(ScalarTensor(v)) }

// MustZeros is Zeros that panics on error.
func MustZeros(shape []int64, opts ...Option) *Tensor { return Must(Zeros(shape, opts...)) }

// MustOnes is Ones that panics on error.
func MustOnes(shape []int64, opts ...Option) *Tensor { return Must(Ones(shape, opts...)) }

// MustRand is Rand that panics on error.
func MustRand(shape []int64, opts ...Option) *Tensor { return Must(Rand(shape, opts...)) }

// MustRandn is Randn that panics on error.
func MustRandn(shape []int64, opts ...Option) *Tensor { return Must(Randn(shape, opts...)) }

// MustFull is Full that panics on error.
func MustFull(shape []int64, v Scalar, opts ...Option) *Tensor { return Must(Full(shape, v, opts...)) }

// MustArange is Arange that panics on error.
func MustArange(end int64, opts ...Option) *Tensor { return Must(Arange(end, opts...)) }
