package torch

import "testing"

func leaf(t *testing.T, data []float32, shape ...int64) *Tensor {
	t.Helper()
	x := MustFromSlice(data, shape...)
	check(t, x.SetRequiresGrad(true))
	return x
}

func grad(t *testing.T, x *Tensor) *Tensor {
	t.Helper()
	g, err := x.Grad()
	check(t, err)
	if g == nil {
		t.Fatal("no gradient")
	}
	return g
}

func TestBackwardAddMulSum(t *testing.T) {
	x := leaf(t, []float32{1, 2, 3}, 3)
	w := leaf(t, []float32{4, 5, 6}, 3)
	defer FreeAll(x, w)
	y := x.MustMul(w).MustAdd(x).MustSum()
	wantF32(t, y, 4+2*5+3*6+6)
	if rg, err := y.RequiresGrad(); err != nil || !rg {
		t.Fatalf("y requires grad: %v, %v", rg, err)
	}
	check(t, y.Backward())
	wantF32(t, grad(t, x), 5, 6, 7)
	wantF32(t, grad(t, w), 1, 2, 3)

	// gradients accumulate, and ZeroGrad resets them
	check(t, x.MustMul(w).MustSum().Backward())
	wantF32(t, grad(t, x), 9, 11, 13)
	check(t, x.ZeroGrad())
	wantF32(t, grad(t, x), 0, 0, 0)
}

func TestBackwardBroadcastMean(t *testing.T) {
	a := leaf(t, []float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := leaf(t, []float32{1, 1, 1}, 3)
	defer FreeAll(a, b)
	check(t, a.MustAdd(b).MustMean().Backward())
	g := float32(1.0 / 6)
	wantF32(t, grad(t, a), g, g, g, g, g, g)
	wantF32(t, grad(t, b), 2*g, 2*g, 2*g)
}

func TestBackwardMatMul(t *testing.T) {
	a := leaf(t, []float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := leaf(t, []float32{7, 8, 9, 10, 11, 12}, 3, 2)
	defer FreeAll(a, b)
	check(t, a.MustMatMul(b).MustMean().Backward())
	wantF32(t, grad(t, a), 3.75, 4.75, 5.75, 3.75, 4.75, 5.75)
	wantF32(t, grad(t, b), 1.25, 1.25, 1.75, 1.75, 2.25, 2.25)
}

func TestGradsDoesNotAccumulate(t *testing.T) {
	x := leaf(t, []float32{1, 2, 3}, 3)
	defer x.Free()
	y := x.MustMul(x).MustSum()
	gs, err := Grads([]*Tensor{y}, []*Tensor{x}, false, false)
	check(t, err)
	if len(gs) != 1 || gs[0] == nil {
		t.Fatalf("grads %v", gs)
	}
	wantF32(t, gs[0], 2, 4, 6)
	if g, err := x.Grad(); err != nil || g != nil {
		t.Fatalf("Grads accumulated into x.Grad: %v, %v", g, err)
	}
	c := MustFromSlice([]float32{1})
	_, err = Grads([]*Tensor{y}, []*Tensor{c}, false, false)
	wantErr(t, err, "set_requires_grad")
}

func TestNoGradAndDetach(t *testing.T) {
	x := leaf(t, []float32{1, 2}, 2)
	defer x.Free()
	var inside *Tensor
	NoGrad(func() { inside = x.MustMulScalar(Int(2)) })
	if rg, err := inside.RequiresGrad(); err != nil || rg {
		t.Fatalf("inside NoGrad: requires grad %v, %v", rg, err)
	}
	outside := x.MustMulScalar(Int(2))
	if rg, err := outside.RequiresGrad(); err != nil || !rg {
		t.Fatalf("after NoGrad: requires grad %v, %v", rg, err)
	}
	d := outside.MustDetach()
	if rg, err := d.RequiresGrad(); err != nil || rg {
		t.Fatalf("detached: requires grad %v, %v", rg, err)
	}
	wantF32(t, d, 2, 4)
}

func TestGradOfNonLeaves(t *testing.T) {
	c := MustFromSlice([]float32{1, 2})
	defer c.Free()
	if g, err := c.Grad(); err != nil || g != nil {
		t.Fatalf("a constant has a gradient: %v, %v", g, err)
	}
	// backward of a tensor outside any graph, and of a non-scalar
	wantErr(t, c.MustSum().Backward())
	x := leaf(t, []float32{1, 2}, 2)
	defer x.Free()
	wantErr(t, x.MustMulScalar(Int(3)).Backward())
}

func TestGeneratedScalarResults(t *testing.T) {
	x := leaf(t, []float32{1, 2}, 2)
	defer x.Free()
	y := x.MustMulScalar(Int(2))
	defer y.Free()
	if l, err := AtgIsLeaf(x); err != nil || !l {
		t.Fatalf("is_leaf(x) = %v, %v", l, err)
	}
	if l, err := AtgIsLeaf(y); err != nil || l {
		t.Fatalf("is_leaf(y) = %v, %v", l, err)
	}
	if n, err := AtgOutputNr(y); err != nil || n != 0 {
		t.Fatalf("output_nr(y) = %v, %v", n, err)
	}
	_, err := AtgIsLeaf(nil)
	wantErr(t, err, "torchrs: argument 'self' is a NULL tensor handle")
}
