/* Factories: atg_zeros, atg_ones, atg_arange_start_step, atg_linspace, atg_eye. */
#include "check.h"

int main(void) {
  tensor out[1];
  const int64_t d23[2] = {2, 3};

  atg_zeros(out, d23, 2, 6, -1);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_SHAPE(out[0], 2, 3);
  CHECK_INT(at_scalar_type(out[0]), 6);
  CHECK_INT(at_device(out[0]), -1);
  CHECK_INT(at_is_contiguous(out[0]), 1);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) CHECK_NEAR(at2(out[0], i, j), 0, 0);
  at_free(out[0]);

  atg_ones(out, d23, 2, 4, -1);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_INT(at_scalar_type(out[0]), 4);
  {
    int64_t v[6];
    at_copy_data(out[0], v, 6, 8);
    CHECK_NO_ERR();
    for (int i = 0; i < 6; i++) CHECK_INT(v[i], 1);
  }
  at_free(out[0]);

  /* ones in f16 and bf16: both store 1.0 */
  atg_ones(out, d23, 2, 5, -1);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  {
    uint16_t v[6];
    at_copy_data(out[0], v, 6, 2);
    CHECK_INT(v[5], 0x3C00);
  }
  at_free(out[0]);
  atg_ones(out, d23, 2, 15, -1);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  {
    uint16_t v[6];
    at_copy_data(out[0], v, 6, 2);
    CHECK_INT(v[0], 0x3F80);
  }
  at_free(out[0]);

  /* arange(1, 10, 3) in int64: 1 4 7 */
  {
    scalar s = ats_int(1), e = ats_int(10), st = ats_int(3);
    atg_arange_start_step(out, s, e, st, 4, -1);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_SHAPE(out[0], 3);
    CHECK_NEAR(at1(out[0], 0), 1, 0);
    CHECK_NEAR(at1(out[0], 2), 7, 0);
    at_free(out[0]);
    ats_free(s);
    ats_free(e);
    ats_free(st);
  }
  /* arange(0, 1, 0.25) in float64: 0 .25 .5 .75 */
  {
    scalar s = ats_float(0), e = ats_float(1), st = ats_float(0.25);
    atg_arange_start_step(out, s, e, st, 7, -1);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_SHAPE(out[0], 4);
    CHECK_INT(at_scalar_type(out[0]), 7);
    CHECK_NEAR(at1(out[0], 3), 0.75, 0);
    at_free(out[0]);
    ats_free(s);
    ats_free(e);
    ats_free(st);
  }
  /* a descending range: arange(5, 0, -2) = 5 3 1 */
  {
    scalar s = ats_int(5), e = ats_int(0), st = ats_int(-2);
    atg_arange_start_step(out, s, e, st, 4, -1);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_SHAPE(out[0], 3);
    CHECK_NEAR(at1(out[0], 2), 1, 0);
    at_free(out[0]);
    ats_free(s);
    ats_free(e);
    ats_free(st);
  }

  /* linspace(-1, 1, 5) */
  {
    scalar s = ats_float(-1), e = ats_float(1);
    atg_linspace(out, s, e, 5, 6, -1);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_SHAPE(out[0], 5);
    const double want[5] = {-1, -0.5, 0, 0.5, 1};
    for (int i = 0; i < 5; i++) CHECK_NEAR(at1(out[0], i), want[i], 1e-6);
    at_free(out[0]);
    ats_free(s);
    ats_free(e);
  }

  /* eye(3) */
  atg_eye(out, 3, 6, -1);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_SHAPE(out[0], 3, 3);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) CHECK_NEAR(at2(out[0], i, j), i == j ? 1 : 0, 0);
  at_free(out[0]);

  /* eye(2, 4) */
  atg_eye_m(out, 2, 4, 7, -1);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_SHAPE(out[0], 2, 4);
  CHECK_NEAR(at2(out[0], 1, 1), 1, 0);
  CHECK_NEAR(at2(out[0], 1, 3), 0, 0);
  at_free(out[0]);

  /* a bad shape is an error */
  {
    const int64_t bad[2] = {2, -3};
    atg_zeros(out, bad, 2, 6, -1);
    CHECK(out[0] == NULL);
    char *e = get_and_reset_last_err();
    CHECK(e != NULL);
    free(e);
  }
  return check_report();
}
