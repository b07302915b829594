/* at_to_string: libtorch's printout (values, then a `[ CPUFloatType{2,2} ]` footer). */
#include "check.h"

int main(void) {
  const float v[4] = {1, 2, 3, 4};
  const int64_t d22[2] = {2, 2};
  tensor t = make_f32(v, d22, 2);
  char *s = at_to_string(t, 80);
  CHECK_NO_ERR();
  REQUIRE(s != NULL);
  CHECK_STR_CONTAINS(s, "[ CPUFloatType{2,2} ]");
  CHECK_STR_CONTAINS(s, "1");
  CHECK_STR_CONTAINS(s, "4");
  /* rows come one per line */
  CHECK(strchr(s, '\n') != NULL);
  CHECK(strstr(s, "1") < strstr(s, "3"));
  free(s);
  at_free(t);

  const int64_t iv[3] = {7, -8, 9};
  const int64_t d3[1] = {3};
  t = make_i64(iv, d3, 1);
  s = at_to_string(t, 80);
  REQUIRE(s != NULL);
  CHECK_STR_CONTAINS(s, "-8");
  CHECK_STR_CONTAINS(s, "[ CPULongType{3} ]");
  free(s);
  at_free(t);

  double z = 0.5;
  t = at_tensor_of_data(&z, NULL, 0, 8, 7);
  s = at_to_string(t, 80);
  REQUIRE(s != NULL);
  CHECK_STR_CONTAINS(s, "0.5");
  CHECK_STR_CONTAINS(s, "CPUDoubleType{}");
  free(s);
  at_free(t);

  /* the undefined tensor prints too */
  t = at_new_tensor();
  s = at_to_string(t, 80);
  CHECK_NO_ERR();
  REQUIRE(s != NULL);
  CHECK_STR_CONTAINS(s, "undefined");
  free(s);
  at_free(t);

  /* a NULL handle is an error and gives NULL */
  s = at_to_string(NULL, 80);
  CHECK(s == NULL);
  CHECK_ERR("NULL");
  return check_report();
}
