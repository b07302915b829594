/* Link test: a plain C program that defines none of tch's tch_*_stream_* callbacks (the library
 * only references them weakly) links against libtorchrs, shared or static, and runs. Built twice
 * by CMake: link_shared (-ltorchrs) and link_static (libtorchrs.a -lpthread -ldl -lm). */
#include <stdio.h>
#include <stdlib.h>

#include "torchrs.h"

int main(void) {
  int64_t dims[2] = {2, 2};
  tensor out[1] = {NULL};
  atg_ones(out, dims, 2, 7, -1);
  tensor ones = out[0];
  scalar three = ats_int(3);
  atg_mul_scalar(out, ones, three);
  tensor t = out[0];
  char *e = get_and_reset_last_err();
  if (e || !ones || !t) {
    fprintf(stderr, "link test: unexpected failure: %s\n", e ? e : "(no message)");
    free(e);
    return 1;
  }
  int64_t idx[2] = {1, 1};
  double v = at_double_value_at_indexes(t, idx, 2);
  at_free(t);
  at_free(ones);
  ats_free(three);
  if (v != 3.0) {
    fprintf(stderr, "link test: got %g, expected 3\n", v);
    return 1;
  }
  printf("link test: ok\n");
  return 0;
}
