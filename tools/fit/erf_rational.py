# Fits erf(x) / x on [0, 4] as P(x^2) / Q(x^2) (Q(0) = 1) by iteratively reweighted least squares
# on the relative error, prints each degree pair's f32 error, then the (5, 5) coefficients used by
# src/ops/unary/approx.rs::erf_rational_m. Run with numpy: python3 tools/fit/erf_rational.py
import numpy as np, math
np.set_printoptions(precision=17)
N=4000
x=np.concatenate([np.linspace(0,4,N)[1:], 4*(0.5-0.5*np.cos(np.linspace(0,np.pi,N)))[1:]])
x=np.unique(x)
s=x*x
f=np.array([math.erf(v)/v for v in x])
def fit(dp,dq,iters=60):
    w=np.ones_like(s); qprev=np.ones_like(s)
    for it in range(iters):
        # unknowns p0..pdp, q1..qdq ; P - f*(1+sum q_k s^k) = 0
        A=np.hstack([np.vstack([s**k for k in range(dp+1)]).T, -(f[:,None]*np.vstack([s**k for k in range(1,dq+1)]).T)])
        wt=np.sqrt(w)/(f*qprev)
        c,*_=np.linalg.lstsq(A*wt[:,None], f*wt, rcond=None)
        p=c[:dp+1]; q=np.concatenate([[1.0],c[dp+1:]])
        P=np.polyval(p[::-1],s); Q=np.polyval(q[::-1],s)
        err=np.abs(P/Q/f-1)
        qprev=Q
        w=w*(err/err.max())**0.5+1e-12 ; w/=w.sum()
    return p,q,err.max()
for dp,dq in [(5,4),(6,4),(5,5),(6,5),(4,4)]:
    p,q,e=fit(dp,dq)
    print(dp,dq,e)
    # f32 eval
    x32=np.linspace(1e-4,4,200001).astype(np.float32); s32=x32*x32
    P=np.float32(0); 
    for c in p[::-1]: P=P*s32+np.float32(c)
    Q=np.float32(0)
    for c in q[::-1]: Q=Q*s32+np.float32(c)
    y=(x32*P/Q).astype(np.float32)
    ref=np.array([math.erf(float(v)) for v in x32])
    ulp=np.abs(y-ref)/np.spacing(ref.astype(np.float32))
    print('  f32 max ulp', ulp.max(), 'at', x32[ulp.argmax()], 'p=',repr(p),'q=',repr(q))
print('final')
p,q,e=fit(5,5,100)
for c in p: print('%.9e'%c)
print('q')
for c in q: print('%.9e'%c)
x32=np.float32(4.0); s32=x32*x32
P=np.float32(0)
for c in p[::-1]: P=P*s32+np.float32(c)
Q=np.float32(0)
for c in q[::-1]: Q=Q*s32+np.float32(c)
print('at 4', repr(np.float32(x32*P/Q)))
