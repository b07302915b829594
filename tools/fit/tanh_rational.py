# Fits tanh(x) / x on [0, 9] as P(x^2) / Q(x^2) (Q(0) = 1, degrees 4 and 4) by iteratively
# reweighted least squares on the relative error, and prints the coefficients used by
# src/ops/unary/approx.rs::tanh_rational_m with their error evaluated in f32 (about 6 ulp at most,
# below 1 ulp on average; beyond |x| = 9, tanh rounds to +-1 in f32). Run with numpy:
# python3 tools/fit/tanh_rational.py
import numpy as np, math
L, N = 9.0, 6000
x = np.unique(np.concatenate([np.linspace(0, L, N)[1:], L * (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, N)))[1:]]))
s = x * x
f = np.array([math.tanh(v) / v for v in x])

def fit(dp, dq, iters=150):
    w = np.ones_like(s); qprev = np.ones_like(s)
    for _ in range(iters):
        # unknowns p0..p_dp, q1..q_dq: P - f * (1 + sum q_k s^k) = 0, weighted to relative error
        A = np.hstack([np.vstack([s**k for k in range(dp + 1)]).T, -(f[:, None] * np.vstack([s**k for k in range(1, dq + 1)]).T)])
        wt = np.sqrt(w) / (f * qprev)
        c, *_ = np.linalg.lstsq(A * wt[:, None], f * wt, rcond=None)
        p = c[:dp + 1]; q = np.concatenate([[1.0], c[dp + 1:]])
        P = np.polyval(p[::-1], s); Q = np.polyval(q[::-1], s)
        err = np.abs(P / Q / f - 1); qprev = Q
        w = w * (err / err.max())**0.5 + 1e-12; w /= w.sum()
    return p, q, err.max()

def f32_eval(p, q, xs):
    x32 = xs.astype(np.float32); s32 = x32 * x32
    P = np.float32(0)
    for c in p[::-1]: P = (P * s32 + np.float32(c)).astype(np.float32)
    Q = np.float32(0)
    for c in q[::-1]: Q = (Q * s32 + np.float32(c)).astype(np.float32)
    return (x32 * P / Q).astype(np.float32)

p, q, e = fit(4, 4)
print('relative error of the fit', e, '; Q >= 1 on the range:', np.polyval(q[::-1], s).min() >= 1)
print('p', ', '.join('%.9e' % c for c in p))
print('q', ', '.join('%.9e' % c for c in q))
xs = np.linspace(1e-5, L, 400001)
ref = np.tanh(xs.astype(np.float32).astype(np.float64))
ulp = np.abs(f32_eval(p, q, xs) - ref) / np.spacing(ref.astype(np.float32))
print('f32: max %.2f ulp (at x = %.4f), mean %.2f ulp' % (ulp.max(), xs[ulp.argmax()], ulp.mean()))
