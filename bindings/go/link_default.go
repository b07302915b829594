//go:build !torchrs_pkgconfig

package torch

// The library of this checkout (cargo build --release in the repository root). CGO_CFLAGS and
// CGO_LDFLAGS come before these flags, so they can point elsewhere.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -Wl,-rpath,${SRCDIR}/../../target/release -ltorchrs -lm -ldl -lpthread
*/
import "C"
