/* Reductions and products: atg_sum, atg_mean (whole tensor, by dim, with a dtype), atg_matmul
 * (matrix-matrix, matrix-vector, batched with broadcasting, on a transposed operand), atg_mm. */
#include "check.h"

int main(void) {
  /* a = [[1,2,3],[4,5,6]] */
  const float av[6] = {1, 2, 3, 4, 5, 6};
  const int64_t d23[2] = {2, 3};
  tensor a = make_f32(av, d23, 2);
  REQUIRE(a != NULL);
  tensor out[1];

  atg_sum(out, a, -1);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_INT(at_dim(out[0]), 0);
  CHECK_INT(at_scalar_type(out[0]), 6);
  CHECK_NEAR(at0(out[0]), 21, 0);
  at_free(out[0]);

  atg_mean(out, a, -1);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_NEAR(at0(out[0]), 3.5, 1e-6);
  at_free(out[0]);

  /* sum with a dtype: the result is float64 */
  atg_sum(out, a, 7);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_INT(at_scalar_type(out[0]), 7);
  CHECK_NEAR(at0(out[0]), 21, 0);
  at_free(out[0]);

  /* integer sums are int64 */
  {
    const int32_t iv[4] = {1, 2, 3, 2000000000};
    const int64_t d4[1] = {4};
    tensor i = at_tensor_of_data((void *)iv, (int64_t *)d4, 1, 4, 3);
    atg_sum(out, i, -1);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_INT(at_scalar_type(out[0]), 4);
    CHECK_INT(at_int64_value_at_indexes(out[0], NULL, 0), 2000000006LL);
    at_free(out[0]);
    at_free(i);
  }

  /* by dimension, with and without keepdim */
  int64_t dim1[1] = {1}, dim0[1] = {0};
  atg_sum_dim_intlist(out, a, dim1, 1, 0, -1);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_SHAPE(out[0], 2);
  CHECK_NEAR(at1(out[0], 0), 6, 0);
  CHECK_NEAR(at1(out[0], 1), 15, 0);
  at_free(out[0]);
  atg_mean_dim(out, a, dim0, 1, 1, -1);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_SHAPE(out[0], 1, 3);
  CHECK_NEAR(at2(out[0], 0, 2), 4.5, 1e-6);
  at_free(out[0]);

  /* sum of a transposed view */
  {
    atg_transpose(out, a, 0, 1);
    tensor t = out[0];
    REQUIRE(t != NULL);
    atg_sum_dim_intlist(out, t, dim1, 1, 0, -1);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_SHAPE(out[0], 3);
    CHECK_NEAR(at1(out[0], 2), 9, 0);
    at_free(out[0]);
    at_free(t);
  }

  /* matmul: [2,3] x [3,2] */
  const float bv[6] = {7, 8, 9, 10, 11, 12};
  const int64_t d32[2] = {3, 2};
  tensor b = make_f32(bv, d32, 2);
  atg_matmul(out, a, b);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_SHAPE(out[0], 2, 2);
  CHECK_NEAR(at2(out[0], 0, 0), 58, 1e-4);
  CHECK_NEAR(at2(out[0], 0, 1), 64, 1e-4);
  CHECK_NEAR(at2(out[0], 1, 0), 139, 1e-4);
  CHECK_NEAR(at2(out[0], 1, 1), 154, 1e-4);
  at_free(out[0]);

  atg_mm(out, a, b);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_NEAR(at2(out[0], 1, 1), 154, 1e-4);
  at_free(out[0]);

  /* matrix x vector */
  {
    const float vv[3] = {1, 0, -1};
    const int64_t d3[1] = {3};
    tensor v = make_f32(vv, d3, 1);
    atg_matmul(out, a, v);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_SHAPE(out[0], 2);
    CHECK_NEAR(at1(out[0], 0), -2, 1e-5);
    CHECK_NEAR(at1(out[0], 1), -2, 1e-5);
    at_free(out[0]);
    at_free(v);
  }

  /* a transposed operand: a^T (3x2) x a (2x3) = 3x3 */
  {
    atg_transpose(out, a, 0, 1);
    tensor at = out[0];
    atg_matmul(out, at, a);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_SHAPE(out[0], 3, 3);
    CHECK_NEAR(at2(out[0], 0, 0), 17, 1e-4);
    CHECK_NEAR(at2(out[0], 2, 1), 3 * 2 + 6 * 5, 1e-4);
    at_free(out[0]);
    at_free(at);
  }

  /* batched, with the second operand broadcast: [2,2,3] x [3,2] */
  {
    float bb[12];
    for (int i = 0; i < 12; i++) bb[i] = (float)(i + 1);
    const int64_t d223[3] = {2, 2, 3};
    tensor x = make_f32(bb, d223, 3);
    atg_matmul(out, x, b);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_SHAPE(out[0], 2, 2, 2);
    CHECK_NEAR(at3(out[0], 0, 1, 1), 154, 1e-4);
    /* second batch row 1 = [10,11,12] . columns of b */
    CHECK_NEAR(at3(out[0], 1, 1, 0), 10 * 7 + 11 * 9 + 12 * 11, 1e-3);
    at_free(out[0]);
    at_free(x);
  }

  /* float64 matmul is exact on integers */
  {
    const double x[4] = {1, 2, 3, 4};
    const int64_t d22[2] = {2, 2};
    tensor m = make_f64(x, d22, 2);
    atg_matmul(out, m, m);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_INT(at_scalar_type(out[0]), 7);
    CHECK_NEAR(at2(out[0], 1, 0), 15, 0);
    CHECK_NEAR(at2(out[0], 1, 1), 22, 0);
    at_free(out[0]);
    at_free(m);
  }

  /* big enough for the multi-threaded paths: ones(256,64) @ ones(64,96) = 64 everywhere, and a
   * sum over 100000 elements */
  {
    const int64_t dx[2] = {256, 64}, dy[2] = {64, 96}, dz[1] = {100000};
    tensor x[1], y[1], z[1];
    atg_ones(x, dx, 2, 6, -1);
    atg_ones(y, dy, 2, 6, -1);
    atg_ones(z, dz, 1, 6, -1);
    REQUIRE(x[0] && y[0] && z[0]);
    atg_matmul(out, x[0], y[0]);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_SHAPE(out[0], 256, 96);
    CHECK_NEAR(at2(out[0], 0, 0), 64, 0);
    CHECK_NEAR(at2(out[0], 255, 95), 64, 0);
    CHECK_NEAR(at2(out[0], 100, 17), 64, 0);
    at_free(out[0]);
    atg_sum(out, z[0], -1);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_NEAR(at0(out[0]), 100000, 0);
    at_free(out[0]);
    atg_mean(out, z[0], -1);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_NEAR(at0(out[0]), 1, 1e-6);
    at_free(out[0]);
    at_free(x[0]);
    at_free(y[0]);
    at_free(z[0]);
  }

  at_free(b);
  at_free(a);
  return check_report();
}
