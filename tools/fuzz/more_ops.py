"""The differential check's second family: selection, clamps, blends, casts, matrix products,
indexing, joins, sorting, padding, triangular and diagonal ops (see diff_ops.py)."""
import torch

from abi import Opt, Scalar

FLOATS = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
INTS = [torch.int64, torch.int32, torch.uint8, torch.int8, torch.int16]
ALL = FLOATS + INTS + [torch.bool]


def index_tensor(r, n, shape, bad=0.05):
    """int64 indices into a dim of size n (sometimes out of range, sometimes negative)."""
    vals = []
    count = 1
    for s in shape:
        count *= s
    for _ in range(count):
        x = r.rng.random()
        if x < bad and n >= 0:
            vals.append(n + r.rng.randint(0, 3))
        elif x < 0.2 and n > 0:
            vals.append(-r.rng.randint(1, n))
        else:
            vals.append(r.rng.randint(0, max(n - 1, 0)) if n > 0 else 0)
    return torch.tensor(vals, dtype=torch.int64).reshape(shape)


class MoreOps:
    """Mixed into diff_ops.Runner: each method draws one case of one op."""

    def fixed(self, t):
        """An Input-like wrapper around a given torch tensor (contiguous)."""
        class Fixed:
            pass
        f = Fixed()
        f.t, f.h, f.layout, f.grad = t, self.lib.tensor(t), "contiguous", False
        f.describe = lambda: f"{str(t.dtype)[6:]}{list(t.shape)} given"
        f.free = lambda: self.lib.free(f.h)
        return f

    def where(self, _):
        s = self.shape()
        c = self.inp(torch.bool, s)
        a, b = self.inp(self.rng.choice(ALL), s), self.inp(self.rng.choice(ALL), s[self.rng.randint(0, len(s)):])
        self.run(f"where/{a.t.dtype},{b.t.dtype}", f"where({c.describe()}, {a.describe()}, {b.describe()})",
                 lambda: torch.where(c.t, a.t, b.t), lambda: self.lib.call("atg_where_self", c.h, a.h, b.h), [c, a, b])

    def masked_fill(self, _):
        s = self.shape()
        dt = self.rng.choice(ALL)
        x, m = self.inp(dt, s), self.inp(torch.bool, s[self.rng.randint(0, len(s)):])
        v = self.rng.choice([0, 1, -1, 2.5, 300, True])
        self.run(f"masked_fill/{dt}", f"masked_fill({x.describe()}, {m.describe()}, {v!r})", lambda: x.t.masked_fill(m.t, v),
                 lambda: self.lib.call("atg_masked_fill", x.h, m.h, Scalar(int(v) if isinstance(v, bool) else v)), [x, m])

    def clamp(self, _):
        dt = self.rng.choice(FLOATS + INTS)
        x = self.inp(dt, self.shape())
        if self.rng.random() < 0.5:
            lo, hi = self.rng.choice([-1, 0, -0.5, 2]), self.rng.choice([1, 3, 0.5, -2])
            self.run(f"clamp/{dt}", f"clamp({x.describe()}, {lo}, {hi})", lambda: torch.clamp(x.t, lo, hi),
                     lambda: self.lib.call("atg_clamp", x.h, Scalar(lo), Scalar(hi)), [x])
        else:
            s = list(x.t.shape)
            lo, hi = self.inp(self.rng.choice([dt, torch.float32]), s), self.inp(dt, s[self.rng.randint(0, len(s)):])
            self.run(f"clamp_tensor/{dt}", f"clamp({x.describe()}, {lo.describe()}, {hi.describe()})",
                     lambda: torch.clamp(x.t, lo.t, hi.t), lambda: self.lib.call("atg_clamp_tensor", x.h, lo.h, hi.h), [x, lo, hi])

    def blend(self, name):
        dt = self.rng.choice(FLOATS + [torch.int64])
        s = self.shape()
        a, b, c = self.inp(dt, s), self.inp(dt, s), self.inp(dt, s[self.rng.randint(0, len(s)):])
        if name == "lerp":
            w = self.rng.choice([0.0, 0.25, 1.0, 2.0])
            self.run(f"lerp/{dt}", f"lerp({a.describe()}, {b.describe()}, {w})", lambda: torch.lerp(a.t, b.t, w),
                     lambda: self.lib.call("atg_lerp", a.h, b.h, Scalar(w)), [a, b, c])
        else:
            fn = getattr(torch, name)
            self.run(f"{name}/{dt}", f"{name}({a.describe()}, {b.describe()}, {c.describe()})", lambda: fn(a.t, b.t, c.t),
                     lambda: self.lib.call(f"atg_{name}", a.h, b.h, c.h), [a, b, c])

    def cast(self, _):
        src, dst = self.rng.choice(ALL), self.rng.choice(ALL)
        x = self.inp(src, self.shape())
        from abi import KINDS
        self.run(f"to/{src}->{dst}", f"to({x.describe()}, {dst})", lambda: x.t.to(dst),
                 lambda: self.lib.call("atg_to_dtype", x.h, KINDS[dst], 0, 0), [x])

    def products(self, name):
        dt = self.rng.choice([torch.float32, torch.float32, torch.float64, torch.int64, torch.float16, torch.bfloat16, torch.int32])
        m, k, n = (self.rng.choice([1, 2, 3, 7, 16, 33, 65]) for _ in range(3))
        b = self.rng.choice([1, 2, 3])
        shapes = {"mm": ([m, k], [k, n]), "bmm": ([b, m, k], [b, k, n]), "mv": ([m, k], [k]), "dot": ([k], [k]),
                  "outer": ([m], [n])}
        if name == "matmul":
            sa = self.rng.choice([[k], [m, k], [b, m, k], [1, m, k], [2, 1, m, k]])
            sb = self.rng.choice([[k], [k, n], [b, k, n], [1, k, n], [3, k, n]])
        else:
            sa, sb = shapes[name]
        if self.rng.random() < 0.1:  # a shape mismatch
            sb = [x + 1 for x in sb]
        x, y = self.inp(dt, sa), self.inp(self.rng.choice([dt, dt, dt, torch.float32]), sb)
        fn = getattr(torch, name)
        self.run(f"{name}/{dt}", f"{name}({x.describe()}, {y.describe()})", lambda: fn(x.t, y.t),
                 lambda: self.lib.call(f"atg_{name}", x.h, y.h), [x, y])

    def addmm(self, name):
        dt = self.rng.choice([torch.float32, torch.float64, torch.int64])
        m, k, n = (self.rng.choice([1, 3, 16, 33]) for _ in range(3))
        if name == "addmm":
            c, x, y = self.inp(dt, self.rng.choice([[m, n], [n], [1, n], [m, 1]])), self.inp(dt, [m, k]), self.inp(dt, [k, n])
            self.run(f"addmm/{dt}", f"addmm({c.describe()}, {x.describe()}, {y.describe()})", lambda: torch.addmm(c.t, x.t, y.t),
                     lambda: self.lib.call("atg_addmm", c.h, x.h, y.h), [c, x, y])
        else:
            b = self.rng.choice([1, 2, 4])
            c, x, y = self.inp(dt, [b, m, n]), self.inp(dt, [b, m, k]), self.inp(dt, [b, k, n])
            beta, alpha = self.rng.choice([0, 1, 0.5]), self.rng.choice([1, 2, -1.5])
            if dt != torch.int64 or (isinstance(beta, int) and isinstance(alpha, int)):
                self.run(f"baddbmm/{dt}", f"baddbmm({c.describe()}, {x.describe()}, {y.describe()}, {beta}, {alpha})",
                         lambda: torch.baddbmm(c.t, x.t, y.t, beta=beta, alpha=alpha),
                         lambda: self.lib.call("atg_baddbmm", c.h, x.h, y.h, Scalar(beta), Scalar(alpha)), [c, x, y])
            else:
                for i in (c, x, y):
                    i.free()

    def indexing(self, name):
        dt = self.rng.choice(ALL)
        s = self.shape(1)
        x = self.inp(dt, s)
        d = self.rng.randrange(len(s))
        n = s[d]
        if name == "index_select":
            idx = self.fixed(index_tensor(self, n, [self.rng.randint(0, 6)]))
            self.run(f"index_select/{dt}", f"index_select({x.describe()}, {d}, {idx.t.tolist()})",
                     lambda: torch.index_select(x.t, d, idx.t), lambda: self.lib.call("atg_index_select", x.h, d, idx.h), [x, idx])
        elif name == "gather":
            ishape = [self.rng.randint(1, v) for v in s]
            idx = self.fixed(index_tensor(self, n, ishape, bad=0.02))
            self.run(f"gather/{dt}", f"gather({x.describe()}, {d}, {idx.describe()})", lambda: torch.gather(x.t, d, idx.t),
                     lambda: self.lib.call("atg_gather", x.h, d, idx.h, 0), [x, idx])
        elif name in ("scatter", "scatter_add"):
            ishape = [self.rng.randint(1, v) for v in s]
            # scatter with duplicate indices is order-dependent; unique indices along d per column
            base = torch.stack([torch.randperm(n)[: ishape[d]] for _ in range(max(1, int(torch.tensor(ishape).prod()) // ishape[d]))])
            idx_t = base.reshape(-1)[: int(torch.tensor(ishape).prod())]
            if name == "scatter":
                moved = [ishape[i] for i in range(len(s)) if i != d] + [ishape[d]]
                idx_t = base[: int(torch.tensor(moved[:-1]).prod()) if len(moved) > 1 else 1].reshape(moved).movedim(-1, d).contiguous()
            else:
                idx_t = index_tensor(self, n, ishape, bad=0.02).clamp(min=-n)
            idx = self.fixed(idx_t)
            src = self.inp(dt, ishape)
            fn = getattr(torch, name)
            self.run(f"{name}/{dt}", f"{name}({x.describe()}, {d}, {idx.describe()}, {src.describe()})",
                     lambda: fn(x.t, d, idx.t, src.t), lambda: self.lib.call(f"atg_{name}", x.h, d, idx.h, src.h), [x, idx, src])
        elif name == "masked_select":
            m = self.inp(torch.bool, s[self.rng.randint(0, len(s)):])
            self.run(f"masked_select/{dt}", f"masked_select({x.describe()}, {m.describe()})", lambda: torch.masked_select(x.t, m.t),
                     lambda: self.lib.call("atg_masked_select", x.h, m.h), [x, m])
        elif name == "take":
            idx = self.fixed(index_tensor(self, x.t.numel(), [self.rng.randint(0, 5), 2]))
            self.run(f"take/{dt}", f"take({x.describe()}, {idx.t.tolist()})", lambda: torch.take(x.t, idx.t),
                     lambda: self.lib.call("atg_take", x.h, idx.h), [x, idx])
        elif name == "nonzero":
            self.run(f"nonzero/{dt}", f"nonzero({x.describe()})", lambda: torch.nonzero(x.t), lambda: self.lib.call("atg_nonzero", x.h), [x])
        elif name == "index":
            k = self.rng.randint(1, len(s))
            if self.rng.random() < 0.3:
                m = self.inp(torch.bool, s[:k])
                idx = [m]
            else:
                ishape = self.rng.choice([[3], [2, 2], [1]])
                idx = [self.fixed(index_tensor(self, s[i], ishape, bad=0.02)) for i in range(k)]
            self.run(f"index/{dt}", f"index({x.describe()}, {[i.describe() for i in idx]})", lambda: x.t[tuple(i.t for i in idx)],
                     lambda: self.lib.call("atg_index", x.h, tuple(i.h for i in idx)), [x] + idx)
        elif name == "index_put":
            ishape = [self.rng.randint(1, 4)]
            idx = self.fixed(index_tensor(self, s[0], ishape, bad=0.02))
            acc = self.rng.random() < 0.5
            if not acc:  # unique positions (duplicates are order-dependent)
                idx = self.fixed(torch.randperm(s[0])[: ishape[0]])
            v = self.inp(dt, [idx.t.shape[0]] + s[1:])
            self.run(f"index_put/{dt}", f"index_put({x.describe()}, {idx.describe()}, {v.describe()}, acc={acc})",
                     lambda: x.t.index_put((idx.t,), v.t, accumulate=acc),
                     lambda: self.lib.call("atg_index_put", x.h, (idx.h,), v.h, int(acc)), [x, idx, v])

    def reshape_ops(self, name):
        dt = self.rng.choice(ALL)
        s = self.shape(1)
        x = self.inp(dt, s)
        nd = len(s)
        if name == "flip":
            dims = self.rng.sample(range(nd), self.rng.randint(1, nd))
            self.run(f"flip/{dt}", f"flip({x.describe()}, {dims})", lambda: torch.flip(x.t, dims), lambda: self.lib.call("atg_flip", x.h, dims), [x])
        elif name == "roll":
            dims = self.rng.sample(range(nd), self.rng.randint(1, nd))
            shifts = [self.rng.randint(-40, 40) for _ in dims]
            self.run(f"roll/{dt}", f"roll({x.describe()}, {shifts}, {dims})", lambda: torch.roll(x.t, shifts, dims),
                     lambda: self.lib.call("atg_roll", x.h, shifts, dims), [x])
        elif name == "repeat":
            reps = [self.rng.randint(1, 3) for _ in range(nd + self.rng.randint(0, 1))]
            self.run(f"repeat/{dt}", f"repeat({x.describe()}, {reps})", lambda: x.t.repeat(*reps), lambda: self.lib.call("atg_repeat", x.h, reps), [x])
        elif name in ("cat", "stack"):
            d = self.rng.randrange(nd + (1 if name == "stack" else 0))
            others = []
            for _ in range(self.rng.randint(0, 2)):
                s2 = list(s)
                if name == "cat" and d < nd:
                    s2[d] = self.rng.randint(0, 4)
                others.append(self.inp(self.rng.choice([dt, dt, torch.float32, torch.int64]), s2))
            ins = [x] + others
            fn = getattr(torch, name)
            self.run(f"{name}/{dt}", f"{name}({[i.describe() for i in ins]}, {d})", lambda: fn([i.t for i in ins], d),
                     lambda: self.lib.call(f"atg_{name}", tuple(i.h for i in ins), d), ins)
        elif name in ("sort", "argsort"):
            d, desc = self.rng.randrange(nd), self.rng.random() < 0.5
            if dt == torch.bool or x.t.unique().numel() != x.t.numel():
                # ties: only the values are defined (PyTorch's default sort is not stable)
                self.run(f"sort_values/{dt}", f"sort({x.describe()}, {d}, desc={desc})", lambda: torch.sort(x.t, d, desc)[0],
                         lambda: self.lib.call("atg_sort", x.h, d, int(desc))[:1], [x])
            else:
                fn = getattr(torch, name)
                self.run(f"{name}/{dt}", f"{name}({x.describe()}, {d}, desc={desc})",
                         lambda: tuple(fn(x.t, d, desc)) if name == "sort" else fn(x.t, d, desc),
                         lambda: self.lib.call(f"atg_{name}", x.h, d, int(desc)), [x])
        elif name == "topk":
            d = self.rng.randrange(nd)
            k = self.rng.randint(0, s[d] + 1)
            largest = self.rng.random() < 0.5
            if x.t.unique().numel() != x.t.numel():
                self.run(f"topk_values/{dt}", f"topk({x.describe()}, {k}, {d}, largest={largest})", lambda: torch.topk(x.t, k, d, largest)[0],
                         lambda: self.lib.call("atg_topk", x.h, k, d, int(largest), 1)[:1], [x])
            else:
                self.run(f"topk/{dt}", f"topk({x.describe()}, {k}, {d}, largest={largest})", lambda: tuple(torch.topk(x.t, k, d, largest)),
                         lambda: self.lib.call("atg_topk", x.h, k, d, int(largest), 1), [x])
        elif name in ("tril", "triu"):
            diag = self.rng.randint(-3, 3)
            fn = getattr(torch, name)
            self.run(f"{name}/{dt}", f"{name}({x.describe()}, {diag})", lambda: fn(x.t, diag), lambda: self.lib.call(f"atg_{name}", x.h, diag), [x])
        elif name == "diagonal":
            off = self.rng.randint(-3, 3)
            d1, d2 = (self.rng.sample(range(nd), 2) if nd >= 2 else (0, 0))
            self.run(f"diagonal/{dt}", f"diagonal({x.describe()}, {off}, {d1}, {d2})", lambda: torch.diagonal(x.t, off, d1, d2),
                     lambda: self.lib.call("atg_diagonal", x.h, off, d1, d2), [x])
        elif name == "diag":
            off = self.rng.randint(-3, 3)
            self.run(f"diag/{dt}", f"diag({x.describe()}, {off})", lambda: torch.diag(x.t, off), lambda: self.lib.call("atg_diag", x.h, off), [x])
        elif name == "trace":
            self.run(f"trace/{dt}", f"trace({x.describe()})", lambda: torch.trace(x.t), lambda: self.lib.call("atg_trace", x.h), [x])
        elif name == "pad":
            mode = self.rng.choice(["constant", "reflect", "replicate", "circular"])
            npad = self.rng.randint(1, min(nd, 3))
            pads = [self.rng.randint(-1 if mode == "constant" else 0, 3) for _ in range(2 * npad)]
            val = self.rng.choice([None, 1.5]) if mode == "constant" else None
            tf = lambda: torch.nn.functional.pad(x.t, pads, mode, value=val)  # noqa: E731
            self.run(f"pad_{mode}/{dt}", f"pad({x.describe()}, {pads}, {mode}, {val})", tf,
                     lambda: self.lib.call("atg_pad", x.h, pads, mode, Opt(val)), [x])
        elif name == "one_hot":
            idx = self.fixed(torch.randint(0, 5, s))
            nc = self.rng.choice([-1, 5, 7, 3])
            self.run("one_hot", f"one_hot({idx.describe()}, {nc})", lambda: torch.nn.functional.one_hot(idx.t, nc),
                     lambda: self.lib.call("atg_one_hot", idx.h, nc), [x, idx])
        elif name in ("cummax", "logcumsumexp", "kthvalue", "median", "mode"):
            d = self.rng.randrange(nd)
            keep = self.rng.random() < 0.5
            if name == "cummax":
                self.run(f"cummax/{dt}", f"cummax({x.describe()}, {d})", lambda: torch.cummax(x.t, d)[0],
                         lambda: self.lib.call("atg_cummax", x.h, d)[:1], [x])
            elif name == "logcumsumexp":
                self.run(f"logcumsumexp/{dt}", f"logcumsumexp({x.describe()}, {d})", lambda: torch.logcumsumexp(x.t, d),
                         lambda: self.lib.call("atg_logcumsumexp", x.h, d), [x])
            elif name == "kthvalue":
                k = self.rng.randint(1, s[d])
                self.run(f"kthvalue/{dt}", f"kthvalue({x.describe()}, {k}, {d})", lambda: torch.kthvalue(x.t, k, d, keep)[0],
                         lambda: self.lib.call("atg_kthvalue", x.h, k, d, int(keep))[:1], [x])
            elif name == "median":
                self.run(f"median/{dt}", f"median({x.describe()}, {d})", lambda: torch.median(x.t, d, keep)[0],
                         lambda: self.lib.call("atg_median_dim", x.h, d, int(keep))[:1], [x])
            else:
                self.run(f"mode/{dt}", f"mode({x.describe()}, {d})", lambda: torch.mode(x.t, d, keep)[0],
                         lambda: self.lib.call("atg_mode", x.h, d, int(keep))[:1], [x])
        elif name == "unique":
            sorted_, inv, cnt = True, self.rng.random() < 0.5, self.rng.random() < 0.5
            self.run(f"unique/{dt}", f"unique({x.describe()}, inverse={inv}, counts={cnt})",
                     lambda: tuple(torch._unique2(x.t, sorted_, inv, cnt)),
                     lambda: self.lib.call("atg__unique2", x.h, int(sorted_), int(inv), int(cnt)), [x])
        elif name == "norm":
            p = self.rng.choice([1, 2, 3, 0.5, float("inf"), float("-inf"), 0])
            dims = sorted(self.rng.sample(range(nd), self.rng.randint(1, nd)))
            keep = self.rng.random() < 0.5
            self.run(f"norm/{dt}", f"norm({x.describe()}, {p}, {dims}, {keep})", lambda: torch.norm(x.t, p, dims, keep),
                     lambda: self.lib.call("atg_norm_scalaropt_dim", x.h, Scalar(p), dims, int(keep)), [x])


JOBS = ([("where", "where"), ("masked_fill", "masked_fill"), ("clamp", "clamp"), ("cast", "cast")]
        + [(n, "blend") for n in ("lerp", "addcmul", "addcdiv")]
        + [(n, "products") for n in ("mm", "bmm", "mv", "dot", "outer", "matmul")]
        + [(n, "addmm") for n in ("addmm", "baddbmm")]
        + [(n, "indexing") for n in ("index_select", "gather", "scatter", "scatter_add", "masked_select", "take", "nonzero", "index", "index_put")]
        + [(n, "reshape_ops") for n in ("flip", "roll", "repeat", "cat", "stack", "sort", "argsort", "topk", "tril", "triu", "diagonal",
                                        "diag", "trace", "pad", "one_hot", "cummax", "logcumsumexp", "kthvalue", "median", "mode",
                                        "unique", "norm")])
