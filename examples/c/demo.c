/* torchrs C demo: fits a linear model y = X w + b by gradient descent, with tensors and ops from
 * libtorchrs's C API (the tch / torch-sys C ABI).
 *
 *   make demo        (builds the library, compiles this file against include/torchrs.h, runs it)
 *
 * Each step computes, for N points with D features (X is N x (D+1), its last column all ones):
 *   pred = X @ w;  err = pred - y;  grad = X^T @ err * (2 / N);  w = w - lr * grad
 * and prints the mean squared error now and then. The data is made here, deterministically:
 * y = X @ w_true plus a small fixed "noise". Exits non-zero if the fit is off or a call fails. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "torchrs.h"

#define N 256
#define D 3
#define STEPS 300
#define LR 0.1

/* Stops with the library's message when the last call failed. */
static void check(const char *what) {
  char *e = get_and_reset_last_err();
  if (e) {
    fprintf(stderr, "demo: %s failed: %s\n", what, e);
    free(e);
    exit(1);
  }
}

/* out = op(a, b) for an op with one output. */
static tensor op2(void (*op)(tensor *, tensor, tensor), tensor a, tensor b, const char *what) {
  tensor out[1] = {NULL};
  op(out, a, b);
  check(what);
  return out[0];
}

static tensor scaled(tensor a, double s) {
  scalar k = ats_float(s);
  tensor out[1] = {NULL};
  atg_mul_scalar(out, a, k);
  ats_free(k);
  check("mul_scalar");
  return out[0];
}

static double mse(tensor err) {
  tensor sq = op2(atg_mul, err, err, "mul");
  tensor out[1] = {NULL};
  atg_mean(out, sq, -1);
  check("mean");
  double v = at_double_value_at_indexes(out[0], NULL, 0);
  check("value");
  at_free(out[0]);
  at_free(sq);
  return v;
}

int main(void) {
  const double w_true[D + 1] = {2.0, -3.0, 0.5, 1.0}; /* the last one is the bias */

  /* the data: features in [-1, 1) from a small LCG, a ones column, and y with fixed noise */
  static float xs[N * (D + 1)], ys[N];
  unsigned int seed = 12345;
  for (int i = 0; i < N; i++) {
    double y = 0;
    for (int j = 0; j <= D; j++) {
      double v = 1.0;
      if (j < D) {
        seed = seed * 1103515245u + 12345u;
        v = ((seed >> 8) & 0xFFFF) / 32768.0 - 1.0;
      }
      xs[i * (D + 1) + j] = (float)v;
      y += w_true[j] * v;
    }
    ys[i] = (float)(y + 0.01 * sin(i * 0.7));
  }
  int64_t xdims[2] = {N, D + 1}, ydims[2] = {N, 1}, wdims[2] = {D + 1, 1};
  tensor x = at_tensor_of_data(xs, xdims, 2, sizeof(float), 6);
  check("tensor_of_data X");
  tensor y = at_tensor_of_data(ys, ydims, 2, sizeof(float), 6);
  check("tensor_of_data y");
  tensor out[1] = {NULL};
  atg_zeros(out, wdims, 2, 6, -1);
  check("zeros");
  tensor w = out[0];
  atg_transpose(out, x, 0, 1); /* a view: no copy */
  check("transpose");
  tensor xt = out[0];

  printf("torchrs demo: linear regression on %d points, %d features, by gradient descent\n", N, D);
  double loss = 0;
  for (int step = 0; step <= STEPS; step++) {
    tensor pred = op2(atg_matmul, x, w, "matmul");
    tensor err = op2(atg_sub, pred, y, "sub");
    loss = mse(err);
    if (step % 50 == 0) printf("  step %3d  mse %.6f\n", step, loss);
    if (step < STEPS) {
      tensor g = op2(atg_matmul, xt, err, "matmul");
      tensor step_ = scaled(g, LR * 2.0 / N);
      tensor w2 = op2(atg_sub, w, step_, "sub");
      at_free(w);
      w = w2;
      at_free(step_);
      at_free(g);
    }
    at_free(err);
    at_free(pred);
  }

  float wf[D + 1];
  at_copy_data(w, wf, D + 1, sizeof(float));
  check("copy_data");
  int ok = loss < 1e-3;
  printf("  true weights:   ");
  for (int j = 0; j <= D; j++) printf(" %7.4f", w_true[j]);
  printf("   (last: bias)\n  learned weights:");
  for (int j = 0; j <= D; j++) {
    printf(" %7.4f", wf[j]);
    if (fabs(wf[j] - w_true[j]) > 0.01) ok = 0;
  }
  printf("\n  final mse %.6f: %s\n", loss, ok ? "fit ok" : "FIT FAILED");

  at_free(xt);
  at_free(w);
  at_free(y);
  at_free(x);
  return ok ? 0 : 1;
}
