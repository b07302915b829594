/* Error paths: every failing call leaves a message in this thread's slot (read and cleared by
 * get_and_reset_last_err, a malloc'd string the caller frees), returns NULL / 0, and a failed
 * atg_* call leaves NULL in out__[0]. Under memcheck this also shows that failures leak nothing. */
#include "check.h"

/* A non-NULL value the library must overwrite with NULL on failure. */
#define SENTINEL ((tensor)(uintptr_t)0x1)

int main(void) {
  const float av[6] = {1, 2, 3, 4, 5, 6};
  const int64_t d23[2] = {2, 3};
  const int64_t d4[1] = {4};
  tensor a = make_f32(av, d23, 2);
  tensor b = make_f32(av, d4, 1);
  REQUIRE(a && b);
  tensor out[1];

  /* nothing pending at the start; reading clears */
  char *e = get_and_reset_last_err();
  CHECK(e == NULL);

  /* NULL tensor handles */
  out[0] = SENTINEL;
  atg_add(out, NULL, a);
  CHECK(out[0] == NULL);
  CHECK_ERR("NULL");
  out[0] = SENTINEL;
  atg_add(out, a, NULL);
  CHECK(out[0] == NULL);
  CHECK_ERR("NULL");
  CHECK_INT(at_dim(NULL), 0);
  CHECK_ERR("NULL");
  CHECK_INT(at_defined(NULL), 0);
  CHECK_ERR("NULL");
  CHECK(at_shallow_clone(NULL) == NULL);
  CHECK_ERR("NULL");
  at_copy_data(NULL, NULL, 0, 4);
  CHECK_ERR("NULL");

  /* the message is cleared once read */
  e = get_and_reset_last_err();
  CHECK(e == NULL);

  /* the undefined tensor where a tensor is needed */
  tensor u = at_new_tensor();
  out[0] = SENTINEL;
  atg_mul(out, u, a);
  CHECK(out[0] == NULL);
  CHECK_ERR("undefined");
  at_free(u);

  /* shape mismatch: [2,3] + [4] */
  out[0] = SENTINEL;
  atg_add(out, a, b);
  CHECK(out[0] == NULL);
  CHECK_ERR("must match the size of tensor b");

  /* matmul shape mismatch */
  out[0] = SENTINEL;
  atg_matmul(out, a, a);
  CHECK(out[0] == NULL);
  {
    char *m = get_and_reset_last_err();
    CHECK(m != NULL);
    free(m);
  }

  /* bad dtype codes, for data and for factories */
  CHECK(at_tensor_of_data((void *)av, (int64_t *)d4, 1, 4, 99) == NULL);
  CHECK_ERR("dtype");
  out[0] = SENTINEL;
  atg_zeros(out, d23, 2, 99, -1);
  CHECK(out[0] == NULL);
  CHECK_ERR("dtype");
  out[0] = SENTINEL;
  atg_ones(out, d23, 2, -7, -1);
  CHECK(out[0] == NULL);
  CHECK_ERR("dtype");

  /* views of an incompatible shape */
  const int64_t d52[2] = {5, 2};
  out[0] = SENTINEL;
  atg_view(out, a, d52, 2);
  CHECK(out[0] == NULL);
  CHECK_ERR("is invalid for input of size 6");
  {
    tensor t[1];
    atg_transpose(t, a, 0, 1);
    REQUIRE(t[0] != NULL);
    const int64_t flat[1] = {6};
    out[0] = SENTINEL;
    atg_view(out, t[0], flat, 1);
    CHECK(out[0] == NULL);
    CHECK_ERR("view size is not compatible");
    at_free(t[0]);
  }
  out[0] = SENTINEL;
  atg_narrow(out, a, 1, 2, 5);
  CHECK(out[0] == NULL);
  {
    char *m = get_and_reset_last_err();
    CHECK(m != NULL);
    free(m);
  }
  out[0] = SENTINEL;
  atg_select(out, a, 0, 2);
  CHECK(out[0] == NULL);
  CHECK_ERR("out of range");
  out[0] = SENTINEL;
  atg_transpose(out, a, 0, 2);
  CHECK(out[0] == NULL);
  CHECK_ERR("Dimension out of range");

  /* element access out of range */
  CHECK_NEAR(at2(a, 2, 0), 0, 0);
  CHECK_ERR("out of bounds");
  CHECK_NEAR(at2(a, 0, -4), 0, 0);
  CHECK_ERR("out of bounds");
  CHECK_NEAR(at1(a, 0), 0, 0); /* one index for two dimensions */
  CHECK_ERR("indexes");
  {
    int idx[2] = {0, 3};
    at_set_double_value_at_indexes(a, idx, 2, 1.0);
    CHECK_ERR("out of bounds");
  }

  /* an op we do not have says so, naming it: a cuDNN-only op (which a CPU library never gets;
   * atg_cholesky said the same before linear algebra landed) */
  out[0] = SENTINEL;
  atg__cudnn_init_dropout_state(out, 0.5, 1, 0, 6, -1);
  CHECK(out[0] == NULL);
  e = get_and_reset_last_err();
  CHECK_STR_CONTAINS(e, "not implemented");
  CHECK_STR_CONTAINS(e, "_cudnn_init_dropout_state");
  free(e);
  /* cholesky of a non-square matrix fails, whether cholesky exists yet or not */
  out[0] = SENTINEL;
  atg_cholesky(out, a, 0);
  CHECK(out[0] == NULL);
  e = get_and_reset_last_err();
  CHECK(e != NULL);
  free(e);

  /* a failure between successes: the successes still work and leave no message */
  out[0] = NULL;
  atg_add(out, a, a);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_NEAR(at2(out[0], 1, 2), 12, 0);
  at_free(out[0]);

  at_free(a);
  at_free(b);
  return check_report();
}
