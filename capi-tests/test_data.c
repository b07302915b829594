/* at_tensor_of_data + at_copy_data round trips in every plain dtype, and the metadata calls
 * (at_shape, at_stride, at_dim, at_scalar_type, at_is_contiguous, at_device). */
#include <stdint.h>

#include "check.h"

/* Creates a 2x3 tensor of `kind` from `src`, checks its metadata, copies it back out and
 * compares the bytes. Returns the tensor (the caller frees it). */
static tensor round_trip(const void *src, size_t elt, int kind) {
  int64_t dims[2] = {2, 3};
  unsigned char back[6 * 8];
  memset(back, 0xAB, sizeof back);
  tensor t = at_tensor_of_data((void *)src, dims, 2, elt, kind);
  REQUIRE(t != NULL);
  CHECK_NO_ERR();
  CHECK_INT(at_scalar_type(t), kind);
  CHECK_INT(at_dim(t), 2);
  CHECK_SHAPE(t, 2, 3);
  int64_t st[2] = {0, 0};
  at_stride(t, st);
  CHECK_INT(st[0], 3);
  CHECK_INT(st[1], 1);
  CHECK_INT(at_is_contiguous(t), 1);
  CHECK_INT(at_device(t), -1);
  CHECK_INT(at_defined(t), 1);
  at_copy_data(t, back, 6, elt);
  CHECK_NO_ERR();
  CHECK(memcmp(src, back, 6 * elt) == 0);
  return t;
}

int main(void) {
  {
    uint8_t v[6] = {0, 1, 2, 127, 200, 255};
    tensor t = round_trip(v, 1, 0);
    CHECK_NEAR(at2(t, 1, 2), 255, 0);
    CHECK_INT(at_int64_value_at_indexes(t, (int64_t[]){1, 1}, 2), 200);
    at_free(t);
  }
  {
    int8_t v[6] = {-128, -1, 0, 1, 100, 127};
    tensor t = round_trip(v, 1, 1);
    CHECK_NEAR(at2(t, 0, 0), -128, 0);
    CHECK_NEAR(at2(t, 1, 2), 127, 0);
    at_free(t);
  }
  {
    int16_t v[6] = {-32768, -300, 0, 7, 300, 32767};
    tensor t = round_trip(v, 2, 2);
    CHECK_NEAR(at2(t, 0, 1), -300, 0);
    at_free(t);
  }
  {
    int32_t v[6] = {INT32_MIN, -70000, 0, 5, 70000, INT32_MAX};
    tensor t = round_trip(v, 4, 3);
    CHECK_NEAR(at2(t, 1, 1), 70000, 0);
    CHECK_INT(at_int64_value_at_indexes(t, (int64_t[]){0, 0}, 2), INT32_MIN);
    at_free(t);
  }
  {
    int64_t v[6] = {INT64_MIN, -1, 0, 1, 1LL << 40, INT64_MAX};
    tensor t = round_trip(v, 8, 4);
    CHECK_INT(at_int64_value_at_indexes(t, (int64_t[]){1, 2}, 2), INT64_MAX);
    CHECK_INT(at_int64_value_at_indexes(t, (int64_t[]){1, 1}, 2), 1LL << 40);
    at_free(t);
  }
  {
    /* f16 bit patterns: 1.0, -2.0, 0.5, 65504 (max), 0.0, -0.25 */
    uint16_t v[6] = {0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0000, 0xB400};
    tensor t = round_trip(v, 2, 5);
    CHECK_NEAR(at2(t, 0, 0), 1.0, 0);
    CHECK_NEAR(at2(t, 0, 1), -2.0, 0);
    CHECK_NEAR(at2(t, 0, 2), 0.5, 0);
    CHECK_NEAR(at2(t, 1, 0), 65504.0, 0);
    CHECK_NEAR(at2(t, 1, 2), -0.25, 0);
    at_free(t);
  }
  {
    float v[6] = {1.5f, -2.25f, 0.0f, 1e-30f, 3.4e38f, -7.0f};
    tensor t = round_trip(v, 4, 6);
    CHECK_NEAR(at2(t, 0, 1), -2.25, 0);
    CHECK_NEAR(at2(t, 1, 1), (double)3.4e38f, 0);
    at_free(t);
  }
  {
    double v[6] = {1.0 / 3.0, -1e300, 0.0, 2.5, 1e-300, -0.125};
    tensor t = round_trip(v, 8, 7);
    CHECK_NEAR(at2(t, 0, 0), 1.0 / 3.0, 0);
    CHECK_NEAR(at2(t, 1, 1), 1e-300, 0);
    at_free(t);
  }
  {
    unsigned char v[6] = {1, 0, 1, 1, 0, 0};
    tensor t = round_trip(v, 1, 11);
    CHECK_NEAR(at2(t, 0, 0), 1, 0);
    CHECK_NEAR(at2(t, 0, 1), 0, 0);
    at_free(t);
  }
  {
    /* bf16 bit patterns: 1.0, -2.0, 0.5, 3.0, 0.0, 256 */
    uint16_t v[6] = {0x3F80, 0xC000, 0x3F00, 0x4040, 0x0000, 0x4380};
    tensor t = round_trip(v, 2, 15);
    CHECK_NEAR(at2(t, 0, 0), 1.0, 0);
    CHECK_NEAR(at2(t, 0, 1), -2.0, 0);
    CHECK_NEAR(at2(t, 1, 0), 3.0, 0);
    CHECK_NEAR(at2(t, 1, 2), 256.0, 0);
    at_free(t);
  }

  /* a 0-dimensional tensor */
  {
    double v = 4.25;
    tensor t = at_tensor_of_data(&v, NULL, 0, 8, 7);
    REQUIRE(t != NULL);
    CHECK_NO_ERR();
    CHECK_INT(at_dim(t), 0);
    CHECK_NEAR(at0(t), 4.25, 0);
    double back = 0;
    at_copy_data(t, &back, 1, 8);
    CHECK_NO_ERR();
    CHECK_NEAR(back, 4.25, 0);
    at_free(t);
  }
  /* an empty tensor: no data needed */
  {
    int64_t dims[2] = {0, 4};
    tensor t = at_tensor_of_data(NULL, dims, 2, 4, 6);
    REQUIRE(t != NULL);
    CHECK_NO_ERR();
    CHECK_SHAPE(t, 0, 4);
    at_copy_data(t, NULL, 0, 4);
    CHECK_NO_ERR();
    at_free(t);
  }
  /* the data is copied: changing the source afterwards does not change the tensor */
  {
    float v[3] = {1, 2, 3};
    int64_t dims[1] = {3};
    tensor t = make_f32(v, dims, 1);
    v[1] = 100;
    CHECK_NEAR(at1(t, 1), 2, 0);
    at_free(t);
  }
  /* mismatched element sizes and counts are errors, not memory corruption */
  {
    float v[3] = {1, 2, 3};
    int64_t dims[1] = {3};
    tensor bad = at_tensor_of_data(v, dims, 1, 8, 6);
    CHECK(bad == NULL);
    CHECK_ERR("element size");
    tensor t = make_f32(v, dims, 1);
    double out[3];
    at_copy_data(t, out, 3, 8);
    CHECK_ERR("element size");
    float out2[2];
    at_copy_data(t, out2, 2, 4);
    CHECK_ERR("elements");
    at_free(t);
  }
  return check_report();
}
