"""The differential check's layer family: convolutions, pooling, normalization, embeddings,
losses, resampling (see diff_ops.py)."""
import torch
import torch.nn.functional as F

from abi import Opt, Scalar

FL = [torch.float32, torch.float32, torch.float64]


class NnOps:
    """Mixed into diff_ops.Runner: each method draws one case of one layer op."""

    def pick(self, *xs):
        return self.rng.choice(xs)

    def conv(self, name):
        dt = self.rng.choice(FL)
        nd = {"conv1d": 1, "conv2d": 2, "conv3d": 1 + 2 * (self.rng.random() < 0.5), "conv_transpose2d": 2}[name]
        if name == "conv3d":
            nd = 3
        g = self.pick(1, 1, 2)
        cin, cout = g * self.pick(1, 2, 3), g * self.pick(1, 2)
        k = [self.pick(1, 2, 3) for _ in range(nd)]
        sp = [self.pick(4, 5, 7) for _ in range(nd)]
        stride = [self.pick(1, 2) for _ in range(nd)]
        pad = [self.pick(0, 1) for _ in range(nd)]
        dil = [self.pick(1, 1, 2) for _ in range(nd)]
        n = self.pick(1, 2)
        x = self.inp(dt, [n, cin] + sp)
        if name == "conv_transpose2d":
            w = self.inp(dt, [cin, cout // g] + k)
            opad = [self.rng.randint(0, max(s, d) - 1) for s, d in zip(stride, dil)]
        else:
            w = self.inp(dt, [cout, cin // g] + k)
        b = self.inp(dt, [cout]) if self.rng.random() < 0.7 else None
        ins = [x, w] + ([b] if b else [])
        bh, bt = (b.h, b.t) if b else (None, None)
        if name == "conv_transpose2d":
            self.run(f"{name}/{dt}", f"{name}({x.describe()}, {w.describe()}, bias={b is not None}, s={stride}, p={pad}, op={opad}, g={g}, d={dil})",
                     lambda: F.conv_transpose2d(x.t, w.t, bt, stride, pad, opad, g, dil),
                     lambda: self.lib.call("atg_conv_transpose2d", x.h, w.h, bh, stride, pad, opad, g, dil), ins)
        else:
            fn = getattr(F, name)
            self.run(f"{name}/{dt}", f"{name}({x.describe()}, {w.describe()}, bias={b is not None}, s={stride}, p={pad}, d={dil}, g={g})",
                     lambda: fn(x.t, w.t, bt, stride, pad, dil, g),
                     lambda: self.lib.call(f"atg_{name}", x.h, w.h, bh, stride, pad, dil, g), ins)

    def pool(self, name):
        dt = self.rng.choice(FL)
        nd = 1 if name.endswith("1d") else 2
        sp = [self.pick(4, 5, 8, 9) for _ in range(nd)]
        x = self.inp(dt, [self.pick(1, 2), self.pick(1, 3)] + sp)
        k = [self.pick(1, 2, 3) for _ in range(nd)]
        stride = [self.pick(1, 2, 3) for _ in range(nd)]
        pad = [self.rng.randint(0, kk // 2) for kk in k]
        ceil = self.rng.random() < 0.3
        if name.startswith("max_pool"):
            dil = [self.pick(1, 1, 2) for _ in range(nd)]
            fn = getattr(F, name)
            self.run(f"{name}/{dt}", f"{name}({x.describe()}, k={k}, s={stride}, p={pad}, d={dil}, ceil={ceil})",
                     lambda: fn(x.t, k, stride, pad, dil, ceil), lambda: self.lib.call(f"atg_{name}", x.h, k, stride, pad, dil, int(ceil)), [x])
        elif name == "avg_pool2d":
            cip = self.rng.random() < 0.5
            div = self.pick(None, None, 3)
            self.run(f"{name}/{dt}", f"{name}({x.describe()}, k={k}, s={stride}, p={pad}, ceil={ceil}, cip={cip}, div={div})",
                     lambda: F.avg_pool2d(x.t, k, stride, pad, ceil, cip, div),
                     lambda: self.lib.call("atg_avg_pool2d", x.h, k, stride, pad, int(ceil), int(cip), Opt(div)), [x])
        elif name == "avg_pool1d":
            cip = self.rng.random() < 0.5
            self.run(f"{name}/{dt}", f"{name}({x.describe()}, k={k}, s={stride}, p={pad}, ceil={ceil}, cip={cip})",
                     lambda: F.avg_pool1d(x.t, k, stride, pad, ceil, cip),
                     lambda: self.lib.call("atg_avg_pool1d", x.h, k, stride, pad, int(ceil), int(cip)), [x])
        else:
            out = [self.pick(1, 2, 3, 5) for _ in range(nd)]
            fn = getattr(F, name)
            self.run(f"{name}/{dt}", f"{name}({x.describe()}, {out})",
                     lambda: fn(x.t, out), lambda: self.lib.call(f"atg_{name}", x.h, out)[:1], [x])

    def norm(self, name):
        dt = self.rng.choice(FL)
        c = self.pick(2, 3, 4)
        x = self.inp(dt, [self.pick(1, 2, 4), c] + [self.pick(1, 3, 5) for _ in range(self.pick(0, 1, 2))])
        if name == "batch_norm":
            train = self.rng.random() < 0.5
            w, b = self.inp(dt, [c]), self.inp(dt, [c])
            rm, rv = torch.randn(c, dtype=dt), torch.rand(c, dtype=dt) + 0.5
            rmh, rvh = self.lib.tensor(rm), self.lib.tensor(rv)
            n_el = x.t.numel() // c
            if train and n_el <= 1:
                w.free(), b.free(), x.free()
                return
            self.run(f"batch_norm/{dt}", f"batch_norm({x.describe()}, train={train})",
                     lambda: F.batch_norm(x.t, rm.clone(), rv.clone(), w.t, b.t, train, 0.1, 1e-5),
                     lambda: self.lib.call("atg_batch_norm", x.h, w.h, b.h, rmh, rvh, int(train), 0.1, 1e-5, 0), [x, w, b])
            self.lib.free(rmh), self.lib.free(rvh)
        elif name == "layer_norm":
            ns = list(x.t.shape[-self.rng.randint(1, x.t.dim() - 1):]) if x.t.dim() > 2 else [c]
            w, b = self.inp(dt, ns), self.inp(dt, ns)
            self.run(f"layer_norm/{dt}", f"layer_norm({x.describe()}, {ns})", lambda: F.layer_norm(x.t, ns, w.t, b.t, 1e-5),
                     lambda: self.lib.call("atg_layer_norm", x.h, ns, w.h, b.h, 1e-5, 0), [x, w, b])
        elif name == "group_norm":
            g = self.pick(1, c)
            w, b = self.inp(dt, [c]), self.inp(dt, [c])
            self.run(f"group_norm/{dt}", f"group_norm({x.describe()}, {g})", lambda: F.group_norm(x.t, g, w.t, b.t, 1e-5),
                     lambda: self.lib.call("atg_group_norm", x.h, g, w.h, b.h, 1e-5, 0), [x, w, b])
        elif name == "instance_norm":
            if x.t.dim() < 3:
                x.free()
                return
            w, b = self.inp(dt, [c]), self.inp(dt, [c])
            self.run(f"instance_norm/{dt}", f"instance_norm({x.describe()})", lambda: F.instance_norm(x.t, None, None, w.t, b.t, True, 0.1, 1e-5),
                     lambda: self.lib.call("atg_instance_norm", x.h, w.h, b.h, None, None, 1, 0.1, 1e-5, 0), [x, w, b])

    def losses(self, name):
        dt = self.rng.choice(FL)
        red = self.pick(0, 1, 2)
        rname = ["none", "mean", "sum"][red]
        n, c = self.pick(1, 3, 6), self.pick(2, 4, 5)
        if name in ("cross_entropy", "nll_loss"):
            extra = [self.pick(2, 3) for _ in range(self.pick(0, 0, 1))]
            x = self.inp(dt, [n, c] + extra)
            probs = name == "cross_entropy" and self.rng.random() < 0.2
            tgt_t = torch.softmax(torch.randn([n, c] + extra, dtype=dt), 1) if probs else torch.randint(0, c, [n] + extra)
            if not probs and self.rng.random() < 0.05:
                tgt_t[0] = c + 2  # out of range
            tgt = self.fixed(tgt_t)
            wt = self.fixed(torch.rand(c, dtype=dt) + 0.2) if self.rng.random() < 0.4 else None
            ign = self.pick(-100, -100, 1)
            ls = self.pick(0.0, 0.0, 0.1) if name == "cross_entropy" else 0.0
            ins = [x, tgt] + ([wt] if wt else [])
            wh, wtt = (wt.h, wt.t) if wt else (None, None)
            if name == "cross_entropy":
                self.run(f"cross_entropy/{dt}", f"cross_entropy({x.describe()}, probs={probs}, w={wt is not None}, ign={ign}, ls={ls}, {rname})",
                         lambda: F.cross_entropy(x.t, tgt.t, wtt, ignore_index=ign, reduction=rname, label_smoothing=ls),
                         lambda: self.lib.call("atg_cross_entropy_loss", x.h, tgt.h, wh, red, ign, ls), ins)
            else:
                self.run(f"nll_loss/{dt}", f"nll_loss({x.describe()}, w={wt is not None}, ign={ign}, {rname})",
                         lambda: F.nll_loss(x.t, tgt.t, wtt, ignore_index=ign, reduction=rname),
                         lambda: self.lib.call("atg_nll_loss" if x.t.dim() == 2 else "atg_nll_loss_nd", x.h, tgt.h, wh, red, ign), ins)
        else:
            s = [n, c]
            x, y = self.inp(dt, s), self.inp(dt, s)
            if name == "mse_loss":
                self.run(f"mse/{dt}", f"mse({x.describe()}, {rname})", lambda: F.mse_loss(x.t, y.t, reduction=rname),
                         lambda: self.lib.call("atg_mse_loss", x.h, y.h, red), [x, y])
            elif name == "smooth_l1_loss":
                beta = self.pick(0.0, 0.5, 1.0)
                self.run(f"smooth_l1/{dt}", f"smooth_l1({x.describe()}, {beta}, {rname})", lambda: F.smooth_l1_loss(x.t, y.t, reduction=rname, beta=beta),
                         lambda: self.lib.call("atg_smooth_l1_loss", x.h, y.h, red, beta), [x, y])
            elif name == "bce_logits":
                tgt = self.fixed(torch.rand(s, dtype=dt))
                pw = self.fixed(torch.rand(c, dtype=dt) + 0.5)
                self.run(f"bce_logits/{dt}", f"bce_logits({x.describe()}, {rname})",
                         lambda: F.binary_cross_entropy_with_logits(x.t, tgt.t, None, reduction=rname, pos_weight=pw.t),
                         lambda: self.lib.call("atg_binary_cross_entropy_with_logits", x.h, tgt.h, None, pw.h, red), [x, y, tgt, pw])

    def resample(self, name):
        dt = self.rng.choice(FL)
        x = self.inp(dt, [self.pick(1, 2), self.pick(1, 3), self.pick(2, 3, 5), self.pick(2, 4, 7)])
        out = [self.pick(1, 3, 4, 8), self.pick(2, 5, 9)]
        if name == "nearest":
            self.run(f"upsample_nearest2d/{dt}", f"nearest({x.describe()}, {out})", lambda: F.interpolate(x.t, out, mode="nearest"),
                     lambda: self.lib.call("atg_upsample_nearest2d", x.h, out, Opt(None), Opt(None)), [x])
        elif name in ("bilinear", "bicubic"):
            ac = self.rng.random() < 0.5
            self.run(f"upsample_{name}2d/{dt}", f"{name}({x.describe()}, {out}, ac={ac})", lambda: F.interpolate(x.t, out, mode=name, align_corners=ac),
                     lambda: self.lib.call(f"atg_upsample_{name}2d", x.h, out, int(ac), Opt(None), Opt(None)), [x])
        elif name == "pixel_shuffle":
            r = self.pick(1, 2)
            y = self.inp(dt, [1, 3 * r * r, 2, 3])
            x.free()
            self.run(f"pixel_shuffle/{dt}", f"pixel_shuffle({y.describe()}, {r})", lambda: F.pixel_shuffle(y.t, r),
                     lambda: self.lib.call("atg_pixel_shuffle", y.h, r), [y])
        elif name == "unfold":
            d = self.rng.randrange(4)
            size, step = self.pick(1, 2), self.pick(1, 2)
            self.run(f"unfold/{dt}", f"unfold({x.describe()}, {d}, {size}, {step})", lambda: x.t.unfold(d, size, step),
                     lambda: self.lib.call("atg_unfold", x.h, d, size, step), [x])
        elif name == "grid_sample":
            n, h, w = x.t.shape[0], self.pick(2, 3), self.pick(2, 4)
            grid = self.inp(dt, [n, h, w, 2])
            mode, pmode, ac = self.pick(0, 1, 2), self.pick(0, 1, 2), self.rng.random() < 0.5
            names = (["bilinear", "nearest", "bicubic"][mode], ["zeros", "border", "reflection"][pmode])
            self.run(f"grid_sampler/{dt}/{names[0]}", f"grid_sample({x.describe()}, {grid.describe()}, {names}, ac={ac})",
                     lambda: F.grid_sample(x.t, grid.t.clamp(-1.5, 1.5).nan_to_num(0.3), names[0], names[1], ac),
                     lambda: self.lib.call("atg_grid_sampler", x.h, self.clamped(grid), mode, pmode, int(ac)), [x, grid])

    def clamped(self, inp):
        """Our side of `inp.t.clamp(-1.5, 1.5).nan_to_num(0.3)` (a new handle, freed later)."""
        c = self.lib.call("atg_clamp", inp.h, Scalar(-1.5), Scalar(1.5))[0]
        n = self.lib.call("atg_nan_to_num", c, Opt(0.3), Opt(None), Opt(None))[0]
        self.lib.free(c)
        return n

    def misc(self, name):
        dt = self.rng.choice(FL)
        if name == "embedding":
            w = self.inp(dt, [self.pick(3, 7), self.pick(1, 4)])
            idx = self.fixed(torch.randint(0, w.t.shape[0], [self.pick(1, 3), self.pick(1, 4)]))
            pi = self.pick(-1, -1, 1)
            self.run(f"embedding/{dt}", f"embedding({w.describe()}, pad={pi})", lambda: F.embedding(idx.t, w.t, pi if pi >= 0 else None),
                     lambda: self.lib.call("atg_embedding", w.h, idx.h, pi, 0, 0), [w, idx])
        elif name == "glu":
            x = self.inp(dt, [self.pick(2, 4), self.pick(2, 6)])
            d = self.pick(0, 1, -1)
            self.run(f"glu/{dt}", f"glu({x.describe()}, {d})", lambda: F.glu(x.t, d), lambda: self.lib.call("atg_glu", x.h, d), [x])
        elif name == "prelu":
            c = self.pick(1, 3)
            x = self.inp(dt, [2, 3, self.pick(1, 4)])
            w = self.inp(dt, [c])
            self.run(f"prelu/{dt}", f"prelu({x.describe()}, {w.describe()})", lambda: F.prelu(x.t, w.t), lambda: self.lib.call("atg_prelu", x.h, w.h), [x, w])
        elif name == "threshold":
            x = self.inp(dt, self.shape())
            th, v = self.pick(0.0, 0.5, -1.0), self.pick(0.0, 2.0)
            self.run(f"threshold/{dt}", f"threshold({x.describe()}, {th}, {v})", lambda: F.threshold(x.t, th, v),
                     lambda: self.lib.call("atg_threshold", x.h, Scalar(th), Scalar(v)), [x])


JOBS = ([(n, "conv") for n in ("conv1d", "conv2d", "conv3d", "conv_transpose2d")]
        + [(n, "pool") for n in ("max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d")]
        + [(n, "norm") for n in ("batch_norm", "layer_norm", "group_norm", "instance_norm")]
        + [(n, "losses") for n in ("cross_entropy", "nll_loss", "mse_loss", "smooth_l1_loss", "bce_logits")]
        + [(n, "resample") for n in ("nearest", "bilinear", "bicubic", "pixel_shuffle", "unfold", "grid_sample")]
        + [(n, "misc") for n in ("embedding", "glu", "prelu", "threshold")])
