/* ats_*: scalar handles, conversions and text. */
#include "check.h"

int main(void) {
  scalar i = ats_int(-42);
  scalar f = ats_float(2.75);
  REQUIRE(i != NULL && f != NULL);
  CHECK_INT(ats_to_int(i), -42);
  CHECK_NEAR(ats_to_float(i), -42.0, 0);
  CHECK_NEAR(ats_to_float(f), 2.75, 0);
  CHECK_INT(ats_to_int(f), 2);
  CHECK_NO_ERR();

  char *s = ats_to_string(i);
  REQUIRE(s != NULL);
  CHECK(strcmp(s, "-42") == 0);
  free(s);
  s = ats_to_string(f);
  REQUIRE(s != NULL);
  CHECK(strcmp(s, "2.75") == 0);
  free(s);

  /* extremes survive the round trip */
  scalar big = ats_int(INT64_MAX);
  CHECK_INT(ats_to_int(big), INT64_MAX);
  scalar tiny = ats_float(1e-300);
  CHECK_NEAR(ats_to_float(tiny), 1e-300, 0);
  ats_free(big);
  ats_free(tiny);

  /* a scalar used by an op is not consumed: it can be reused and freed afterwards */
  const float v[2] = {1, 2};
  const int64_t d[1] = {2};
  tensor t = make_f32(v, d, 1);
  tensor out[1];
  for (int k = 0; k < 3; k++) {
    atg_add_scalar(out, t, f);
    CHECK_NO_ERR();
    REQUIRE(out[0] != NULL);
    CHECK_NEAR(at1(out[0], 1), 4.75, 0);
    at_free(out[0]);
  }
  at_free(t);

  /* NULL scalar handles are errors */
  CHECK_INT(ats_to_int(NULL), 0);
  CHECK_ERR("NULL");
  s = ats_to_string(NULL);
  CHECK(s == NULL);
  CHECK_ERR("NULL");

  ats_free(i);
  ats_free(f);
  return check_report();
}
