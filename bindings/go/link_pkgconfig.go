//go:build torchrs_pkgconfig

package torch

// An installed library, found with `pkg-config torchrs` (build with -tags torchrs_pkgconfig).

/*
#cgo pkg-config: torchrs
*/
import "C"
