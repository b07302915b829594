package torch

import (
	"math"
	"path/filepath"
	"testing"
)

func testLinear(t *testing.T) *Linear {
	return &Linear{
		Weight: leaf(t, []float32{1, 2, 3, 4, 5, 6}, 2, 3),
		Bias:   leaf(t, []float32{0.5, -1}, 2),
	}
}

func TestLinearForwardBackward(t *testing.T) {
	l := testLinear(t)
	defer l.Free()
	x := MustFromSlice([]float32{1, 0, -1, 2, 1, 0}, 2, 3)
	defer x.Free()
	y := Must(l.Forward(x))
	wantShape(t, y, 2, 2)
	wantF32(t, y, -1.5, -3, 4.5, 12)
	check(t, y.MustSum().Backward())
	wantF32(t, grad(t, l.Weight), 3, 1, -1, 3, 1, -1)
	wantF32(t, grad(t, l.Bias), 2, 2)
	if len(l.Parameters()) != 2 {
		t.Fatalf("%d parameters", len(l.Parameters()))
	}
	if g, err := x.Grad(); err != nil || g != nil {
		t.Fatalf("the input got a gradient: %v, %v", g, err)
	}
}

func TestNewLinear(t *testing.T) {
	ManualSeed(1)
	l := Must(NewLinear(64, 10, true))
	defer l.Free()
	wantShape(t, l.Weight, 10, 64)
	wantShape(t, l.Bias, 10)
	for _, p := range l.Parameters() {
		if rg, err := p.RequiresGrad(); err != nil || !rg {
			t.Fatalf("a parameter does not require grad: %v, %v", rg, err)
		}
		if l, err := AtgIsLeaf(p); err != nil || !l {
			t.Fatalf("a parameter is not a leaf: %v, %v", l, err)
		}
		lo, hi := float32(0), float32(0)
		for _, v := range f32(t, p) {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo < -0.125 || hi >= 0.125 || hi-lo < 0.1 {
			t.Fatalf("values in [%v, %v], want spread over [-1/8, 1/8)", lo, hi)
		}
	}
	nb := Must(NewLinear(3, 2, false))
	if nb.Bias != nil || len(nb.Parameters()) != 1 {
		t.Fatal("a layer without bias has one")
	}
	nb.Free()
	_, err := NewLinear(0, 2, true)
	wantErr(t, err, "sizes must be positive")
}

func TestSequential(t *testing.T) {
	l1 := testLinear(t)
	l2 := &Linear{Weight: leaf(t, []float32{1, -1}, 1, 2)}
	defer FreeAll(l1.Weight, l1.Bias, l2.Weight)
	x := MustFromSlice([]float32{1, 0, -1, 2, 1, 0}, 2, 3)
	defer x.Free()
	net := Sequential{l1, l2}
	if n := len(net.Parameters()); n != 3 {
		t.Fatalf("%d parameters", n)
	}
	y := Must(net.Forward(x))
	wantShape(t, y, 2, 1)
	wantF32(t, y, 1.5, -7.5)

	withRelu := Sequential{l1, ReLU, l2}
	y, err := withRelu.Forward(x)
	skipIfNotImplemented(t, err)
	wantF32(t, y, 0, -7.5)
}

func TestMSELoss(t *testing.T) {
	p := leaf(t, []float32{1, 2, 3}, 3)
	target := MustFromSlice([]float32{1, 0, 0})
	defer FreeAll(p, target)
	l, err := MSELoss(p, target)
	skipIfNotImplemented(t, err)
	wantShape(t, l)
	wantF32(t, l, 13.0/3)
	check(t, l.Backward())
	wantF32(t, grad(t, p), 0, 4.0/3, 2)
}

func TestCrossEntropyLoss(t *testing.T) {
	logits := leaf(t, []float32{1, 2, 3, 1, 2, 3}, 2, 3)
	targets := MustFromSlice([]int64{2, 0})
	defer FreeAll(logits, targets)
	l, err := CrossEntropyLoss(logits, targets)
	skipIfNotImplemented(t, err)
	wantF32(t, l, 1.4076059)
	check(t, l.Backward())
	wantF32(t, grad(t, logits), 0.045015290, 0.12236425, -0.16737950, -0.45498472, 0.12236425, 0.33262050)
}

func TestSGDStep(t *testing.T) {
	opt, err := NewSGD(0.1, 0, 0, 0, false)
	skipIfNotImplemented(t, err)
	defer opt.Free()
	p := leaf(t, []float32{1, 2}, 2)
	defer p.Free()
	check(t, opt.Add(p))
	for step := 0; step < 2; step++ {
		check(t, opt.ZeroGrad())
		check(t, p.MustMul(p).MustSum().Backward()) // grad 2p
		check(t, opt.Step())
	}
	wantF32(t, p, 0.64, 1.28) // p <- 0.8 p, twice
	check(t, opt.SetLR(0.5))
	check(t, opt.ZeroGrad())
	check(t, p.MustSum().Backward())
	check(t, opt.Step())
	wantF32(t, p, 0.14, 0.78)
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	x := MustFromSlice([]float32{1, -2, 3.5, math.MaxFloat32}, 2, 2)
	defer x.Free()
	path := filepath.Join(dir, "x.pt")
	skipIfNotImplemented(t, x.Save(path))
	y := Must(Load(path))
	wantShape(t, y, 2, 2)
	wantF32(t, y, 1, -2, 3.5, math.MaxFloat32)

	i := MustFromSlice([]int64{4, 5, 6})
	named := filepath.Join(dir, "named.pt")
	check(t, SaveNamed(map[string]*Tensor{"w": x, "idx": i}, named))
	got, err := LoadNamed(named)
	check(t, err)
	if len(got) != 2 {
		t.Fatalf("loaded %d tensors", len(got))
	}
	wantF32(t, got["w"], 1, -2, 3.5, math.MaxFloat32)
	wantI64(t, got["idx"], 4, 5, 6)
	_, err = Load(filepath.Join(dir, "missing.pt"))
	wantErr(t, err)
}
