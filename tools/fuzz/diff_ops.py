"""Differential check of libtorchrs against Python torch: random shapes, dtypes, layouts
(contiguous, transposed, sliced, broadcast) and values (with inf, nan, -0) through the C ABI,
compared value by value, dtype, shape, and error against error.

    /work/ref/venv/bin/python tools/fuzz/diff_ops.py [--seed N] [--cases N] [--only NAME]

TORCHRS_LIB=path/to/libtorchrs.so picks the library (default target/release).

A development tool (needs torch; not part of the test command): what it finds becomes fixture
cases in tools/fixtures/gen_*.py."""
import argparse
import os
import random
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from abi import Lib, OpError, Opt, Scalar  # noqa: E402
from more_ops import JOBS as MORE_JOBS, MoreOps  # noqa: E402
from nn_ops import JOBS as NN_JOBS, NnOps  # noqa: E402

FLOATS = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
INTS = [torch.int64, torch.int32, torch.uint8, torch.int8, torch.int16]
ALL = FLOATS + INTS + [torch.bool]
TOL = {torch.float32: (2e-5, 1e-6), torch.float64: (1e-10, 1e-12), torch.float16: (2e-3, 1e-4),
       torch.bfloat16: (1.6e-2, 1e-3)}

UNARY = ("abs neg sign sgn sqrt rsqrt exp exp2 expm1 log log2 log10 log1p sin cos tan asin acos atan sinh cosh "
         "tanh sigmoid relu erf erfc erfinv floor ceil round trunc frac reciprocal isnan isinf isfinite "
         "isposinf isneginf nan_to_num logical_not bitwise_not square lgamma digamma signbit asinh acosh atanh "
         "deg2rad rad2deg i0 sinc positive fix angle").split()
NN_UNARY = "relu6 selu silu mish hardsigmoid hardswish softplus elu celu gelu hardtanh leaky_relu log_sigmoid".split()
BINARY = ("add sub mul div remainder fmod pow atan2 maximum minimum fmax fmin hypot copysign xlogy logaddexp "
          "logaddexp2 floor_divide eq ne lt le gt ge logical_and logical_or logical_xor bitwise_and bitwise_or "
          "bitwise_xor bitwise_left_shift bitwise_right_shift nextafter heaviside ldexp float_power").split()


def values(dtype, shape, rng):
    n = 1
    for s in shape:
        n *= s
    if dtype == torch.bool:
        return torch.tensor([rng.random() < 0.5 for _ in range(n)], dtype=torch.bool).reshape(shape)
    if dtype in INTS:
        lo, hi = (0, 255) if dtype == torch.uint8 else (-20, 20)
        return torch.tensor([rng.randint(lo, hi) for _ in range(n)], dtype=torch.int64).to(dtype).reshape(shape)
    special = [0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1.0, -1.0, 0.5, 1e-30, 3e4, -7.25]
    vals = [rng.choice(special) if rng.random() < 0.15 else rng.gauss(0, 3) for _ in range(n)]
    return torch.tensor(vals, dtype=torch.float64).to(dtype).reshape(shape)


