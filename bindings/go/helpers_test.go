package torch

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// skipIfNotImplemented skips the test, with the library's message, when err says an op is not
// implemented yet; any other error fails it.
func skipIfNotImplemented(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if IsNotImplemented(err) {
		t.Skipf("waiting on the library: %v", err)
	}
	t.Fatalf("unexpected error: %v", err)
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func values[T Element](t *testing.T, x *Tensor) []T {
	t.Helper()
	v, err := Values[T](x)
	check(t, err)
	return v
}

func f32(t *testing.T, x *Tensor) []float32 { t.Helper(); return values[float32](t, x) }
func f64(t *testing.T, x *Tensor) []float64 { t.Helper(); return values[float64](t, x) }
func i64(t *testing.T, x *Tensor) []int64   { t.Helper(); return values[int64](t, x) }

func shape(t *testing.T, x *Tensor) []int64 {
	t.Helper()
	s, err := x.Shape()
	check(t, err)
	return s
}

func dtype(t *testing.T, x *Tensor) DType {
	t.Helper()
	d, err := x.DType()
	check(t, err)
	return d
}

func wantShape(t *testing.T, x *Tensor, want ...int64) {
	t.Helper()
	if got := shape(t, x); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("shape %v, want %v", got, want)
	}
}

func wantDType(t *testing.T, x *Tensor, want DType) {
	t.Helper()
	if got := dtype(t, x); got != want {
		t.Fatalf("dtype %v, want %v", got, want)
	}
}

func wantF32(t *testing.T, x *Tensor, want ...float32) {
	t.Helper()
	got := f32(t, x)
	if len(got) != len(want) {
		t.Fatalf("values %v, want %v", got, want)
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("values %v, want %v", got, want)
		}
	}
}

func wantI64(t *testing.T, x *Tensor, want ...int64) {
	t.Helper()
	if got := i64(t, x); !reflect.DeepEqual(got, want) {
		t.Fatalf("values %v, want %v", got, want)
	}
}

// wantErr checks that err is a library error whose message contains every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	if _, ok := err.(*Error); !ok {
		t.Fatalf("error %T (%v), want *torch.Error", err, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}
