/* C written against tch's own declarations (torch-sys 0.26's libtch/torch_api.h and
 * torch_api_generated.h, as seen by a C compiler), not our header: the same handle typedefs, the
 * same prototypes (unnamed out__ array, non-const int lists, `()` parameter lists), so a program
 * written for tch's C wrapper builds and runs against libtorchrs. Compiled -Wall -Wextra -Werror
 * -pedantic as C11. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- as in torch_api.h (the non-C++ branch) --- */
typedef void *tensor;
typedef void *optimizer;
typedef void *scalar;
typedef void *module;
typedef void *ivalue;

char *get_and_reset_last_err(); /* thread-local */
tensor at_new_tensor();
tensor at_tensor_of_data(void *vs, int64_t *dims, size_t ndims, size_t element_size_in_bytes, int type);
void at_copy_data(tensor tensor, void *vs, size_t numel, size_t element_size_in_bytes);
tensor at_shallow_clone(tensor);
int at_defined(tensor);
size_t at_dim(tensor);
void at_shape(tensor, int64_t *);
double at_double_value_at_indexes(tensor, int64_t *indexes, int indexes_len);
char *at_to_string(tensor, int line_size);
void at_free(tensor);
scalar ats_int(int64_t);
scalar ats_float(double);
void ats_free(scalar);

/* --- as in torch_api_generated.h --- */
void atg_add(tensor *, tensor self, tensor other);
void atg_cholesky(tensor *, tensor self, int upper);
void atg_matmul(tensor *, tensor self, tensor other);
void atg_mul(tensor *, tensor self, tensor other);
void atg_mul_scalar(tensor *, tensor self, scalar other);
void atg_ones(tensor *, int64_t *size_data, int size_len, int options_kind, int options_device);
tensor *atg_split(tensor self, int64_t split_size, int64_t dim);
void atg_sum(tensor *, tensor self, int dtype);
void atg_transpose(tensor *, tensor self, int64_t dim0, int64_t dim1);
void atg_view(tensor *, tensor self, int64_t *size_data, int size_len);

static int failures = 0;
#define EXPECT(c)                                                                                 \
  do {                                                                                            \
    if (!(c)) {                                                                                   \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c);                                     \
      failures++;                                                                                 \
    }                                                                                             \
  } while (0)

/* tch's pattern: call, then read the error slot; NULL means success */
static int ok(void) {
  char *e = get_and_reset_last_err();
  if (e) {
    fprintf(stderr, "unexpected error: %s\n", e);
    free(e);
    return 0;
  }
  return 1;
}

int main(void) {
  tensor t = at_new_tensor();
  EXPECT(!at_defined(t));
  at_free(t);

  float data[6] = {1, 2, 3, 4, 5, 6};
  int64_t dims[2] = {2, 3};
  tensor a = at_tensor_of_data(data, dims, 2, sizeof(float), 6);
  EXPECT(ok() && a);

  tensor out[1];
  int64_t ones_dims[2] = {3, 2};
  atg_ones(out, ones_dims, 2, 6, -1);
  EXPECT(ok());
  tensor o = out[0];

  /* (a + a) @ ones(3,2) = row sums doubled: [[12,12],[30,30]] */
  atg_add(out, a, a);
  EXPECT(ok());
  tensor a2 = out[0];
  atg_matmul(out, a2, o);
  EXPECT(ok());
  tensor m = out[0];
  int64_t shape[2] = {0, 0};
  EXPECT(at_dim(m) == 2);
  at_shape(m, shape);
  EXPECT(shape[0] == 2 && shape[1] == 2);
  float res[4] = {0};
  at_copy_data(m, res, 4, sizeof(float));
  EXPECT(ok());
  EXPECT(res[0] == 12 && res[1] == 12 && res[2] == 30 && res[3] == 30);

  scalar s = ats_float(0.5);
  atg_mul_scalar(out, m, s);
  EXPECT(ok());
  tensor h = out[0];
  atg_sum(out, h, -1);
  EXPECT(ok());
  EXPECT(at_double_value_at_indexes(out[0], NULL, 0) == 42.0);
  at_free(out[0]);

  int64_t flat[1] = {-1};
  atg_view(out, a, flat, 1);
  EXPECT(ok());
  EXPECT(at_dim(out[0]) == 1);
  char *str = at_to_string(out[0], 80);
  EXPECT(ok() && str && strstr(str, "CPUFloatType{6}"));
  free(str);
  at_free(out[0]);

  /* ops with a variable number of outputs return a malloc'd NULL-terminated array, or NULL and
   * an error (tch frees the array with free()) */
  tensor *parts = atg_split(a, 1, 0);
  if (parts) {
    EXPECT(ok());
    int n = 0;
    while (parts[n]) {
      at_free(parts[n]);
      n++;
    }
    EXPECT(n == 2);
    free(parts);
  } else {
    char *e = get_and_reset_last_err();
    EXPECT(e != NULL);
    free(e);
  }

  /* failures come back through the error slot, with NULL outputs */
  atg_cholesky(out, a, 0);
  EXPECT(out[0] == NULL);
  char *e = get_and_reset_last_err();
  EXPECT(e != NULL);
  free(e);

  ats_free(s);
  at_free(h);
  at_free(m);
  at_free(a2);
  at_free(o);
  at_free(a);
  if (failures) {
    fprintf(stderr, "tch_style: %d checks failed\n", failures);
    return 1;
  }
  printf("tch_style: all checks passed\n");
  return 0;
}