class Input:
    """A tensor made on both sides by the same steps: a contiguous base (a gradient leaf when
    `grad`), then a view of it."""

    def __init__(self, lib, rng, dtype, shape, layout, grad=False):
        self.lib, self.layout, self.grad = lib, layout, grad and dtype in (torch.float32, torch.float64)
        nd = len(shape)
        base_shape = list(shape)
        if layout == "transposed" and nd >= 2:
            base_shape[0], base_shape[-1] = base_shape[-1], base_shape[0]
        elif layout == "sliced" and nd >= 1:
            base_shape[-1] = 2 * shape[-1] + 1
        elif layout == "broadcast" and nd >= 1:
            base_shape[0] = 1
        else:
            self.layout = "contiguous"
        self.base = values(dtype, base_shape, rng)
        self.leaf = lib.tensor(self.base)
        if self.grad:
            self.base.requires_grad_(True)
            h = lib.call("atg_set_requires_grad", self.leaf, 1)[0]
            lib.free(self.leaf)
            self.leaf = h
        b = self.base
        if self.layout == "transposed":
            self.t, self.h = b.transpose(0, -1), lib.call("atg_transpose", self.leaf, 0, nd - 1)[0]
        elif self.layout == "sliced":
            self.t, self.h = b[..., 1::2], lib.call("atg_slice", self.leaf, nd - 1, Opt(1), Opt(None), 2)[0]
        elif self.layout == "broadcast":
            self.t, self.h = b.expand(*shape), lib.call("atg_expand", self.leaf, list(shape), 0)[0]
        else:
            self.t, self.h = b, lib.call("atg_alias", self.leaf)[0]

    def free(self):
        self.lib.free(self.h)
        self.lib.free(self.leaf)

    def describe(self):
        return f"{str(self.t.dtype)[6:]}{list(self.t.shape)} {self.layout}"


def close(a, b):
    """None when `a` (ours) matches `b` (torch), else why not."""
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} != {b.dtype}"
    if list(a.shape) != list(b.shape):
        return f"shape {list(a.shape)} != {list(b.shape)}"
    if a.dtype in TOL:
        rtol, atol = TOL[a.dtype]
        x, y = a.double(), b.double()
        nan_ok = torch.isnan(x) == torch.isnan(y)
        inf_ok = torch.where(torch.isinf(y), x == y, True)
        fin = torch.isfinite(y) & torch.isfinite(x)
        err = torch.where(fin, (x - y).abs() - rtol * y.abs() - atol, 0.0)
        bad = ~nan_ok | ~inf_ok | (err > 0)
        if bad.any():
            i = bad.nonzero()[0].tolist()
            return f"at {i}: ours {a[tuple(i)].item()!r} torch {b[tuple(i)].item()!r} ({int(bad.sum())} of {a.numel()})"
        return None
    if not torch.equal(a, b):
        bad = a != b
        i = bad.nonzero()[0].tolist()
        return f"at {i}: ours {a[tuple(i)].item()!r} torch {b[tuple(i)].item()!r} ({int(bad.sum())} of {a.numel()})"
    return None


