/* ops_probe: times common ops on 1000x1000 f32 through the C ABI (atg_*), so one binary runs on
 * libtorchrs or on real libtorch (LD_LIBRARY_PATH picks). Prints "op microseconds" per op: the
 * best of three loops of 60 calls. usage: ops_probe [SUBSTRING] (only ops whose name contains it).
 * Driven by benches/probe.sh, which runs both libraries and prints the ratios. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "torchrs.h"

static tensor a, b, ab, unit, mask, idx;
static scalar half, one_half, one, twenty;

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

/* Each case fills out[] and returns how many tensors it produced. */
typedef int (*op_fn)(tensor *out);
static int64_t dim0[1] = {0}, dim1[1] = {1}, reps[2] = {2, 1}, shift3[1] = {3};

static int var1(tensor *o) { atg_var_correction(o, a, dim1, 1, one_half, 0); return 1; }
static int std_all(tensor *o) { atg_std(o, a, 1); return 1; }
static int norm(tensor *o) { atg_norm(o, a); return 1; }
static int logsumexp1(tensor *o) { atg_logsumexp(o, a, dim1, 1, 0); return 1; }
static int prod(tensor *o) { atg_prod(o, ab, 6); return 1; }
static int cumprod1(tensor *o) { atg_cumprod(o, a, 1, 6); return 1; }
static int sort1(tensor *o) { atg_sort(o, a, 1, 0); return 2; }
static int argsort1(tensor *o) { atg_argsort(o, a, 1, 0); return 1; }
static int clamp(tensor *o) { atg_clamp(o, a, half, one_half); return 1; }
static int clamp_min(tensor *o) { atg_clamp_min(o, a, half); return 1; }
static int where(tensor *o) { atg_where_self(o, mask, a, b); return 1; }
static int masked_fill(tensor *o) { atg_masked_fill(o, a, mask, half); return 1; }
static int pow_tt(tensor *o) { atg_pow(o, ab, b); return 1; }
static int pow_ts(tensor *o) { atg_pow_tensor_scalar(o, a, one_half); return 1; }
static int div_(tensor *o) { atg_div(o, a, b); return 1; }
static int eq(tensor *o) { atg_eq_tensor(o, a, b); return 1; }
static int flip0(tensor *o) { atg_flip(o, a, dim0, 1); return 1; }
static int roll1(tensor *o) { atg_roll(o, a, shift3, 1, dim1, 1); return 1; }
static int repeat(tensor *o) { atg_repeat(o, a, reps, 2); return 1; }
static int tril(tensor *o) { atg_tril(o, a, 0); return 1; }
static int cat1(tensor *o) { tensor p[2] = {a, b}; atg_cat(o, p, 2, 1); return 1; }
static int gather1(tensor *o) { atg_gather(o, a, 1, idx, 0); return 1; }
static int sigmoid_bw(tensor *o) { atg_sigmoid_backward(o, a, b); return 1; }
static int tanh_bw(tensor *o) { atg_tanh_backward(o, a, b); return 1; }
static int threshold_bw(tensor *o) { atg_threshold_backward(o, a, b, half); return 1; }
static int silu_bw(tensor *o) { atg_silu_backward(o, a, b); return 1; }
static int leaky_relu(tensor *o) { atg_leaky_relu(o, a); return 1; }
static int elu(tensor *o) { atg_elu(o, a); return 1; }
static int silu(tensor *o) { atg_silu(o, a); return 1; }
static int mish(tensor *o) { atg_mish(o, a); return 1; }
static int softplus(tensor *o) { atg_softplus(o, a); return 1; }
static int hardswish(tensor *o) { atg_hardswish(o, a); return 1; }
static int sin_(tensor *o) { atg_sin(o, a); return 1; }
static int cos_(tensor *o) { atg_cos(o, a); return 1; }
static int log_(tensor *o) { atg_log(o, ab); return 1; }
static int sqrt_(tensor *o) { atg_sqrt(o, ab); return 1; }
static int erf_(tensor *o) { atg_erf(o, a); return 1; }
static int atan2_(tensor *o) { atg_atan2(o, a, b); return 1; }
static int lerp(tensor *o) { atg_lerp(o, a, b, half); return 1; }
static int addcmul(tensor *o) { atg_addcmul(o, a, a, b); return 1; }
static int mean0(tensor *o) { atg_mean_dim(o, a, dim0, 1, 0, 6); return 1; }
static int sum0(tensor *o) { atg_sum_dim_intlist(o, a, dim0, 1, 0, 6); return 1; }
static int var_mean(tensor *o) { atg_var_mean(o, a, 1); return 2; }
static int mul_scalar(tensor *o) { atg_mul_scalar(o, a, one_half); return 1; }
static int abs_(tensor *o) { atg_abs(o, a); return 1; }
static int neg(tensor *o) { atg_neg(o, a); return 1; }
static int tan_(tensor *o) { atg_tan(o, a); return 1; }
static int asin_(tensor *o) { atg_asin(o, unit); return 1; }
static int acos_(tensor *o) { atg_acos(o, unit); return 1; }
static int atan_(tensor *o) { atg_atan(o, a); return 1; }
static int sinh_(tensor *o) { atg_sinh(o, a); return 1; }
static int cosh_(tensor *o) { atg_cosh(o, a); return 1; }
static int log2_(tensor *o) { atg_log2(o, ab); return 1; }
static int log10_(tensor *o) { atg_log10(o, ab); return 1; }
static int log1p_(tensor *o) { atg_log1p(o, ab); return 1; }
static int exp2_(tensor *o) { atg_exp2(o, a); return 1; }
static int expm1_(tensor *o) { atg_expm1(o, a); return 1; }
static int gelu_bw(tensor *o) { atg_gelu_backward(o, b, a, "none", 4); return 1; }
static int gelu_tanh_bw(tensor *o) { atg_gelu_backward(o, b, a, "tanh", 4); return 1; }
static int mish_bw(tensor *o) { atg_mish_backward(o, b, a); return 1; }
static int softplus_bw(tensor *o) { atg_softplus_backward(o, b, a, one, twenty); return 1; }
static int64_t shape2[2] = {1000, 1000};
static int randn_(tensor *o) { atg_randn(o, shape2, 2, 6, -1); return 1; }
static int rand_(tensor *o) { atg_rand(o, shape2, 2, 6, -1); return 1; }
static int randint_(tensor *o) { atg_randint(o, 1000, shape2, 2, 4, -1); return 1; }
static int bernoulli_(tensor *o) { atg_bernoulli_p(o, a, 0.3); return 1; }
static int dropout_(tensor *o) { atg_dropout(o, a, 0.5, 1); return 1; }
static int exponential_(tensor *o) { atg_exponential(o, a, 1.0); return 1; }

