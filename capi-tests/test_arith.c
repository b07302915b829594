/* Elementwise arithmetic: atg_add/atg_sub/atg_mul/atg_div, broadcasting, type promotion, scalar
 * variants and in-place forms. */
#include "check.h"

/* out = op(a, b), checked for success; returns the result. */
typedef void (*binop)(tensor *, tensor, tensor);
static tensor run(binop op, tensor a, tensor b) {
  tensor out[1] = {NULL};
  op(out, a, b);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  return out[0];
}

int main(void) {
  const float av[6] = {1, 2, 3, 4, 5, 6};
  const float bv[6] = {10, 20, 30, 40, 50, 60};
  const int64_t d23[2] = {2, 3};
  tensor a = make_f32(av, d23, 2);
  tensor b = make_f32(bv, d23, 2);
  REQUIRE(a && b);

  tensor r = run(atg_add, a, b);
  CHECK_INT(at_scalar_type(r), 6);
  CHECK_SHAPE(r, 2, 3);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) CHECK_NEAR(at2(r, i, j), av[i * 3 + j] + bv[i * 3 + j], 0);
  at_free(r);

  r = run(atg_sub, a, b);
  CHECK_NEAR(at2(r, 1, 2), 6 - 60, 0);
  at_free(r);
  r = run(atg_mul, a, b);
  CHECK_NEAR(at2(r, 1, 0), 4 * 40, 0);
  at_free(r);
  r = run(atg_div, b, a);
  CHECK_NEAR(at2(r, 0, 2), 10, 1e-6);
  CHECK_NEAR(at2(r, 1, 2), 10, 1e-6);
  at_free(r);

  /* broadcasting: [2,3] + [3] and [3,1] * [1,4] */
  const float cv[3] = {100, 200, 300};
  const int64_t d3[1] = {3};
  tensor c = make_f32(cv, d3, 1);
  r = run(atg_add, a, c);
  CHECK_SHAPE(r, 2, 3);
  CHECK_NEAR(at2(r, 0, 0), 101, 0);
  CHECK_NEAR(at2(r, 1, 2), 306, 0);
  at_free(r);
  {
    const float xv[3] = {1, 2, 3}, yv[4] = {1, 10, 100, 1000};
    const int64_t d31[2] = {3, 1}, d14[2] = {1, 4};
    tensor x = make_f32(xv, d31, 2), y = make_f32(yv, d14, 2);
    r = run(atg_mul, x, y);
    CHECK_SHAPE(r, 3, 4);
    CHECK_NEAR(at2(r, 2, 3), 3000, 0);
    CHECK_NEAR(at2(r, 1, 1), 20, 0);
    at_free(r);
    at_free(x);
    at_free(y);
  }
  /* broadcasting against a transposed (strided) operand */
  {
    tensor out[1];
    atg_transpose(out, b, 0, 1); /* 3x2 */
    tensor bt = out[0];
    REQUIRE(bt != NULL);
    const float colv[3] = {1, 2, 3};
    const int64_t d31[2] = {3, 1};
    tensor col = make_f32(colv, d31, 2);
    r = run(atg_sub, bt, col);
    CHECK_SHAPE(r, 3, 2);
    CHECK_NEAR(at2(r, 0, 1), 40 - 1, 0);
    CHECK_NEAR(at2(r, 2, 0), 30 - 3, 0);
    at_free(r);
    at_free(col);
    at_free(bt);
  }

  /* type promotion: int64 + float32 -> float32, int32 + int64 -> int64, uint8 + int8 -> int16 */
  {
    const int64_t iv[3] = {1, 2, 3};
    tensor i = make_i64(iv, d3, 1);
    r = run(atg_add, i, c);
    CHECK_INT(at_scalar_type(r), 6);
    CHECK_NEAR(at1(r, 2), 303, 0);
    at_free(r);
    const int32_t jv[3] = {5, 6, 7};
    tensor j = at_tensor_of_data((void *)jv, (int64_t *)d3, 1, 4, 3);
    r = run(atg_add, j, i);
    CHECK_INT(at_scalar_type(r), 4);
    CHECK_NEAR(at1(r, 1), 8, 0);
    at_free(r);
    const uint8_t uv[3] = {200, 0, 1};
    const int8_t sv[3] = {-1, -2, 100};
    tensor u = at_tensor_of_data((void *)uv, (int64_t *)d3, 1, 1, 0);
    tensor s = at_tensor_of_data((void *)sv, (int64_t *)d3, 1, 1, 1);
    r = run(atg_add, u, s);
    CHECK_INT(at_scalar_type(r), 2);
    CHECK_NEAR(at1(r, 0), 199, 0);
    CHECK_NEAR(at1(r, 2), 101, 0);
    at_free(r);
    /* integer / integer is true division, in the default float dtype */
    const int64_t kv[3] = {2, 4, 8};
    tensor k = make_i64(kv, d3, 1);
    r = run(atg_div, i, k);
    CHECK_INT(at_scalar_type(r), 6);
    CHECK_NEAR(at1(r, 0), 0.5, 0);
    CHECK_NEAR(at1(r, 2), 0.375, 0);
    at_free(r);
    /* a 0-dim float64 tensor lifts an int64 tensor to float64; it does not widen float32 */
    double z = 0.5;
    tensor zd = at_tensor_of_data(&z, NULL, 0, 8, 7);
    r = run(atg_add, i, zd);
    CHECK_INT(at_scalar_type(r), 7);
    CHECK_NEAR(at1(r, 0), 1.5, 0);
    at_free(r);
    r = run(atg_mul, c, zd);
    CHECK_INT(at_scalar_type(r), 6);
    CHECK_NEAR(at1(r, 1), 100, 0);
    at_free(r);
    /* integer arithmetic stays exact */
    r = run(atg_mul, i, k);
    CHECK_INT(at_scalar_type(r), 4);
    CHECK_INT(at_int64_value_at_indexes(r, (int64_t[]){2}, 1), 24);
    at_free(r);
    at_free(zd);
    at_free(k);
    at_free(u);
    at_free(s);
    at_free(j);
    at_free(i);
  }

  /* scalar variants: float tensor + int scalar stays float32; int tensor * int scalar stays int */
  {
    scalar two = ats_int(2);
    scalar half = ats_float(0.5);
    tensor out[1];
    atg_add_scalar(out, a, two);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_INT(at_scalar_type(out[0]), 6);
    CHECK_NEAR(at2(out[0], 1, 2), 8, 0);
    at_free(out[0]);
    atg_mul_scalar(out, a, half);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_NEAR(at2(out[0], 0, 1), 1, 0);
    at_free(out[0]);
    const int64_t iv[3] = {3, 4, 5};
    tensor i = make_i64(iv, d3, 1);
    atg_mul_scalar(out, i, two);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_INT(at_scalar_type(out[0]), 4);
    CHECK_NEAR(at1(out[0], 2), 10, 0);
    at_free(out[0]);
    at_free(i);
    ats_free(two);
    ats_free(half);
  }

  /* in place: add_ writes into the first operand and returns a handle to it */
  {
    tensor x = make_f32(av, d23, 2);
    tensor out[1];
    atg_add_(out, x, b);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_NEAR(at2(x, 0, 0), 11, 0);
    CHECK(at_data_ptr(out[0]) == at_data_ptr(x));
    at_free(out[0]);
    at_free(x);
  }

  at_free(c);
  at_free(a);
  at_free(b);
  return check_report();
}