class Runner(MoreOps, NnOps):
    def __init__(self, lib, rng):
        self.lib, self.rng = lib, rng
        self.failures = {}
        self.cases = 0
        self.verbose = False
        self.grad_mode = False

    def shape(self, min_dims=0):
        nd = self.rng.randint(max(min_dims, 0), 3)
        return [self.rng.choice([1, 2, 3, 5, 7, 17, 33]) for _ in range(nd)]

    def inp(self, dtype, shape):
        layout = self.rng.choice(["contiguous", "contiguous", "transposed", "sliced", "broadcast"])
        return Input(self.lib, self.rng, dtype, shape, layout, grad=self.grad_mode)

    def run(self, key, desc, torch_fn, ours_fn, inputs):
        self.cases += 1
        if self.verbose:
            print(desc, flush=True)
        try:
            want = torch_fn()
            t_err = None
        except Exception as e:  # noqa: BLE001
            want, t_err = None, f"{type(e).__name__}: {str(e).splitlines()[0]}"
        hs_keep = None
        try:
            hs = ours_fn()
            got = [self.lib.to_torch(h) for h in hs]
            for k, h in enumerate(hs):
                if k == 0 and any(i.grad for i in inputs):
                    hs_keep = h  # kept for the gradient check
                else:
                    self.lib.free(h)
            o_err = None
        except OpError as e:
            got, o_err = None, str(e).splitlines()[0]
        except Exception:
            for i in inputs:
                i.free()
            raise
        why = None
        if t_err and not o_err:
            why = f"torch raises ({t_err[:120]}), we return a value"
        elif o_err and not t_err:
            why = f"we raise ({o_err[:160]}), torch returns a value"
        elif not t_err:
            wants = list(want) if isinstance(want, (tuple, list)) else [want]
            if len(wants) != len(got):
                why = f"{len(got)} outputs, torch {len(wants)}"
            else:
                for g, w in zip(got, wants):
                    why = why or close(g, w)
            if not why and any(i.grad for i in inputs) and isinstance(wants[0], torch.Tensor) and wants[0].requires_grad:
                why = self.grad_check(wants[0], hs_keep, inputs)
        for i in inputs:
            i.free()
        if hs_keep:
            self.lib.free(hs_keep)
        if why:
            self.failures.setdefault(key, []).append(f"{desc}: {why}")

    def grad_check(self, want, out_h, inputs):
        """Gradients of sum(out * w) for each leaf, ours against torch's; None when they agree."""
        w = values(want.dtype, list(want.shape), self.rng).nan_to_num(0.5, 1.0, -1.0).clamp(-2, 2)
        try:
            tg = torch.autograd.grad((want * w).sum(), [i.base for i in inputs if i.grad], allow_unused=True)
        except Exception:  # noqa: BLE001 - torch has no gradient here: nothing to compare
            return None
        wh = self.lib.tensor(w)
        try:
            prod = self.lib.call("atg_mul", out_h, wh)[0]
            loss = self.lib.call("atg_sum", prod, -1)[0]
            self.lib.backward(loss)
            for h in (prod, loss):
                self.lib.free(h)
        except OpError as e:
            return f"backward: we raise ({str(e)[:160]})"
        finally:
            self.lib.free(wh)
        k = 0
        for i in inputs:
            if not i.grad:
                continue
            want_g = tg[k]
            k += 1
            if want_g is None:
                continue
            gh = self.lib.call("atg_grad", i.leaf)
            try:
                got_g = self.lib.to_torch(gh[0]) if gh else None
            except OpError:  # an undefined tensor: no gradient
                got_g = None
            for h in gh:
                self.lib.free(h)
            if got_g is None or got_g.numel() == 0:
                return "no gradient reached an input"
            why = close(got_g, want_g)
            if why:
                return f"gradient {why}"
        return None

    def resolve(self, name, suffixes, second):
        """The `atg_` function for `name` taking (tensor, `second`), trying the suffixes in order."""
        for suf in suffixes:
            c = f"atg_{name}{suf}"
            if self.lib.sigs.get(c) == ["tensor *", "tensor", second]:
                return c
        self.failures.setdefault(f"{name}/signature", []).append(f"no atg_{name}* taking (tensor, {second})")
        return None

    def unary(self, name):
        dt = self.rng.choice(ALL)
        x = self.inp(dt, self.shape())
        fn = getattr(torch, name, None) or getattr(torch.nn.functional, name)
        self.run(f"{name}/{dt}", f"{name}({x.describe()})", lambda: fn(x.t), lambda: self.lib.call(f"atg_{name}", x.h), [x])

    def nn_unary(self, name):
        dt = self.rng.choice(ALL)
        x = self.inp(dt, self.shape())
        fn = getattr(torch.nn.functional, {"log_sigmoid": "logsigmoid"}.get(name, name))
        if name == "gelu":
            ap = self.rng.choice(["none", "tanh"])
            self.run(f"{name}/{dt}", f"gelu({x.describe()}, {ap})", lambda: fn(x.t, approximate=ap),
                     lambda: self.lib.call("atg_gelu", x.h, ap), [x])
            return
        self.run(f"{name}/{dt}", f"{name}({x.describe()})", lambda: fn(x.t), lambda: self.lib.call(f"atg_{name}", x.h), [x])

    def binary(self, name):
        da, db = self.rng.choice(ALL), self.rng.choice(ALL)
        if self.rng.random() < 0.5:
            db = da
        sa = self.shape()
        sb = list(sa)
        r = self.rng.random()
        if r < 0.3 and sb:  # broadcast one dim
            sb[self.rng.randrange(len(sb))] = 1
        elif r < 0.45:
            sb = sb[self.rng.randint(0, len(sb)):]
        if self.rng.random() < 0.5:
            sa, sb = sb, sa
        a, b = self.inp(da, sa), self.inp(db, sb)
        tfn = getattr(torch, name)
        cname = self.resolve(name, ["_tensor", "", "_tensor_tensor"], "tensor")
        if cname is None:
            return
        self.run(f"{name}/{da},{db}", f"{name}({a.describe()}, {b.describe()})", lambda: tfn(a.t, b.t),
                 lambda: self.lib.call(cname, a.h, b.h), [a, b])

    def binary_scalar(self, name):
        da = self.rng.choice(ALL)
        v = self.rng.choice([2, -3, 0, 1.5, -0.5, 2.0, float("inf"), True]) if name != "pow" else self.rng.choice([2, 3, 0.5, -1, 2.0, -2.5, 0])
        a = self.inp(da, self.shape())
        cname = self.resolve(name, ["_scalar", "", "_tensor_scalar"], "scalar")
        if cname is None:
            return
        sv = Scalar(int(v) if isinstance(v, bool) else v)
        if isinstance(v, bool):
            v = int(v)
        self.run(f"{name}_scalar/{da}", f"{name}({a.describe()}, {v!r})", lambda: getattr(torch, name)(a.t, v),
                 lambda: self.lib.call(cname, a.h, sv), [a])

    def div_mode(self):
        da, db = self.rng.choice(ALL), self.rng.choice(ALL)
        s = self.shape()
        a, b = self.inp(da, s), self.inp(db, s)
        mode = self.rng.choice(["trunc", "floor"])
        self.run(f"div_{mode}/{da},{db}", f"div({a.describe()}, {b.describe()}, {mode})",
                 lambda: torch.div(a.t, b.t, rounding_mode=mode), lambda: self.lib.call("atg_div_tensor_mode", a.h, b.h, mode), [a, b])

    def reduction(self, name):
        dt = self.rng.choice(ALL)
        s = self.shape(1)
        x = self.inp(dt, s)
        nd = len(s)
        dims = sorted(self.rng.sample(range(nd), self.rng.randint(1, nd)))
        keep = self.rng.random() < 0.5
        d0 = self.rng.randrange(nd)
        T = {
            "sum": (lambda: torch.sum(x.t, dims, keepdim=keep), lambda: self.lib.call("atg_sum_dim_intlist", x.h, dims, int(keep), -1)),
            "mean": (lambda: torch.mean(x.t, dims, keepdim=keep), lambda: self.lib.call("atg_mean_dim", x.h, dims, int(keep), -1)),
            "amax": (lambda: torch.amax(x.t, dims, keepdim=keep), lambda: self.lib.call("atg_amax", x.h, dims, int(keep))),
            "amin": (lambda: torch.amin(x.t, dims, keepdim=keep), lambda: self.lib.call("atg_amin", x.h, dims, int(keep))),
            "prod": (lambda: torch.prod(x.t, d0, keepdim=keep), lambda: self.lib.call("atg_prod_dim_int", x.h, d0, int(keep), -1)),
            "max": (lambda: tuple(torch.max(x.t, d0, keepdim=keep)), lambda: self.lib.call("atg_max_dim", x.h, d0, int(keep))),
            "min": (lambda: tuple(torch.min(x.t, d0, keepdim=keep)), lambda: self.lib.call("atg_min_dim", x.h, d0, int(keep))),
            "argmax": (lambda: torch.argmax(x.t, d0, keepdim=keep), lambda: self.lib.call("atg_argmax", x.h, Opt(d0), int(keep))),
            "argmin": (lambda: torch.argmin(x.t, d0, keepdim=keep), lambda: self.lib.call("atg_argmin", x.h, Opt(d0), int(keep))),
            "logsumexp": (lambda: torch.logsumexp(x.t, dims, keepdim=keep), lambda: self.lib.call("atg_logsumexp", x.h, dims, int(keep))),
            "all": (lambda: torch.all(x.t, dims, keepdim=keep), lambda: self.lib.call("atg_all_dims", x.h, dims, int(keep))),
            "any": (lambda: torch.any(x.t, dims, keepdim=keep), lambda: self.lib.call("atg_any_dims", x.h, dims, int(keep))),
            "cumsum": (lambda: torch.cumsum(x.t, d0), lambda: self.lib.call("atg_cumsum", x.h, d0, -1)),
            "cumprod": (lambda: torch.cumprod(x.t, d0), lambda: self.lib.call("atg_cumprod", x.h, d0, -1)),
            "softmax": (lambda: torch.softmax(x.t, d0), lambda: self.lib.call("atg_softmax", x.h, d0, -1)),
            "log_softmax": (lambda: torch.log_softmax(x.t, d0), lambda: self.lib.call("atg_log_softmax", x.h, d0, -1)),
            "count_nonzero": (lambda: torch.count_nonzero(x.t, dims), lambda: self.lib.call("atg_count_nonzero_dim_intlist", x.h, dims)),
            "nansum": (lambda: torch.nansum(x.t, dims, keepdim=keep), lambda: self.lib.call("atg_nansum", x.h, dims, int(keep), -1)),
        }
        tf, of = T[name]
        self.run(f"{name}/{dt}", f"{name}({x.describe()}, dims={dims}, d0={d0}, keep={keep})", tf, of, [x])

    def var_std(self, name):
        dt = self.rng.choice(FLOATS + [torch.int64])
        s = self.shape(1)
        x = self.inp(dt, s)
        dims = sorted(self.rng.sample(range(len(s)), self.rng.randint(1, len(s))))
        keep, corr = self.rng.random() < 0.5, self.rng.choice([0, 1, 2])
        fn = getattr(torch, name)
        self.run(f"{name}/{dt}", f"{name}({x.describe()}, {dims}, correction={corr}, keep={keep})",
                 lambda: fn(x.t, dims, correction=corr, keepdim=keep),
                 lambda: self.lib.call(f"atg_{name}_correction", x.h, dims, Scalar(corr), int(keep)), [x])


