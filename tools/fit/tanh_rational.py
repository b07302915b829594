# Fits tanh(x) / x on [0, 9] as P(x^2) / Q(x^2) (Q(0) = 1, degrees 4 and 4) by iteratively
# reweighted least squares on the relative error, and prints the coefficients used by
# the tanh op (src/ops/unary/approx.rs, `impl MaddFn for Tanh`) with their error evaluated in f32
# (about 6 ulp at most, below 1 ulp on average; from |x| = 9.011 on, tanh rounds to +-1 in f32).
# Run with numpy: python3 tools/fit/tanh_rational.py
import numpy as np, math
from rational import fit, f32_eval
L, N = 9.0, 6000
x = np.unique(np.concatenate([np.linspace(0, L, N)[1:], L * (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, N)))[1:]]))
s = x * x
f = np.array([math.tanh(v) / v for v in x])

p, q, e = fit(s, f, 4, 4, 150)
print('relative error of the fit', e, '; Q >= 1 on the range:', np.polyval(q[::-1], s).min() >= 1)
print('p', ', '.join('%.9e' % c for c in p))
print('q', ', '.join('%.9e' % c for c in q))
xs = np.linspace(1e-5, L, 400001)
ref = np.tanh(xs.astype(np.float32).astype(np.float64))
ulp = np.abs(f32_eval(p, q, xs) - ref) / np.spacing(ref.astype(np.float32))
print('f32: max %.2f ulp (at x = %.4f), mean %.2f ulp' % (ulp.max(), xs[ulp.argmax()], ulp.mean()))
