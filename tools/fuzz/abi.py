"""ctypes access to libtorchrs's C ABI for the differential checks: tensors in and out of torch,
and `atg_*` calls with argument types read from include/torchrs.h."""
import ctypes as C
import re
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
KINDS = {torch.uint8: 0, torch.int8: 1, torch.int16: 2, torch.int32: 3, torch.int64: 4, torch.float16: 5,
         torch.float32: 6, torch.float64: 7, torch.bool: 11, torch.bfloat16: 15}
DTYPES = {v: k for k, v in KINDS.items()}
CTYPES = {"tensor *": C.c_void_p, "tensor": C.c_void_p, "scalar": C.c_void_p, "int64_t": C.c_int64, "int": C.c_int,
          "uint8_t": C.c_uint8, "double": C.c_double, "const int64_t *": C.POINTER(C.c_int64),
          "const char *": C.c_char_p, "size_t": C.c_size_t, "const tensor *": C.POINTER(C.c_void_p)}


class OpError(Exception):
    pass


class Lib:
    def __init__(self, path=ROOT / "target/release/libtorchrs.so"):
        self.lib = C.CDLL(str(path))
        self.sigs = self._signatures()
        L = self.lib
        L.get_and_reset_last_err.restype = C.c_void_p
        L.at_tensor_of_data.restype = C.c_void_p
        L.at_tensor_of_data.argtypes = [C.c_void_p, C.POINTER(C.c_int64), C.c_size_t, C.c_size_t, C.c_int]
        L.at_copy_data.argtypes = [C.c_void_p, C.c_void_p, C.c_size_t, C.c_size_t]
        L.at_dim.restype = C.c_size_t
        L.at_dim.argtypes = [C.c_void_p]
        L.at_shape.argtypes = [C.c_void_p, C.POINTER(C.c_int64)]
        L.at_scalar_type.argtypes = [C.c_void_p]
        L.at_free.argtypes = [C.c_void_p]
        L.ats_int.restype = C.c_void_p
        L.ats_int.argtypes = [C.c_int64]
        L.ats_float.restype = C.c_void_p
        L.ats_float.argtypes = [C.c_double]
        L.ats_free.argtypes = [C.c_void_p]
        L.at_backward.argtypes = [C.c_void_p, C.c_int, C.c_int]

    def _signatures(self):
        text = (ROOT / "include/torchrs.h").read_text()
        sigs = {}
        for m in re.finditer(r"void (atg_\w+)\(([^)]*)\);", text):
            params = [p.strip() for p in m.group(2).replace("\n", " ").split(",")]
            types = []
            for p in params:
                t = re.sub(r"\s*\w+$", "", p).strip()
                t = re.sub(r"\s+", " ", t).replace(" *", " *")
                types.append(t)
            sigs[m.group(1)] = types
        return sigs

    def check(self):
        p = self.lib.get_and_reset_last_err()
        if p:
            msg = C.string_at(p).decode(errors="replace")
            C.CDLL(None).free(C.c_void_p(p))
            raise OpError(msg)

    def tensor(self, t: torch.Tensor):
        t = t.detach().contiguous()
        kind = KINDS[t.dtype]
        raw = t.view(torch.int16) if t.dtype == torch.bfloat16 else t
        arr = np.ascontiguousarray(raw.numpy())
        dims = (C.c_int64 * max(t.dim(), 1))(*t.shape)
        h = self.lib.at_tensor_of_data(arr.ctypes.data, dims, t.dim(), t.element_size(), kind)
        self.check()
        return h

    def to_torch(self, h):
        nd = self.lib.at_dim(h)
        dims = (C.c_int64 * max(nd, 1))()
        self.lib.at_shape(h, dims)
        shape = [dims[i] for i in range(nd)]
        kind = self.lib.at_scalar_type(h)
        self.check()
        if kind not in DTYPES:
            raise OpError(f"unsupported result kind {kind}")
        dt = DTYPES[kind]
        out = torch.empty(shape, dtype=dt)
        raw = out.view(torch.int16) if dt == torch.bfloat16 else out
        arr = raw.numpy()
        self.lib.at_copy_data(h, arr.ctypes.data, out.numel(), out.element_size())
        self.check()
        return out

    def call(self, name, *args):
        """Calls atg_`name` with python args (handles for tensors, `Scalar` for scalars, lists for
        int arrays and tuples of handles for tensor lists as (ptr, len) pairs, str as (ptr, len),
        `Opt` for optional numbers as (value, is-null); trailing optionals left out are None).
        Returns the output handles."""
        fn = getattr(self.lib, name)
        types = self.sigs[name]
        out = (C.c_void_p * 8)()
        cargs = [out]
        scalars = []
        i = 1
        for a in args:
            t = types[i]
            if isinstance(a, Scalar):
                s = self.lib.ats_float(a.v) if isinstance(a.v, float) else self.lib.ats_int(a.v)
                scalars.append(s)
                cargs.append(C.c_void_p(s))
                i += 1
            elif isinstance(a, tuple):
                assert t == "const tensor *", (name, i, t)
                cargs += [(C.c_void_p * max(len(a), 1))(*a), C.c_int(len(a))]
                i += 2
            elif isinstance(a, list):
                assert t == "const int64_t *", (name, i, t)
                cargs += [(C.c_int64 * max(len(a), 1))(*a), C.c_int(len(a))]
                i += 2
            elif isinstance(a, str):
                b = a.encode()
                cargs += [C.c_char_p(b), C.c_int(len(b))]
                i += 2
            elif isinstance(a, Opt):
                cargs += [CTYPES[t](a.v if a.v is not None else 0), C.c_uint8(1 if a.v is None else 0)]
                i += 2
            else:
                cargs.append(CTYPES[t](a) if t != "tensor" else C.c_void_p(a))
                i += 1
        while i + 1 < len(types) and types[i + 1] == "uint8_t":  # trailing optionals: None
            cargs += [CTYPES[types[i]](0), C.c_uint8(1)]
            i += 2
        assert i == len(types), (name, i, types)
        fn.restype = None
        fn(*cargs)
        for s in scalars:
            self.lib.ats_free(C.c_void_p(s))
        self.check()
        return [out[j] for j in range(8) if out[j]]

    def backward(self, h):
        self.lib.at_backward(C.c_void_p(h), 0, 0)
        self.check()

    def free(self, h):
        self.lib.at_free(C.c_void_p(h))


class Scalar:
    def __init__(self, v):
        self.v = v


class Opt:
    """An optional int64 or double argument (value, is-null pair)."""
    def __init__(self, v):
        self.v = v