REDUCTIONS = "sum mean amax amin prod max min argmax argmin logsumexp all any cumsum cumprod softmax log_softmax count_nonzero nansum".split()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=20, help="cases per op")
    ap.add_argument("--only", default=None)
    ap.add_argument("--grad", action="store_true", help="also compare gradients (f32/f64 inputs)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each case before it runs")
    ap.add_argument("--show", type=int, default=2, help="failures shown per op and dtype")
    args = ap.parse_args()
    lib = Lib(os.environ["TORCHRS_LIB"]) if os.environ.get("TORCHRS_LIB") else Lib()
    r = Runner(lib, random.Random(args.seed))
    r.verbose, r.grad_mode = args.verbose, args.grad
    jobs = [(n, r.unary) for n in UNARY] + [(n, r.nn_unary) for n in NN_UNARY] + [(n, r.binary) for n in BINARY]
    jobs += [(n, r.binary_scalar) for n in "add sub mul div remainder fmod pow eq ne lt le gt ge".split()]
    jobs += [(n, getattr(r, m)) for n, m in MORE_JOBS + NN_JOBS]
    jobs += [(n, r.reduction) for n in REDUCTIONS] + [(n, r.var_std) for n in ("var", "std")] + [("div_mode", lambda _: r.div_mode())]
    for name, f in jobs:
        if args.only and name != args.only:
            continue
        for _ in range(args.cases):
            f(name)
    for key, fails in sorted(r.failures.items()):
        print(f"== {key}: {len(fails)} failing")
        for f in fails[: args.show]:
            print("   ", f)
    print(f"{r.cases} cases, {sum(len(v) for v in r.failures.values())} failing in {len(r.failures)} op/dtype groups")


if __name__ == "__main__":
    main()
