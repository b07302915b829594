// Package torch is the Go binding of torchrs, a pure-Rust replacement for libtorch behind the
// C ABI of tch-rs.
//
// It links the library through cgo: by default against ../../target/release (libtorchrs.so,
// built with `cargo build --release` in the repository root), with an rpath, so `go test`
// works in a checkout. Point it elsewhere with the usual cgo variables, which take precedence
// over the defaults:
//
//	CGO_CFLAGS="-I/opt/torchrs/include" CGO_LDFLAGS="-L/opt/torchrs/lib -Wl,-rpath,/opt/torchrs/lib" go build
//
// or, for an installed library, build with the torchrs_pkgconfig tag to use
// `pkg-config torchrs` instead of the checkout paths.
//
// # The API
//
// A [Tensor] owns one handle of the library. The hand-written layer covers the common work:
// creation from Go slices ([FromSlice], [Zeros], [Ones], [Rand], [Randn], [Arange]), arithmetic,
// matrix products, reductions, views, indexing, values back as Go slices, autograd
// ([Tensor.Backward], [Tensor.Grad], [NoGrad]), optimizers ([Optimizer]), layers ([Linear],
// [Sequential]) and losses ([MSELoss], [CrossEntropyLoss]). Every op of the C API is also
// reachable through the generated Atg* functions (one per atg_* function, e.g. [AtgConv2d]).
//
// Every fallible call returns an error (an [*Error] holding the library's message); each has a
// Must form that panics instead, and [Must] turns any (value, error) pair into a value. Ops the
// library does not implement yet fail with "torchrs: <op> is not implemented"
// ([IsNotImplemented] reports those).
//
// # Errors and threads
//
// The library keeps its last error in a thread-local slot. cgo may move a goroutine to another
// OS thread between two C calls, so every call here goes through a small C helper that runs the
// op and takes the error in the same C call. Grad mode is thread-local too: [NoGrad] locks the
// goroutine to its OS thread while it runs.
//
// # Memory
//
// Call [Tensor.Free] (or Close) when a tensor is no longer needed; a finalizer frees forgotten
// ones, but only when the Go garbage collector runs, which knows nothing of the tensor's size.
// Freeing a handle never invalidates other handles or the autograd graph: the library counts
// references. A Tensor must not be freed while another goroutine uses it.
package torch

/*
#include "capi.h"
*/
import "C"

import (
	"errors"
	"strings"
	"unsafe"
)

// Error is an error reported by the library (its message, e.g. "torchrs: argument 'self' is a
// NULL tensor handle"), or by this package ("torch: ...").
type Error struct {
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// IsNotImplemented reports whether err says that the library does not implement an op yet.
func IsNotImplemented(err error) bool {
	var e *Error
	return errors.As(err, &e) && strings.HasPrefix(e.Msg, "torchrs: ") && strings.HasSuffix(e.Msg, " is not implemented")
}

// Must returns v, or panics with err when it is not nil: torch.Must(torch.AtgRelu(x)).
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// must panics when err is not nil.
func must(err error) {
	if err != nil {
		panic(err)
	}
}

// Opt returns a pointer to v, for the optional arguments of the generated functions:
// torch.AtgArgmax(x, torch.Opt(int64(1)), false).
func Opt[T any](v T) *T { return &v }

// errorf builds an error of this package.
func errorf(msg string) error { return &Error{Msg: "torch: " + msg} }

// cErr turns an error string from a C helper into an error, freeing the string.
func cErr(msg *C.char) error {
	if msg == nil {
		return nil
	}
	s := C.GoString(msg)
	C.free(unsafe.Pointer(msg))
	return &Error{Msg: s}
}

// ManualSeed seeds the library's random generator.
func ManualSeed(seed int64) {
	C.at_manual_seed(C.int64_t(seed))
}
