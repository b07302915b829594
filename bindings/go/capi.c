/* The C side of the Go bindings (see capi.h). */
#include <string.h>
#include "capi.h"

/* Runs one library call between clearing this thread's error slot and taking what it left. */
#define TRS_CALL(stmt)             \
  do {                             \
    trs_clear_err();               \
    stmt;                          \
    return get_and_reset_last_err(); \
  } while (0)

void trs_clear_err(void) {
  char *e = get_and_reset_last_err();
  if (e) free(e);
}

scalar trs_scalar(int kind, int64_t i, double f) {
  if (kind == 1) return ats_int(i);
  if (kind == 2) return ats_float(f);
  return NULL;
}

void trs_scalar_free(scalar s) {
  if (s) ats_free(s);
}

char *trs_tensor_of_data(tensor *ret, void *data, int64_t *dims, size_t ndims, size_t elt_size, int kind) {
  TRS_CALL(*ret = at_tensor_of_data(data, dims, ndims, elt_size, kind));
}

char *trs_copy_data(tensor t, void *dst, size_t numel, size_t elt_size) {
  TRS_CALL(at_copy_data(t, dst, numel, elt_size));
}

char *trs_shape(tensor t, int64_t *dims, size_t cap, size_t *ndims) {
  trs_clear_err();
  size_t n = at_dim(t);
  char *e = get_and_reset_last_err();
  if (e) return e;
  *ndims = n;
  if (n <= cap) at_shape(t, dims);
  return get_and_reset_last_err();
}

#define TRS_INT_QUERY(name, fn) \
  char *name(tensor t, int *ret) { TRS_CALL(*ret = fn(t)); }
TRS_INT_QUERY(trs_scalar_type, at_scalar_type)
TRS_INT_QUERY(trs_device, at_device)
TRS_INT_QUERY(trs_defined, at_defined)
TRS_INT_QUERY(trs_is_contiguous, at_is_contiguous)
TRS_INT_QUERY(trs_requires_grad, at_requires_grad)

char *trs_shallow_clone(tensor *ret, tensor t) {
  TRS_CALL(*ret = at_shallow_clone(t));
}

char *trs_get(tensor *ret, tensor t, int index) {
  TRS_CALL(*ret = at_get(t, index));
}

char *trs_double_value_at(double *ret, tensor t, int64_t *idx, int n) {
  TRS_CALL(*ret = at_double_value_at_indexes(t, idx, n));
}

char *trs_int64_value_at(int64_t *ret, tensor t, int64_t *idx, int n) {
  TRS_CALL(*ret = at_int64_value_at_indexes(t, idx, n));
}

char *trs_to_string(char **ret, tensor t, int line_size) {
  TRS_CALL(*ret = at_to_string(t, line_size));
}

char *trs_copy_(tensor dst, tensor src) {
  TRS_CALL(at_copy_(dst, src));
}

char *trs_fill_double(tensor t, double v) {
  TRS_CALL(at_fill_double(t, v));
}

char *trs_backward(tensor t, int keep_graph, int create_graph) {
  TRS_CALL(at_backward(t, keep_graph, create_graph));
}

char *trs_run_backward(const tensor *ts, int nts, const tensor *inputs, int ninputs, tensor *outs,
                       int keep_graph, int create_graph) {
  TRS_CALL(at_run_backward(ts, nts, inputs, ninputs, outs, keep_graph, create_graph));
}

char *trs_save(tensor t, char *path) {
  TRS_CALL(at_save(t, path));
}

char *trs_load(tensor *ret, char *path) {
  TRS_CALL(*ret = at_load(path));
}

char *trs_save_multi(tensor *ts, char **names, int n, char *path) {
  TRS_CALL(at_save_multi(ts, names, n, path));
}

/* Collects the (name, tensor) pairs at_load_callback reports. */
typedef struct {
  char **names;
  tensor *ts;
  int n, cap, oom;
} trs_named;

static void trs_named_add(void *data, char *name, tensor t) {
  trs_named *acc = (trs_named *)data;
  if (acc->n == acc->cap) {
    int cap = acc->cap ? 2 * acc->cap : 16;
    char **names = realloc(acc->names, cap * sizeof(char *));
    if (names) acc->names = names;
    tensor *ts = realloc(acc->ts, cap * sizeof(tensor));
    if (ts) acc->ts = ts;
    if (!names || !ts) {
      acc->oom = 1;
      at_free(t);
      return;
    }
    acc->cap = cap;
  }
  char *copy = strdup(name ? name : "");
  if (!copy) {
    acc->oom = 1;
    at_free(t);
    return;
  }
  acc->names[acc->n] = copy;
  acc->ts[acc->n] = t;
  acc->n++;
}

char *trs_load_named(char *path, char ***names, tensor **ts, int *n) {
  trs_named acc = {NULL, NULL, 0, 0, 0};
  trs_clear_err();
  at_load_callback(path, &acc, trs_named_add);
  char *e = get_and_reset_last_err();
  if (!e && acc.oom) e = strdup("torchrs: out of memory while loading");
  if (e) {
    for (int i = 0; i < acc.n; i++) {
      free(acc.names[i]);
      at_free(acc.ts[i]);
    }
    free(acc.names);
    free(acc.ts);
    return e;
  }
  *names = acc.names;
  *ts = acc.ts;
  *n = acc.n;
  return NULL;
}

char *trs_sgd(optimizer *ret, double lr, double momentum, double dampening, double wd, int nesterov) {
  TRS_CALL(*ret = ato_sgd(lr, momentum, dampening, wd, nesterov));
}

char *trs_adam(optimizer *ret, double lr, double beta1, double beta2, double wd, double eps, int amsgrad) {
  TRS_CALL(*ret = ato_adam(lr, beta1, beta2, wd, eps, amsgrad != 0));
}

char *trs_adamw(optimizer *ret, double lr, double beta1, double beta2, double wd, double eps, int amsgrad) {
  TRS_CALL(*ret = ato_adamw(lr, beta1, beta2, wd, eps, amsgrad != 0));
}

char *trs_rms_prop(optimizer *ret, double lr, double alpha, double eps, double wd, double momentum,
                   int centered) {
  TRS_CALL(*ret = ato_rms_prop(lr, alpha, eps, wd, momentum, centered));
}

char *trs_opt_add_parameter(optimizer o, tensor t, size_t group) {
  TRS_CALL(ato_add_parameters(o, t, group));
}

char *trs_opt_set_learning_rate(optimizer o, double lr) {
  TRS_CALL(ato_set_learning_rate(o, lr));
}

char *trs_opt_set_momentum(optimizer o, double m) {
  TRS_CALL(ato_set_momentum(o, m));
}

char *trs_opt_zero_grad(optimizer o) {
  TRS_CALL(ato_zero_grad(o));
}

char *trs_opt_step(optimizer o) {
  TRS_CALL(ato_step(o));
}
