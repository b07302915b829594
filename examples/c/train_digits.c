/* Trains a small MLP (64-128-10, ReLU, Adam, cross-entropy) on the UCI handwritten digits
 * through torchrs's C API, printing one line per epoch and the final test accuracy.
 *   usage: train_digits DIGITS.csv [EPOCHS]
 * Data: E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits", UCI ML
 * Repository, CC BY 4.0 (1,797 rows of 64 pixels 0..16 and a label). */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "torchrs.h"

#define NPIX 64
#define NCLASS 10
#define HIDDEN 128
#define BATCH 64

/* Exits with the library's message when the last call failed. */
static void check(const char *what) {
  char *err = get_and_reset_last_err();
  if (err) {
    fprintf(stderr, "%s failed: %s\n", what, err);
    free(err);
    exit(1);
  }
}

static tensor out1(void) { return NULL; }

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A parameter of the given shape, uniform in [-bound, bound], requiring grad. */
static tensor param(int64_t *shape, int ndim, double bound) {
  tensor t[1] = {out1()};
  atg_empty(t, shape, ndim, 6 /* f32 */, -1 /* cpu */);
  check("empty");
  tensor r[1];
  atg_uniform_(r, t[0], -bound, bound);
  check("uniform_");
  at_free(r[0]);
  atg_requires_grad_(r, t[0], 1);
  check("requires_grad_");
  at_free(r[0]);
  return t[0];
}

static tensor forward(tensor x, tensor w1, tensor b1, tensor w2, tensor b2) {
  tensor h[1], a[1], o[1];
  atg_linear(h, x, w1, b1);
  check("linear");
  atg_relu(a, h[0]);
  check("relu");
  atg_linear(o, a[0], w2, b2);
  check("linear");
  at_free(h[0]);
  at_free(a[0]);
  return o[0];
}

/* Fraction of rows whose argmax matches the label. */
static double accuracy(tensor logits, tensor labels) {
  tensor am[1], eq[1], s[1];
  atg_argmax(am, logits, 1, 0, 0);
  check("argmax");
  atg_eq_tensor(eq, am[0], labels);
  check("eq");
  atg_sum(s, eq[0], 6);
  check("sum");
  double correct = at_double_value_at_indexes(s[0], NULL, 0);
  int64_t n;
  at_shape(labels, &n);
  at_free(am[0]);
  at_free(eq[0]);
  at_free(s[0]);
  return correct / (double)n;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DIGITS.csv [EPOCHS]\n", argv[0]);
    return 2;
  }
  int epochs = argc > 2 ? atoi(argv[2]) : 20;
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  int cap = 2000, n = 0;
  float *pix = malloc(sizeof(float) * cap * NPIX);
  int64_t *lab = malloc(sizeof(int64_t) * cap);
  while (n < cap) {
    int v, ok = 1;
    for (int j = 0; j < NPIX && ok; j++) {
      ok = fscanf(f, "%d,", &v) == 1;
      pix[n * NPIX + j] = v / 16.0f;
    }
    if (!ok || fscanf(f, "%d", &v) != 1) break;
    lab[n++] = v;
  }
  fclose(f);
  int ntrain = n * 4 / 5, ntest = n - ntrain;
  printf("digits: %d images (%d train, %d test), MLP 64-%d-10, Adam, batch %d\n", n, ntrain, ntest, HIDDEN, BATCH);

  at_manual_seed(42);
  int64_t xs_shape[2] = {n, NPIX}, ys_shape[1] = {n};
  tensor xs = at_tensor_of_data(pix, xs_shape, 2, 4, 6);
  tensor ys = at_tensor_of_data(lab, ys_shape, 1, 8, 4);
  check("tensor_of_data");
  /* a seeded random split: the file is ordered by writer, so its last rows are not like the rest */
  tensor order[1], itr[1], ite[1], xtr[1], ytr[1], xte[1], yte[1];
  atg_randperm(order, n, 4, -1);
  atg_narrow(itr, order[0], 0, 0, ntrain);
  atg_narrow(ite, order[0], 0, ntrain, ntest);
  atg_index_select(xtr, xs, 0, itr[0]);
  atg_index_select(ytr, ys, 0, itr[0]);
  atg_index_select(xte, xs, 0, ite[0]);
  atg_index_select(yte, ys, 0, ite[0]);
  check("split");
  at_free(order[0]);
  at_free(itr[0]);
  at_free(ite[0]);

  int64_t s1[2] = {HIDDEN, NPIX}, s2[1] = {HIDDEN}, s3[2] = {NCLASS, HIDDEN}, s4[1] = {NCLASS};
  tensor w1 = param(s1, 2, 0.125), b1 = param(s2, 1, 0.125);
  tensor w2 = param(s3, 2, 0.088), b2 = param(s4, 1, 0.088);
  optimizer opt = ato_adam(1e-2, 0.9, 0.999, 0.0, 1e-8, false);
  check("adam");
  tensor params[4] = {w1, b1, w2, b2};
  for (int i = 0; i < 4; i++) ato_add_parameters(opt, params[i], 0);
  check("add_parameters");

  double t0 = now();
  for (int e = 1; e <= epochs; e++) {
    double te = now(), loss_sum = 0;
    int nb = 0;
    tensor perm[1];
    atg_randperm(perm, ntrain, 4, -1);
    check("randperm");
    for (int start = 0; start < ntrain; start += BATCH, nb++) {
      int len = ntrain - start < BATCH ? ntrain - start : BATCH;
      tensor idx[1], xb[1], yb[1], loss[1];
      atg_narrow(idx, perm[0], 0, start, len);
      atg_index_select(xb, xtr[0], 0, idx[0]);
      atg_index_select(yb, ytr[0], 0, idx[0]);
      check("batch");
      tensor logits = forward(xb[0], w1, b1, w2, b2);
      atg_cross_entropy_loss(loss, logits, yb[0], NULL, 1, -100, 0.0);
      check("cross_entropy");
      ato_zero_grad(opt);
      at_backward(loss[0], 0, 0);
      check("backward");
      ato_step(opt);
      check("step");
      loss_sum += at_double_value_at_indexes(loss[0], NULL, 0);
      at_free(idx[0]);
      at_free(xb[0]);
      at_free(yb[0]);
      at_free(logits);
      at_free(loss[0]);
    }
    at_free(perm[0]);
    int prev = at_grad_set_enabled(0);
    tensor lt = forward(xtr[0], w1, b1, w2, b2);
    double acc = accuracy(lt, ytr[0]);
    at_free(lt);
    at_grad_set_enabled(prev);
    printf("epoch %2d  loss %.4f  train accuracy %5.1f%%  %.0f ms\n", e, loss_sum / nb, 100 * acc, 1000 * (now() - te));
  }
  at_grad_set_enabled(0);
  tensor lt = forward(xte[0], w1, b1, w2, b2);
  double acc = accuracy(lt, yte[0]);
  printf("test accuracy: %.1f%% (%d images) after %d epochs in %.2f s\n", 100 * acc, ntest, epochs, now() - t0);
  at_free(lt);
  for (int i = 0; i < 4; i++) at_free(params[i]);
  ato_free(opt);
  at_free(xs);
  at_free(ys);
  at_free(xtr[0]);
  at_free(ytr[0]);
  at_free(xte[0]);
  at_free(yte[0]);
  free(pix);
  free(lab);
  return acc >= 0.95 ? 0 : 3;
}
