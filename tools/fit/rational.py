# Rational fits shared by the fit scripts here: f(x) ~ P(s) / Q(s) in s = x^2 (Q(0) = 1) by
# iteratively reweighted least squares on the relative error, and the fit evaluated in f32.
import numpy as np


def fit(s, f, dp, dq, iters):
    """Coefficients p (degree dp) and q (degree dq, q[0] = 1), low order first, and the fit's
    largest relative error on the points s."""
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
    """x P(x^2) / Q(x^2) evaluated in f32 (Horner steps, one division)."""
    x32 = np.asarray(xs).astype(np.float32); s32 = x32 * x32
    P = np.float32(0)
    for c in p[::-1]: P = (P * s32 + np.float32(c)).astype(np.float32)
    Q = np.float32(0)
    for c in q[::-1]: Q = (Q * s32 + np.float32(c)).astype(np.float32)
    return (x32 * P / Q).astype(np.float32)
