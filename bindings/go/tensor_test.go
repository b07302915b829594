package torch

import (
	"math"
	"reflect"
	"testing"
)

func TestFromSliceAndValues(t *testing.T) {
	x := MustFromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	defer x.Free()
	wantShape(t, x, 2, 3)
	wantDType(t, x, Float32)
	wantF32(t, x, 1, 2, 3, 4, 5, 6)
	if d, err := x.Device(); err != nil || d != CPU {
		t.Fatalf("device %v, %v", d, err)
	}
	if n, err := x.Numel(); err != nil || n != 6 {
		t.Fatalf("numel %d, %v", n, err)
	}
	if d, err := x.Dim(); err != nil || d != 2 {
		t.Fatalf("dim %d, %v", d, err)
	}
	// values in another dtype are converted
	if got := f64(t, x); !reflect.DeepEqual(got, []float64{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("float64 values %v", got)
	}
	if v, err := x.Float64At(1, 2); err != nil || v != 6 {
		t.Fatalf("x[1,2] = %v, %v", v, err)
	}

	cases := []struct {
		x    *Tensor
		want DType
	}{
		{MustFromSlice([]uint8{1, 255}), Uint8},
		{MustFromSlice([]int8{-1, 2}), Int8},
		{MustFromSlice([]int16{-1, 2}), Int16},
		{MustFromSlice([]int32{-1, 2}), Int32},
		{MustFromSlice([]int64{-1, 2}), Int64},
		{MustFromSlice([]float64{-1, 2}), Float64},
		{MustFromSlice([]bool{true, false}), Bool},
	}
	for _, c := range cases {
		wantDType(t, c.x, c.want)
		wantShape(t, c.x, 2)
		c.x.Free()
	}
	b := MustFromSlice([]bool{true, false, true})
	if got, err := b.Bools(); err != nil || !reflect.DeepEqual(got, []bool{true, false, true}) {
		t.Fatalf("bools %v, %v", got, err)
	}
	u := MustFromSlice([]uint8{7, 255})
	if got, err := Values[uint8](u); err != nil || !reflect.DeepEqual(got, []uint8{7, 255}) {
		t.Fatalf("uint8 values %v, %v", got, err)
	}
	big := MustFromSlice([]int64{math.MaxInt64, math.MinInt64})
	wantI64(t, big, math.MaxInt64, math.MinInt64)
	if v, err := big.Int64At(0); err != nil || v != math.MaxInt64 {
		t.Fatalf("big[0] = %v, %v", v, err)
	}
	FreeAll(b, u, big)

	empty := MustFromSlice([]float32{}, 0, 3)
	wantShape(t, empty, 0, 3)
	if got := f32(t, empty); len(got) != 0 {
		t.Fatalf("empty values %v", got)
	}
	empty.Free()
}

func TestFromSliceErrors(t *testing.T) {
	_, err := FromSlice([]float32{1, 2, 3}, 2, 2)
	wantErr(t, err, "torch: FromSlice: shape [2 2] holds 4 elements but the data has 3")
	_, err = FromSlice([]float32{}, -1)
	wantErr(t, err, "negative dimension")
}

func TestScalarTensorAndItem(t *testing.T) {
	s := MustScalarTensor(2.5)
	defer s.Free()
	wantShape(t, s)
	wantDType(t, s, Float64)
	if v, err := s.Item(); err != nil || v != 2.5 {
		t.Fatalf("item %v, %v", v, err)
	}
	x := MustFromSlice([]int32{1, 2})
	defer x.Free()
	_, err := x.Item()
	wantErr(t, err, "torch: Item: a tensor of shape [2] has 2 elements, not 1")
}

func TestCreation(t *testing.T) {
	z := MustZeros([]int64{2, 2})
	wantDType(t, z, Float32)
	wantF32(t, z, 0, 0, 0, 0)
	o := MustOnes([]int64{3}, Float64)
	wantDType(t, o, Float64)
	if got := f64(t, o); !reflect.DeepEqual(got, []float64{1, 1, 1}) {
		t.Fatalf("ones %v", got)
	}
	a := MustArange(5)
	wantDType(t, a, Int64)
	wantI64(t, a, 0, 1, 2, 3, 4)
	af := MustArange(3, Float32)
	wantF32(t, af, 0, 1, 2)
	as := Must(ArangeStep(0, 1, 0.25))
	wantDType(t, as, Float32)
	wantF32(t, as, 0, 0.25, 0.5, 0.75)
	f := MustFull([]int64{2}, Int(7), Int64)
	wantI64(t, f, 7, 7)
	FreeAll(z, o, a, af, as, f)

	ManualSeed(42)
	r1 := MustRand([]int64{100})
	ManualSeed(42)
	r2 := MustRand([]int64{100})
	v1, v2 := f32(t, r1), f32(t, r2)
	if !reflect.DeepEqual(v1, v2) {
		t.Fatal("the same seed gave different values")
	}
	for _, v := range v1 {
		if v < 0 || v >= 1 {
			t.Fatalf("rand value %v outside [0, 1)", v)
		}
	}
	n := MustRandn([]int64{4, 5}, Float64)
	wantShape(t, n, 4, 5)
	wantDType(t, n, Float64)
	FreeAll(r1, r2, n)

	g := MustZeros([]int64{2}, WithGrad)
	if rg, err := g.RequiresGrad(); err != nil || !rg {
		t.Fatalf("WithGrad: requires grad %v, %v", rg, err)
	}
	g.Free()
	_, err := Zeros([]int64{2}, CUDA(0))
	wantErr(t, err, "cuda:0 is not available")
}

func TestArithmetic(t *testing.T) {
	a := MustFromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := MustFromSlice([]float32{10, 20, 30})
	defer FreeAll(a, b)

	wantF32(t, a.MustAdd(b), 11, 22, 33, 14, 25, 36)
	wantF32(t, a.MustSub(b), -9, -18, -27, -6, -15, -24)
	wantF32(t, a.MustMul(b), 10, 40, 90, 40, 100, 180)
	wantF32(t, b.MustDiv(a), 10, 10, 10, 2.5, 4, 5)
	wantF32(t, a.MustNeg(), -1, -2, -3, -4, -5, -6)
	wantF32(t, a.MustAddScalar(Float(0.5)), 1.5, 2.5, 3.5, 4.5, 5.5, 6.5)
	wantF32(t, a.MustSubScalar(Int(1)), 0, 1, 2, 3, 4, 5)
	wantF32(t, a.MustMulScalar(Int(2)), 2, 4, 6, 8, 10, 12)
	wantF32(t, a.MustDivScalar(Float(4)), 0.25, 0.5, 0.75, 1, 1.25, 1.5)

	// integer tensors: true division gives float32, float scalars promote, int ops stay int64
	i := MustFromSlice([]int64{1, 2, 7})
	j := MustFromSlice([]int64{2, 2, 2})
	defer FreeAll(i, j)
	q := i.MustDiv(j)
	wantDType(t, q, Float32)
	wantF32(t, q, 0.5, 1, 3.5)
	s := i.MustAdd(j)
	wantDType(t, s, Int64)
	wantI64(t, s, 3, 4, 9)
	m := i.MustMulScalar(Float(0.5))
	wantDType(t, m, Float32)
	wantF32(t, m, 0.5, 1, 3.5)
	mixed := i.MustAdd(b)
	wantDType(t, mixed, Float32)
	wantF32(t, mixed, 11, 22, 37)

	_, err := a.Add(MustFromSlice([]float32{1, 2}))
	wantErr(t, err)
}

func TestMatMul(t *testing.T) {
	a := MustFromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := MustFromSlice([]float32{7, 8, 9, 10, 11, 12}, 3, 2)
	defer FreeAll(a, b)
	c := a.MustMatMul(b)
	wantShape(t, c, 2, 2)
	wantF32(t, c, 58, 64, 139, 154)
	// through a transposed (non-contiguous) operand
	bt := b.MustT()
	wantShape(t, bt, 2, 3)
	d := a.MustMatMul(bt.MustT())
	wantF32(t, d, 58, 64, 139, 154)
	// vector . vector and matrix . vector
	v := MustFromSlice([]float32{1, 0, -1})
	dot := v.MustMatMul(v)
	wantShape(t, dot)
	wantF32(t, dot, 2)
	mv := a.MustMatMul(v)
	wantShape(t, mv, 2)
	wantF32(t, mv, -2, -2)
	// batched
	x := MustArange(12, Float32).MustReshape(2, 2, 3)
	y := MustOnes([]int64{2, 3, 1})
	wantF32(t, x.MustMatMul(y), 3, 12, 21, 30)

	_, err := a.MatMul(a)
	wantErr(t, err)
}

func TestReductions(t *testing.T) {
	a := MustFromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	defer a.Free()
	s := a.MustSum()
	wantShape(t, s)
	wantF32(t, s, 21)
	wantF32(t, a.MustMean(), 3.5)
	s0 := a.MustSumDims([]int64{0}, false)
	wantShape(t, s0, 3)
	wantF32(t, s0, 5, 7, 9)
	s1 := a.MustSumDims([]int64{1}, true)
	wantShape(t, s1, 2, 1)
	wantF32(t, s1, 6, 15)
	m1 := a.MustMeanDims([]int64{-1}, false)
	wantF32(t, m1, 2, 5)

	i := MustFromSlice([]int32{1, 2, 3})
	defer i.Free()
	is := i.MustSum()
	wantDType(t, is, Int64)
	wantI64(t, is, 6)

	_, err := a.SumDims([]int64{2}, false)
	wantErr(t, err)
}

func TestViews(t *testing.T) {
	a := MustArange(6, Float32)
	defer a.Free()
	m := a.MustReshape(2, 3)
	wantShape(t, m, 2, 3)
	wantShape(t, a.MustView(3, -1), 3, 2)
	tr := m.MustTranspose(0, 1)
	wantShape(t, tr, 3, 2)
	wantF32(t, tr, 0, 3, 1, 4, 2, 5)
	if c, err := tr.IsContiguous(); err != nil || c {
		t.Fatalf("a transpose is contiguous: %v, %v", c, err)
	}
	wantF32(t, tr.MustContiguous(), 0, 3, 1, 4, 2, 5)
	wantF32(t, m.MustPermute(1, 0), 0, 3, 1, 4, 2, 5)
	n := m.MustNarrow(1, 1, 2)
	wantShape(t, n, 2, 2)
	wantF32(t, n, 1, 2, 4, 5)
	sel := m.MustSelect(1, 2)
	wantShape(t, sel, 2)
	wantF32(t, sel, 2, 5)
	u := sel.MustUnsqueeze(0)
	wantShape(t, u, 1, 2)
	wantShape(t, u.MustSqueeze(), 2)
	wantShape(t, u.MustSqueezeDim(0), 2)
	wantShape(t, u.MustSqueezeDim(1), 1, 2)
	wantShape(t, Must(m.Flatten(0, 1)), 6)

	// views share the data of their base
	check(t, n.Fill_(-1))
	wantF32(t, a, 0, -1, -1, 3, -1, -1)
	check(t, sel.Copy_(MustFromSlice([]float32{8, 9})))
	wantF32(t, a, 0, -1, 8, 3, -1, 9)

	_, err := m.View(4, 2)
	wantErr(t, err)
	_, err = m.Narrow(1, 2, 2)
	wantErr(t, err)
	_, err = m.Select(2, 0)
	wantErr(t, err)
}

func TestIndexing(t *testing.T) {
	m := MustArange(6, Float32).MustReshape(2, 3)
	defer m.Free()
	r := m.MustGet(1)
	wantShape(t, r, 3)
	wantF32(t, r, 3, 4, 5)
	wantF32(t, m.MustGet(-2), 0, 1, 2)
	_, err := m.Get(2)
	wantErr(t, err)

	idx := MustFromSlice([]int64{2, 0})
	defer idx.Free()
	x, err := m.Index(nil, idx)
	skipIfNotImplemented(t, err)
	wantShape(t, x, 2, 2)
	wantF32(t, x, 2, 0, 5, 3)
	y := m.MustIndex(MustFromSlice([]int64{1}))
	wantShape(t, y, 1, 3)
	wantF32(t, y, 3, 4, 5)
}

func TestStringAndClone(t *testing.T) {
	x := MustFromSlice([]float32{1.5, -2}, 2)
	defer x.Free()
	if s := x.String(); s == "" || s[0] == '<' {
		t.Fatalf("String() = %q", s)
	}
	y := Must(x.ShallowClone())
	check(t, y.Fill_(3))
	wantF32(t, x, 3, 3)
	y.Free()
	wantF32(t, x, 3, 3)
}

// Float32 values cast to each 8-bit float and back round as torch does (e4m3fn saturates at 448,
// e5m2 keeps infinities), and the dtype reads back with its name.
func TestFloat8Casts(t *testing.T) {
	x := MustFromSlice([]float32{1, 2.3, -0.4, 500, float32(math.Inf(1))}, 5)
	defer x.Free()
	cases := []struct {
		d    DType
		name string
		want []float32
	}{
		{Float8E5M2, "float8_e5m2", []float32{1, 2.5, -0.375, 512, float32(math.Inf(1))}},
		{Float8E4M3Fn, "float8_e4m3fn", []float32{1, 2.25, -0.40625, 448, 448}},
	}
	for _, c := range cases {
		y, err := x.ToDType(c.d)
		check(t, err)
		wantDType(t, y, c.d)
		if c.d.String() != c.name {
			t.Fatalf("name %q, want %q", c.d.String(), c.name)
		}
		z, err := y.ToDType(Float32)
		check(t, err)
		wantF32(t, z, c.want...)
		y.Free()
		z.Free()
	}
}