static const struct { const char *name; op_fn fn; } cases[] = {
    {"var1", var1}, {"std_all", std_all}, {"norm", norm}, {"logsumexp1", logsumexp1},
    {"prod", prod}, {"cumprod1", cumprod1}, {"sort1", sort1}, {"argsort1", argsort1},
    {"clamp", clamp}, {"clamp_min", clamp_min}, {"where", where}, {"masked_fill", masked_fill},
    {"pow_tt", pow_tt}, {"pow_ts", pow_ts}, {"div", div_}, {"eq", eq}, {"flip0", flip0},
    {"roll1", roll1}, {"repeat", repeat}, {"tril", tril}, {"cat1", cat1}, {"gather1", gather1},
    {"sigmoid_bw", sigmoid_bw}, {"tanh_bw", tanh_bw}, {"threshold_bw", threshold_bw},
    {"silu_bw", silu_bw}, {"leaky_relu", leaky_relu}, {"elu", elu}, {"silu", silu},
    {"mish", mish}, {"softplus", softplus}, {"hardswish", hardswish}, {"sin", sin_},
    {"cos", cos_}, {"log", log_}, {"sqrt", sqrt_}, {"erf", erf_}, {"atan2", atan2_},
    {"lerp", lerp}, {"addcmul", addcmul}, {"mean0", mean0}, {"sum0", sum0},
    {"var_mean", var_mean}, {"mul_scalar", mul_scalar}, {"abs", abs_}, {"neg", neg},
    {"tan", tan_}, {"asin", asin_}, {"acos", acos_}, {"atan", atan_}, {"sinh", sinh_},
    {"cosh", cosh_}, {"log2", log2_}, {"log10", log10_}, {"log1p", log1p_}, {"exp2", exp2_},
    {"expm1", expm1_}, {"gelu_bw", gelu_bw}, {"gelu_tanh_bw", gelu_tanh_bw}, {"mish_bw", mish_bw},
    {"softplus_bw", softplus_bw}, {"randn", randn_}, {"rand", rand_}, {"randint", randint_},
    {"bernoulli", bernoulli_}, {"dropout", dropout_}, {"exponential", exponential_},
};

int main(int argc, char **argv) {
  int64_t size[2] = {1000, 1000}, idx_size[2] = {1000, 100};
  tensor t[1];
  atg_randn(t, size, 2, 6, -1); a = t[0];
  atg_randn(t, size, 2, 6, -1); b = t[0];
  atg_abs(t, a); ab = t[0];
  atg_tanh(t, a); unit = t[0];
  atg_gt_tensor(t, a, b); mask = t[0];
  atg_randint(t, 1000, idx_size, 2, 4, -1); idx = t[0];
  half = ats_float(0.5);
  one_half = ats_float(1.5);
  one = ats_int(1);
  twenty = ats_int(20);
  char *err = get_and_reset_last_err();
  if (err) { fprintf(stderr, "setup failed: %s\n", err); return 1; }
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    if (argc > 1 && !strstr(cases[k].name, argv[1])) continue;
    double best = 1e18;
    int failed = 0;
    for (int round = 0; round < 3 && !failed; round++) {
      double t0 = now_ns();
      for (int i = 0; i < 60; i++) {
        tensor out[2];
        int n = cases[k].fn(out);
        err = get_and_reset_last_err();
        if (err) { printf("%s failed: %s\n", cases[k].name, err); free(err); failed = 1; break; }
        for (int q = 0; q < n; q++) at_free(out[q]);
      }
      double us = (now_ns() - t0) / 60 / 1000;
      if (us < best) best = us;
    }
    if (!failed) printf("%s %.1f\n", cases[k].name, best);
  }
  return 0;
}
