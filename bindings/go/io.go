package torch

/*
#include "capi.h"
*/
import "C"

import (
	"runtime"
	"sort"
	"unsafe"
)

// Save writes t to path in libtorch's format (torch::save).
func (t *Tensor) Save(path string) error {
	p := C.CString(path)
	defer C.free(unsafe.Pointer(p))
	msg := C.trs_save(t.ptr(), p)
	runtime.KeepAlive(t)
	return cErr(msg)
}

// Load reads a tensor written by Save (or torch::save).
func Load(path string) (*Tensor, error) {
	p := C.CString(path)
	defer C.free(unsafe.Pointer(p))
	var h C.tensor
	return cTensorOut(h, C.trs_load(&h, p))
}

// SaveNamed writes named tensors (a model's parameters, say) to path, in name order.
func SaveNamed(tensors map[string]*Tensor, path string) error {
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	cnames := make([]*C.char, len(names)+1)
	hs := make(cTensorArray, len(names)+1)
	for i, n := range names {
		cnames[i] = C.CString(n)
		defer C.free(unsafe.Pointer(cnames[i]))
		hs[i] = tensors[n].ptr()
	}
	p := C.CString(path)
	defer C.free(unsafe.Pointer(p))
	msg := C.trs_save_multi(hs.ptr(), &cnames[0], C.int(len(names)), p)
	runtime.KeepAlive(tensors)
	runtime.KeepAlive(hs)
	return cErr(msg)
}

// LoadNamed reads every named tensor of a file written by SaveNamed (or torch::save of a
// module's parameters).
func LoadNamed(path string) (map[string]*Tensor, error) {
	p := C.CString(path)
	defer C.free(unsafe.Pointer(p))
	var names **C.char
	var hs *C.tensor
	var n C.int
	if err := cErr(C.trs_load_named(p, &names, &hs, &n)); err != nil {
		return nil, err
	}
	out := make(map[string]*Tensor, int(n))
	if n > 0 {
		ns := unsafe.Slice(names, int(n))
		ts := unsafe.Slice(hs, int(n))
		for i := range ns {
			name := C.GoString(ns[i])
			C.free(unsafe.Pointer(ns[i]))
			if old, dup := out[name]; dup {
				old.Free()
			}
			out[name] = newTensor(ts[i])
		}
	}
	C.free(unsafe.Pointer(names))
	C.free(unsafe.Pointer(hs))
	return out, nil
}
