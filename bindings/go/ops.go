package torch

// The common ops as methods, each a thin layer over its generated Atg* function, with a Must
// form that panics on error.

// Add returns t + o (broadcasting, with PyTorch's type promotion).
func (t *Tensor) Add(o *Tensor) (*Tensor, error) { return AtgAdd(t, o) }

// Sub returns t - o.
func (t *Tensor) Sub(o *Tensor) (*Tensor, error) { return AtgSub(t, o) }

// Mul returns t * o, elementwise.
func (t *Tensor) Mul(o *Tensor) (*Tensor, error) { return AtgMul(t, o) }

// Div returns t / o (true division: integers give floats).
func (t *Tensor) Div(o *Tensor) (*Tensor, error) { return AtgDiv(t, o) }

// Neg returns -t.
func (t *Tensor) Neg() (*Tensor, error) { return AtgNeg(t) }

// AddScalar returns t + s.
func (t *Tensor) AddScalar(s Scalar) (*Tensor, error) { return AtgAddScalar(t, s) }

// SubScalar returns t - s.
func (t *Tensor) SubScalar(s Scalar) (*Tensor, error) { return AtgSubScalar(t, s) }

// MulScalar returns t * s.
func (t *Tensor) MulScalar(s Scalar) (*Tensor, error) { return AtgMulScalar(t, s) }

// DivScalar returns t / s.
func (t *Tensor) DivScalar(s Scalar) (*Tensor, error) { return AtgDivScalar(t, s) }

// MatMul returns the matrix product of t and o, as torch.matmul (1-D, 2-D and batched).
func (t *Tensor) MatMul(o *Tensor) (*Tensor, error) { return AtgMatmul(t, o) }

// Sum returns the sum of all elements (integers sum to Int64).
func (t *Tensor) Sum() (*Tensor, error) { return AtgSum(t, nil) }

// SumDims sums over the given dimensions, keeping them as size 1 when keepdim is set.
func (t *Tensor) SumDims(dims []int64, keepdim bool) (*Tensor, error) {
	return AtgSumDimIntlist(t, dims, keepdim, nil)
}

// Mean returns the mean of all elements (of a floating-point tensor).
func (t *Tensor) Mean() (*Tensor, error) { return AtgMean(t, nil) }

// MeanDims averages over the given dimensions.
func (t *Tensor) MeanDims(dims []int64, keepdim bool) (*Tensor, error) {
	return AtgMeanDim(t, dims, keepdim, nil)
}

// ArgMax returns the indices of the maximum values along dim.
func (t *Tensor) ArgMax(dim int64, keepdim bool) (*Tensor, error) { return AtgArgmax(t, &dim, keepdim) }

// Relu returns max(t, 0).
func (t *Tensor) Relu() (*Tensor, error) { return AtgRelu(t) }

// LogSoftmax returns log(softmax(t)) along dim.
func (t *Tensor) LogSoftmax(dim int64) (*Tensor, error) { return AtgLogSoftmax(t, dim, nil) }

// Softmax returns softmax(t) along dim.
func (t *Tensor) Softmax(dim int64) (*Tensor, error) { return AtgSoftmax(t, dim, nil) }

// Reshape returns t with the given shape (a view when possible); one dimension may be -1.
func (t *Tensor) Reshape(shape ...int64) (*Tensor, error) { return AtgReshape(t, shape) }

// View returns a view of t with the given shape; t's layout must allow it.
func (t *Tensor) View(shape ...int64) (*Tensor, error) { return AtgView(t, shape) }

// Transpose returns a view with dimensions d0 and d1 swapped.
func (t *Tensor) Transpose(d0, d1 int64) (*Tensor, error) { return AtgTranspose(t, d0, d1) }

// T returns the transpose of a matrix (a tensor of at most 2 dimensions).
func (t *Tensor) T() (*Tensor, error) { return AtgT(t) }

// Permute returns a view with the dimensions reordered.
func (t *Tensor) Permute(dims ...int64) (*Tensor, error) { return AtgPermute(t, dims) }

// Narrow returns the view of length elements of dimension dim from start.
func (t *Tensor) Narrow(dim, start, length int64) (*Tensor, error) {
	return AtgNarrow(t, dim, start, length)
}

// Select returns the view of element index of dimension dim, which disappears.
func (t *Tensor) Select(dim, index int64) (*Tensor, error) { return AtgSelect(t, dim, index) }

// Unsqueeze returns a view with a new dimension of size 1 at dim.
func (t *Tensor) Unsqueeze(dim int64) (*Tensor, error) { return AtgUnsqueeze(t, dim) }

// Squeeze returns a view without the dimensions of size 1.
func (t *Tensor) Squeeze() (*Tensor, error) { return AtgSqueeze(t) }

// SqueezeDim returns a view without dimension dim if its size is 1.
func (t *Tensor) SqueezeDim(dim int64) (*Tensor, error) { return AtgSqueezeDim(t, dim) }

// Flatten returns t with dimensions start..end (inclusive) merged into one.
func (t *Tensor) Flatten(start, end int64) (*Tensor, error) { return AtgFlatten(t, start, end) }

// Contiguous returns t, or a row-major copy when t is not contiguous.
func (t *Tensor) Contiguous() (*Tensor, error) { return AtgContiguous(t) }

// Detach returns a tensor sharing t's data, outside the autograd graph.
func (t *Tensor) Detach() (*Tensor, error) { return AtgDetach(t) }

// ToDType returns t converted to dtype d (t itself, shared, when it already has it).
func (t *Tensor) ToDType(d DType) (*Tensor, error) { return AtgToDtype(t, d, false, false) }

