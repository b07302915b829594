# Fits erf(x) / x on [0, 4] as P(x^2) / Q(x^2) (Q(0) = 1) by iteratively reweighted least squares
# on the relative error, prints each degree pair's f32 error, then the (5, 5) coefficients used by
# src/ops/unary/approx.rs::erf_rational_m. Run with numpy: python3 tools/fit/erf_rational.py
import numpy as np, math
import rational
np.set_printoptions(precision=17)
N=4000
x=np.concatenate([np.linspace(0,4,N)[1:], 4*(0.5-0.5*np.cos(np.linspace(0,np.pi,N)))[1:]])
x=np.unique(x)
s=x*x
f=np.array([math.erf(v)/v for v in x])
def fit(dp,dq,iters=60):
    return rational.fit(s,f,dp,dq,iters)
for dp,dq in [(5,4),(6,4),(5,5),(6,5),(4,4)]:
    p,q,e=fit(dp,dq)
    print(dp,dq,e)
    # f32 eval
    x32=np.linspace(1e-4,4,200001).astype(np.float32)
    y=rational.f32_eval(p,q,x32)
    ref=np.array([math.erf(float(v)) for v in x32])
    ulp=np.abs(y-ref)/np.spacing(ref.astype(np.float32))
    print('  f32 max ulp', ulp.max(), 'at', x32[ulp.argmax()], 'p=',repr(p),'q=',repr(q))
print('final')
p,q,e=fit(5,5,100)
for c in p: print('%.9e'%c)
print('q')
for c in q: print('%.9e'%c)
print('at 4', repr(rational.f32_eval(p,q,np.float32(4.0))))
