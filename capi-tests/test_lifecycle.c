/* Handle lifecycle: the undefined tensor, defined tensors, shallow clones sharing storage, frees. */
#include "check.h"

int main(void) {
  /* at_new_tensor: a handle to the undefined tensor */
  tensor u = at_new_tensor();
  REQUIRE(u != NULL);
  CHECK_INT(at_defined(u), 0);
  CHECK_NO_ERR();
  tensor u2 = at_shallow_clone(u);
  REQUIRE(u2 != NULL);
  CHECK(u2 != u);
  CHECK_INT(at_defined(u2), 0);
  CHECK_NO_ERR();
  at_free(u2);
  at_free(u);

  /* a defined tensor and a shallow clone of it: a new handle to the same tensor */
  float data[6] = {1, 2, 3, 4, 5, 6};
  int64_t dims[2] = {2, 3};
  tensor a = make_f32(data, dims, 2);
  REQUIRE(a != NULL);
  CHECK_NO_ERR();
  CHECK_INT(at_defined(a), 1);
  tensor b = at_shallow_clone(a);
  REQUIRE(b != NULL);
  CHECK(b != a);
  CHECK_INT(at_defined(b), 1);
  CHECK(at_data_ptr(a) == at_data_ptr(b));
  CHECK_SHAPE(b, 2, 3);

  /* writes through one handle show through the other */
  int idx[2] = {1, 2};
  at_set_double_value_at_indexes(b, idx, 2, 42.5);
  CHECK_NO_ERR();
  CHECK_NEAR(at2(a, 1, 2), 42.5, 0);
  at_fill_double(a, 7.0);
  CHECK_NO_ERR();
  CHECK_NEAR(at2(b, 0, 0), 7.0, 0);

  /* freeing one handle leaves the other usable */
  at_free(a);
  CHECK_NEAR(at2(b, 1, 1), 7.0, 0);
  CHECK_NO_ERR();
  at_free(b);

  /* at_free(NULL) is a no-op, like free(NULL) */
  at_free(NULL);
  ats_free(NULL);
  ati_free(NULL);

  /* no error is pending after all this */
  char *e = get_and_reset_last_err();
  CHECK(e == NULL);
  free(e);

  /* many handles created and released (memcheck sees leaks here) */
  for (int i = 0; i < 100; i++) {
    tensor t = make_f32(data, dims, 2);
    tensor c = at_shallow_clone(t);
    at_free(t);
    at_free(c);
  }
  CHECK_NO_ERR();
  return check_report();
}
