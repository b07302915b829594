/* ati_*: IValues: construction, tags, conversions, containers, clones and frees. Tags follow
 * libtorch: None 0, Tensor 1, Double 2, Int 3, Bool 4, Tuple 5, IntList 6, DoubleList 7,
 * BoolList 8, String 9, TensorList 10, GenericList 12, GenericDict 13. */
#include "check.h"

int main(void) {
  ivalue none = ati_none();
  CHECK_INT(ati_tag(none), 0);
  ivalue i = ati_int(-7);
  CHECK_INT(ati_tag(i), 3);
  CHECK_INT(ati_to_int(i), -7);
  ivalue d = ati_double(0.25);
  CHECK_INT(ati_tag(d), 2);
  CHECK_NEAR(ati_to_double(d), 0.25, 0);
  ivalue b = ati_bool(1);
  CHECK_INT(ati_tag(b), 4);
  CHECK_INT(ati_to_bool(b), 1);
  char hello[] = "hello";
  ivalue s = ati_string(hello);
  CHECK_INT(ati_tag(s), 9);
  char *str = ati_to_string(s);
  REQUIRE(str != NULL);
  CHECK(strcmp(str, "hello") == 0);
  free(str);
  CHECK_NO_ERR();

  /* a tensor ivalue holds the same tensor */
  const float v[3] = {1, 2, 3};
  const int64_t d3[1] = {3};
  tensor t = make_f32(v, d3, 1);
  ivalue it = ati_tensor(t);
  CHECK_INT(ati_tag(it), 1);
  tensor t2 = ati_to_tensor(it);
  REQUIRE(t2 != NULL);
  CHECK(at_data_ptr(t2) == at_data_ptr(t));
  CHECK_NEAR(at1(t2, 2), 3, 0);
  at_free(t2);

  /* tuple (int, double, tensor) */
  ivalue parts[3] = {i, d, it};
  ivalue tup = ati_tuple(parts, 3);
  CHECK_NO_ERR();
  CHECK_INT(ati_tag(tup), 5);
  CHECK_INT(ati_tuple_length(tup), 3);
  CHECK_INT(ati_length(tup), 3);
  ivalue back[3] = {NULL, NULL, NULL};
  ati_to_tuple(tup, back, 3);
  CHECK_NO_ERR();
  CHECK_INT(ati_to_int(back[0]), -7);
  CHECK_NEAR(ati_to_double(back[1]), 0.25, 0);
  CHECK_INT(ati_tag(back[2]), 1);
  for (int k = 0; k < 3; k++) ati_free(back[k]);
  /* asking for the wrong number of elements is an error */
  ati_to_tuple(tup, back, 2);
  CHECK_ERR("size");

  /* lists */
  int64_t ints[4] = {1, -2, 3, 4};
  ivalue il = ati_int_list(ints, 4);
  CHECK_INT(ati_tag(il), 6);
  CHECK_INT(ati_length(il), 4);
  int64_t ints_back[4] = {0};
  ati_to_int_list(il, ints_back, 4);
  CHECK_NO_ERR();
  CHECK_INT(ints_back[1], -2);
  CHECK_INT(ints_back[3], 4);

  double dbl[2] = {0.5, -1.5};
  ivalue dl = ati_double_list(dbl, 2);
  CHECK_INT(ati_tag(dl), 7);
  double dbl_back[2] = {0};
  ati_to_double_list(dl, dbl_back, 2);
  CHECK_NEAR(dbl_back[1], -1.5, 0);

  char bools[3] = {1, 0, 1};
  ivalue bl = ati_bool_list(bools, 3);
  CHECK_INT(ati_tag(bl), 8);
  char bools_back[3] = {9, 9, 9};
  ati_to_bool_list(bl, bools_back, 3);
  CHECK_INT(bools_back[0], 1);
  CHECK_INT(bools_back[1], 0);

  tensor ts[2] = {t, t};
  ivalue tl = ati_tensor_list(ts, 2);
  CHECK_INT(ati_tag(tl), 10);
  CHECK_INT(ati_length(tl), 2);
  tensor ts_back[2] = {NULL, NULL};
  ati_to_tensor_list(tl, ts_back, 2);
  CHECK_NO_ERR();
  REQUIRE(ts_back[0] != NULL && ts_back[1] != NULL);
  CHECK_NEAR(at1(ts_back[1], 0), 1, 0);
  at_free(ts_back[0]);
  at_free(ts_back[1]);

  ivalue gparts[2] = {s, b};
  ivalue gl = ati_generic_list(gparts, 2);
  CHECK_INT(ati_tag(gl), 12);
  ivalue gl_back[2] = {NULL, NULL};
  ati_to_generic_list(gl, gl_back, 2);
  CHECK_NO_ERR();
  CHECK_INT(ati_tag(gl_back[0]), 9);
  CHECK_INT(ati_to_bool(gl_back[1]), 1);
  ati_free(gl_back[0]);
  ati_free(gl_back[1]);

  char k1[] = "a", k2[] = "b";
  char *names[2] = {k1, k2};
  ivalue sl = ati_string_list(names, 2);
  CHECK_NO_ERR();
  CHECK_INT(ati_length(sl), 2);

  /* dict {"hello": -7, true: 0.25} as key, value, key, value */
  ivalue kv[4] = {s, i, b, d};
  ivalue dict = ati_generic_dict(kv, 2);
  CHECK_INT(ati_tag(dict), 13);
  CHECK_INT(ati_length(dict), 2);
  ivalue kv_back[4] = {NULL, NULL, NULL, NULL};
  ati_to_generic_dict(dict, kv_back, 2);
  CHECK_NO_ERR();
  str = ati_to_string(kv_back[0]);
  REQUIRE(str != NULL);
  CHECK(strcmp(str, "hello") == 0);
  free(str);
  CHECK_INT(ati_to_int(kv_back[1]), -7);
  CHECK_NEAR(ati_to_double(kv_back[3]), 0.25, 0);
  for (int k = 0; k < 4; k++) ati_free(kv_back[k]);

  /* clones are independent handles */
  ivalue c = ati_clone(tup);
  REQUIRE(c != NULL);
  ati_free(tup);
  CHECK_INT(ati_tuple_length(c), 3);
  ati_free(c);

  /* wrong-kind conversions are errors naming what was expected */
  CHECK_INT(ati_to_int(d), -1);
  CHECK_ERR("Int");
  tensor none_t = ati_to_tensor(i);
  CHECK(none_t == NULL);
  CHECK_ERR("Tensor");
  CHECK_INT(ati_tag(NULL), -1);
  CHECK_ERR("NULL");

  ivalue all[] = {none, i, d, b, s, it, il, dl, bl, tl, gl, sl, dict};
  for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) ati_free(all[k]);
  at_free(t);
  return check_report();
}
