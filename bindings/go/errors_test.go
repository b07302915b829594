package torch

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestNilAndFreedTensors(t *testing.T) {
	_, err := AtgNeg(nil)
	wantErr(t, err, "torchrs: argument 'self' is a NULL tensor handle")
	x := MustFromSlice([]float32{1, 2})
	y := MustFromSlice([]float32{3, 4})
	defer y.Free()
	x.Free()
	x.Free() // twice is fine
	var none *Tensor
	none.Free()
	_, err = x.Add(y)
	wantErr(t, err, "torchrs: argument 'self' is a NULL tensor handle")
	_, err = y.Add(x)
	wantErr(t, err, "torchrs: argument 'other' is a NULL tensor handle")
	_, err = x.Shape()
	wantErr(t, err, "NULL")
	_, err = x.Float32s()
	wantErr(t, err, "NULL")
	_, err = AtgCat([]*Tensor{y, nil}, 0)
	wantErr(t, err, "torchrs: element 1 of argument 'tensors' is a NULL tensor handle")
}

func TestBadArguments(t *testing.T) {
	x := MustArange(6, Float32)
	defer x.Free()
	_, err := x.Reshape(4, 2)
	wantErr(t, err, "shape '[4, 2]' is invalid for input of size 6")
	_, err = AtgZeros([]int64{2}, DType(99), CPU)
	wantErr(t, err)
	_, err = AtgZeros([]int64{2}, Float32, Device(-9))
	wantErr(t, err, "torchrs: unknown device code -9")
	// the zero Scalar is no scalar at all
	_, err = x.AddScalar(Scalar{})
	wantErr(t, err, "torchrs: argument 'other' is a NULL scalar handle")
}

func TestIsNotImplemented(t *testing.T) {
	if !IsNotImplemented(&Error{Msg: "torchrs: conv2d is not implemented"}) {
		t.Fatal("a not-implemented error is not recognized")
	}
	wrapped := fmt.Errorf("layer 1: %w", &Error{Msg: "torchrs: relu is not implemented"})
	if !IsNotImplemented(wrapped) {
		t.Fatal("a wrapped not-implemented error is not recognized")
	}
	for _, e := range []error{nil, errors.New("torchrs: x is not implemented"), &Error{Msg: "shape mismatch"}} {
		if IsNotImplemented(e) {
			t.Fatalf("%v is taken for a not-implemented error", e)
		}
	}
	// an op only AMD's MIOpen library provides
	x := MustOnes([]int64{1, 1, 3, 3})
	defer x.Free()
	_, err := AtgMiopenConvolution(x, x, nil, []int64{0, 0}, []int64{1, 1}, []int64{1, 1}, 1, false, false)
	wantErr(t, err)
	if IsNotImplemented(err) && err.Error() != "torchrs: miopen_convolution is not implemented" {
		t.Fatalf("not-implemented message %q", err)
	}
}

func TestMustPanics(t *testing.T) {
	defer func() {
		r := recover()
		e, ok := r.(*Error)
		if !ok || !strings.Contains(e.Msg, "holds 4 elements") {
			t.Fatalf("Must panicked with %v", r)
		}
	}()
	MustFromSlice([]float32{1}, 2, 2)
	t.Fatal("MustFromSlice did not panic")
}

// Many goroutines fail and succeed at once: each must see exactly its own errors, although cgo
// moves goroutines between OS threads and the library's error slot is per thread.
func TestErrorsStayWithTheirGoroutine(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 4 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	}
	x := MustArange(6, Float32)
	defer x.Free()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			bad := int64(7 + g)
			want := fmt.Sprintf("shape '[%d]' is invalid for input of size 6", bad)
			for i := 0; i < 200; i++ {
				if _, err := x.Reshape(bad); err == nil || err.Error() != want {
					errs <- fmt.Errorf("goroutine %d: got %v, want %q", g, err, want)
					return
				}
				runtime.Gosched()
				y, err := x.Reshape(2, 3)
				if err != nil {
					errs <- fmt.Errorf("goroutine %d: a good reshape failed: %v", g, err)
					return
				}
				y.Free()
				if _, err := AtgNeg(nil); err == nil || !strings.Contains(err.Error(), "NULL") {
					errs <- fmt.Errorf("goroutine %d: neg(nil) gave %v", g, err)
					return
				}
				s, err := y.Shape() // y is freed
				if err == nil {
					errs <- fmt.Errorf("goroutine %d: the shape of a freed tensor is %v", g, s)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Tensors dropped without Free are released by their finalizers.
func TestFinalizers(t *testing.T) {
	for i := 0; i < 1000; i++ {
		MustOnes([]int64{64})
	}
	runtime.GC()
	runtime.GC()
}
