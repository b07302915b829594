/* Views: transpose, view, narrow and select share the storage, change shape and strides, and
 * read the right elements (checked through at_double_value_at_indexes and at_copy_data). */
#include "check.h"

int main(void) {
  /* a = [[0,1,2,3],[4,5,6,7],[8,9,10,11]] */
  float data[12];
  for (int i = 0; i < 12; i++) data[i] = (float)i;
  int64_t dims[2] = {3, 4};
  tensor a = make_f32(data, dims, 2);
  REQUIRE(a != NULL);

  /* transpose: 4x3, strides (1, 4), not contiguous */
  tensor out[1] = {NULL};
  atg_transpose(out, a, 0, 1);
  CHECK_NO_ERR();
  tensor t = out[0];
  REQUIRE(t != NULL);
  CHECK_SHAPE(t, 4, 3);
  int64_t st[2];
  at_stride(t, st);
  CHECK_INT(st[0], 1);
  CHECK_INT(st[1], 4);
  CHECK_INT(at_is_contiguous(t), 0);
  CHECK(at_data_ptr(t) == at_data_ptr(a));
  CHECK_NEAR(at2(t, 3, 2), 11, 0);
  CHECK_NEAR(at2(t, 1, 2), 9, 0);
  CHECK_NEAR(at2(t, 2, 0), 2, 0);
  /* negative dims work like Python's */
  atg_transpose(out, a, -1, -2);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_SHAPE(out[0], 4, 3);
  at_free(out[0]);
  /* at_copy_data of a non-contiguous view gives its elements in logical order */
  float back[12];
  at_copy_data(t, back, 12, sizeof(float));
  CHECK_NO_ERR();
  const float want_t[12] = {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11};
  for (int i = 0; i < 12; i++) CHECK_NEAR(back[i], want_t[i], 0);

  /* view: 2x6 and 12 (with -1) of the contiguous tensor */
  int64_t v26[2] = {2, 6};
  atg_view(out, a, v26, 2);
  CHECK_NO_ERR();
  tensor v = out[0];
  REQUIRE(v != NULL);
  CHECK_SHAPE(v, 2, 6);
  CHECK_NEAR(at2(v, 1, 0), 6, 0);
  CHECK_NEAR(at2(v, 1, 5), 11, 0);
  CHECK(at_data_ptr(v) == at_data_ptr(a));
  int64_t vflat[1] = {-1};
  atg_view(out, a, vflat, 1);
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_SHAPE(out[0], 12);
  CHECK_NEAR(at1(out[0], 7), 7, 0);
  at_free(out[0]);

  /* narrow: columns 1..3 of every row */
  atg_narrow(out, a, 1, 1, 2);
  CHECK_NO_ERR();
  tensor n = out[0];
  REQUIRE(n != NULL);
  CHECK_SHAPE(n, 3, 2);
  at_stride(n, st);
  CHECK_INT(st[0], 4);
  CHECK_INT(st[1], 1);
  CHECK_INT(at_is_contiguous(n), 0);
  CHECK_NEAR(at2(n, 0, 0), 1, 0);
  CHECK_NEAR(at2(n, 2, 1), 10, 0);

  /* select: row 1, then column 2 of the transpose (a view of a view) */
  atg_select(out, a, 0, 1);
  CHECK_NO_ERR();
  tensor row = out[0];
  REQUIRE(row != NULL);
  CHECK_SHAPE(row, 4);
  CHECK_NEAR(at1(row, 0), 4, 0);
  CHECK_NEAR(at1(row, 3), 7, 0);
  atg_select(out, t, 1, 2);
  CHECK_NO_ERR();
  tensor col = out[0];
  REQUIRE(col != NULL);
  CHECK_SHAPE(col, 4);
  CHECK_NEAR(at1(col, 0), 8, 0);
  CHECK_NEAR(at1(col, 3), 11, 0);
  atg_select(out, a, 0, -1); /* negative index: the last row */
  CHECK_NO_ERR();
  REQUIRE(out[0] != NULL);
  CHECK_NEAR(at1(out[0], 0), 8, 0);
  at_free(out[0]);

  /* views share storage: a write through the narrowed view shows in the base and other views */
  int idx[2] = {2, 1};
  at_set_double_value_at_indexes(n, idx, 2, -5.0); /* n[2][1] == a[2][2] */
  CHECK_NO_ERR();
  CHECK_NEAR(at2(a, 2, 2), -5, 0);
  CHECK_NEAR(at2(t, 2, 2), -5, 0);
  CHECK_NEAR(at1(col, 2), -5, 0);
  CHECK_NEAR(at2(v, 1, 4), -5, 0);

  /* freeing the base first keeps the views alive */
  at_free(a);
  CHECK_NEAR(at2(t, 0, 1), 4, 0);
  CHECK_NEAR(at1(row, 1), 5, 0);
  CHECK_NO_ERR();

  at_free(t);
  at_free(v);
  at_free(n);
  at_free(row);
  at_free(col);
  return check_report();
}