// Index returns t[indices...] with tensor indices (advanced indexing); a nil index takes the
// whole dimension, like `:`.
func (t *Tensor) Index(indices ...*Tensor) (*Tensor, error) { return AtgIndex(t, indices) }

// IndexSelect returns the elements of dimension dim at the positions in index (a 1-D integer tensor).
func (t *Tensor) IndexSelect(dim int64, index *Tensor) (*Tensor, error) {
	return AtgIndexSelect(t, dim, index)
}

// Must forms.

// MustAdd is Add that panics on error.
func (t *Tensor) MustAdd(o *Tensor) *Tensor { return Must(t.Add(o)) }

// MustSub is Sub that panics on error.
func (t *Tensor) MustSub(o *Tensor) *Tensor { return Must(t.Sub(o)) }

// MustMul is Mul that panics on error.
func (t *Tensor) MustMul(o *Tensor) *Tensor { return Must(t.Mul(o)) }

// MustDiv is Div that panics on error.
func (t *Tensor) MustDiv(o *Tensor) *Tensor { return Must(t.Div(o)) }

// MustNeg is Neg that panics on error.
func (t *Tensor) MustNeg() *Tensor { return Must(t.Neg()) }

// MustAddScalar is AddScalar that panics on error.
func (t *Tensor) MustAddScalar(s Scalar) *Tensor { return Must(t.AddScalar(s)) }

// MustSubScalar is SubScalar that panics on error.
func (t *Tensor) MustSubScalar(s Scalar) *Tensor { return Must(t.SubScalar(s)) }

// MustMulScalar is MulScalar that panics on error.
func (t *Tensor) MustMulScalar(s Scalar) *Tensor { return Must(t.MulScalar(s)) }

// MustDivScalar is DivScalar that panics on error.
func (t *Tensor) MustDivScalar(s Scalar) *Tensor { return Must(t.DivScalar(s)) }

// MustMatMul is MatMul that panics on error.
func (t *Tensor) MustMatMul(o *Tensor) *Tensor { return Must(t.MatMul(o)) }

// MustSum is Sum that panics on error.
func (t *Tensor) MustSum() *Tensor { return Must(t.Sum()) }

// MustSumDims is SumDims that panics on error.
func (t *Tensor) MustSumDims(dims []int64, keepdim bool) *Tensor {
	return Must(t.SumDims(dims, keepdim))
}

// MustMean is Mean that panics on error.
func (t *Tensor) MustMean() *Tensor { return Must(t.Mean()) }

// MustMeanDims is MeanDims that panics on error.
func (t *Tensor) MustMeanDims(dims []int64, keepdim bool) *Tensor {
	return Must(t.MeanDims(dims, keepdim))
}

// MustReshape is Reshape that panics on error.
func (t *Tensor) MustReshape(shape ...int64) *Tensor { return Must(t.Reshape(shape...)) }

// MustView is View that panics on error.
func (t *Tensor) MustView(shape ...int64) *Tensor { return Must(t.View(shape...)) }

// MustTranspose is Transpose that panics on error.
func (t *Tensor) MustTranspose(d0, d1 int64) *Tensor { return Must(t.Transpose(d0, d1)) }

// MustT is T that panics on error.
func (t *Tensor) MustT() *Tensor { return Must(t.T()) }

// MustPermute is Permute that panics on error.
func (t *Tensor) MustPermute(dims ...int64) *Tensor { return Must(t.Permute(dims...)) }

// MustNarrow is Narrow that panics on error.
func (t *Tensor) MustNarrow(dim, start, length int64) *Tensor {
	return Must(t.Narrow(dim, start, length))
}

// MustSelect is Select that panics on error.
func (t *Tensor) MustSelect(dim, index int64) *Tensor { return Must(t.Select(dim, index)) }

// MustUnsqueeze is Unsqueeze that panics on error.
func (t *Tensor) MustUnsqueeze(dim int64) *Tensor { return Must(t.Unsqueeze(dim)) }

// MustSqueeze is Squeeze that panics on error.
func (t *Tensor) MustSqueeze() *Tensor { return Must(t.Squeeze()) }

// MustSqueezeDim is SqueezeDim that panics on error.
func (t *Tensor) MustSqueezeDim(dim int64) *Tensor { return Must(t.SqueezeDim(dim)) }

// MustContiguous is Contiguous that panics on error.
func (t *Tensor) MustContiguous() *Tensor { return Must(t.Contiguous()) }

// MustDetach is Detach that panics on error.
func (t *Tensor) MustDetach() *Tensor { return Must(t.Detach()) }

// MustToDType is ToDType that panics on error.
func (t *Tensor) MustToDType(d DType) *Tensor { return Must(t.ToDType(d)) }

// MustGet is Get that panics on error.
func (t *Tensor) MustGet(i int) *Tensor { return Must(t.Get(i)) }

// MustIndex is Index that panics on error.
func (t *Tensor) MustIndex(indices ...*Tensor) *Tensor { return Must(t.Index(indices...)) }

// MustShape is Shape that panics on error.
func (t *Tensor) MustShape() []int64 { return Must(t.Shape()) }

// MustDType is DType that panics on error.
func (t *Tensor) MustDType() DType { return Must(t.DType()) }

// MustFloat32s is Float32s that panics on error.
func (t *Tensor) MustFloat32s() []float32 { return Must(t.Float32s()) }

// MustFloat64s is Float64s that panics on error.
func (t *Tensor) MustFloat64s() []float64 { return Must(t.Float64s()) }

// MustInt64s is Int64s that panics on error.
func (t *Tensor) MustInt64s() []int64 { return Must(t.Int64s()) }

// MustItem is Item that panics on error.
func (t *Tensor) MustItem() float64 { return Must(t.Item()) }
