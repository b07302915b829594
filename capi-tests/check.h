/* A tiny assertion helper for the C API tests. Each test is a program: CHECK* record a failure
 * (file, line, message) and go on; main ends with `return check_report();`, which prints a
 * summary and returns non-zero when anything failed. */
#ifndef TORCHRS_CHECK_H
#define TORCHRS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "torchrs.h"

static int check_failures = 0;
static int check_count = 0;

static inline void check_fail(const char *file, int line, const char *what) {
  check_failures++;
  fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
}

#define CHECK(cond)                                                                               \
  do {                                                                                            \
    check_count++;                                                                                \
    if (!(cond)) check_fail(__FILE__, __LINE__, #cond);                                           \
  } while (0)

#define CHECK_INT(got, want)                                                                      \
  do {                                                                                            \
    long long g_ = (long long)(got), w_ = (long long)(want);                                      \
    check_count++;                                                                                \
    if (g_ != w_) {                                                                               \
      char m_[256];                                                                               \
      snprintf(m_, sizeof m_, "%s == %lld, expected %lld", #got, g_, w_);                         \
      check_fail(__FILE__, __LINE__, m_);                                                         \
    }                                                                                             \
  } while (0)

#define CHECK_NEAR(got, want, tol)                                                                \
  do {                                                                                            \
    double g_ = (double)(got), w_ = (double)(want);                                               \
    check_count++;                                                                                \
    if (!(fabs(g_ - w_) <= (tol))) {                                                              \
      char m_[256];                                                                               \
      snprintf(m_, sizeof m_, "%s == %.9g, expected %.9g", #got, g_, w_);                         \
      check_fail(__FILE__, __LINE__, m_);                                                         \
    }                                                                                             \
  } while (0)

#define CHECK_STR_CONTAINS(str, part)                                                             \
  do {                                                                                            \
    const char *s_ = (str);                                                                       \
    check_count++;                                                                                \
    if (s_ == NULL || strstr(s_, (part)) == NULL) {                                               \
      char m_[512];                                                                               \
      snprintf(m_, sizeof m_, "%s is \"%s\", expected it to contain \"%s\"", #str,                \
               s_ ? s_ : "(null)", (part));                                                       \
      check_fail(__FILE__, __LINE__, m_);                                                         \
    }                                                                                             \
  } while (0)

/* Fails (and frees the message) when the last call left an error. */
#define CHECK_NO_ERR()                                                                            \
  do {                                                                                            \
    char *e_ = get_and_reset_last_err();                                                          \
    check_count++;                                                                                \
    if (e_ != NULL) {                                                                             \
      char m_[512];                                                                               \
      snprintf(m_, sizeof m_, "unexpected error: %s", e_);                                        \
      check_fail(__FILE__, __LINE__, m_);                                                         \
      free(e_);                                                                                   \
    }                                                                                             \
  } while (0)

/* Checks that the last call failed with a message containing `part`, and clears it. */
#define CHECK_ERR(part)                                                                           \
  do {                                                                                            \
    char *e_ = get_and_reset_last_err();                                                          \
    check_count++;                                                                                \
    if (e_ == NULL) {                                                                             \
      check_fail(__FILE__, __LINE__, "expected an error containing \"" part "\", got none");     \
    } else {                                                                                      \
      if (strstr(e_, (part)) == NULL) {                                                           \
        char m_[512];                                                                             \
        snprintf(m_, sizeof m_, "error \"%s\" does not contain \"%s\"", e_, (part));              \
        check_fail(__FILE__, __LINE__, m_);                                                       \
      }                                                                                           \
      free(e_);                                                                                   \
    }                                                                                             \
  } while (0)

/* Stops the test at once: for a condition the rest of the test depends on. */
#define REQUIRE(cond)                                                                             \
  do {                                                                                            \
    check_count++;                                                                                \
    if (!(cond)) {                                                                                \
      check_fail(__FILE__, __LINE__, "required: " #cond);                                         \
      char *e_ = get_and_reset_last_err();                                                        \
      if (e_) {                                                                                   \
        fprintf(stderr, "  last error: %s\n", e_);                                                \
        free(e_);                                                                                 \
      }                                                                                           \
      exit(1);                                                                                    \
    }                                                                                             \
  } while (0)

static inline int check_report(void) {
  const char *name = getenv("CHECK_NAME");
  if (check_failures) {
    fprintf(stderr, "%s: %d of %d checks failed\n", name ? name : "test", check_failures,
            check_count);
    return 1;
  }
  printf("%s: %d checks passed\n", name ? name : "test", check_count);
  return 0;
}

/* ---- small helpers shared by the tests ---- */

/* A float tensor of the given shape from `data` (kind 6, f32). */
static inline tensor make_f32(const float *data, const int64_t *dims, size_t ndims) {
  tensor t = at_tensor_of_data((void *)data, (int64_t *)dims, ndims, sizeof(float), 6);
  return t;
}

/* A double tensor of the given shape from `data` (kind 7, f64). */
static inline tensor make_f64(const double *data, const int64_t *dims, size_t ndims) {
  return at_tensor_of_data((void *)data, (int64_t *)dims, ndims, sizeof(double), 7);
}

/* A long tensor of the given shape from `data` (kind 4, i64). */
static inline tensor make_i64(const int64_t *data, const int64_t *dims, size_t ndims) {
  return at_tensor_of_data((void *)data, (int64_t *)dims, ndims, sizeof(int64_t), 4);
}

/* The element at (i) / (i, j) as a double. */
static inline double at1(tensor t, int64_t i) {
  int64_t idx[1] = {i};
  return at_double_value_at_indexes(t, idx, 1);
}
static inline double at2(tensor t, int64_t i, int64_t j) {
  int64_t idx[2] = {i, j};
  return at_double_value_at_indexes(t, idx, 2);
}
static inline double at3(tensor t, int64_t i, int64_t j, int64_t k) {
  int64_t idx[3] = {i, j, k};
  return at_double_value_at_indexes(t, idx, 3);
}
/* The value of a 0-dimensional tensor. */
static inline double at0(tensor t) { return at_double_value_at_indexes(t, NULL, 0); }

/* Checks the shape of `t` against dims[0..n). */
#define CHECK_SHAPE(t, ...)                                                                       \
  do {                                                                                            \
    const int64_t want_[] = {__VA_ARGS__};                                                        \
    size_t n_ = sizeof want_ / sizeof want_[0];                                                   \
    int64_t got_[16] = {0};                                                                       \
    CHECK_INT(at_dim(t), n_);                                                                     \
    if (at_dim(t) == n_) {                                                                        \
      at_shape((t), got_);                                                                        \
      for (size_t k_ = 0; k_ < n_; k_++) CHECK_INT(got_[k_], want_[k_]);                          \
    }                                                                                             \
  } while (0)

#endif
