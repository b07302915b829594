/* The C side of the Go bindings: small helpers that each run one library call and return this
   thread's last error (a malloc'd string the caller frees, or NULL) in the same C call. cgo may
   move a goroutine to another OS thread between two C calls, so an error slot read in a second
   call could belong to another thread; every fallible call goes through one of these. */
#ifndef TORCHRS_GO_CAPI_H
#define TORCHRS_GO_CAPI_H

#include <stdint.h>
#include <stdlib.h>
#include "torchrs.h"

/* Drops a stale error left in this thread's slot by a call made outside these helpers. */
void trs_clear_err(void);

/* A scalar handle from the Go Scalar encoding: kind 0 none (NULL), 1 int, 2 float. */
scalar trs_scalar(int kind, int64_t i, double f);
void trs_scalar_free(scalar s);

/* Tensors: creation, metadata, data. */
char *trs_tensor_of_data(tensor *ret, void *data, int64_t *dims, size_t ndims, size_t elt_size, int kind);
char *trs_copy_data(tensor t, void *dst, size_t numel, size_t elt_size);
char *trs_shape(tensor t, int64_t *dims, size_t cap, size_t *ndims);
char *trs_scalar_type(tensor t, int *ret);
char *trs_device(tensor t, int *ret);
char *trs_defined(tensor t, int *ret);
char *trs_is_contiguous(tensor t, int *ret);
char *trs_requires_grad(tensor t, int *ret);
char *trs_shallow_clone(tensor *ret, tensor t);
char *trs_get(tensor *ret, tensor t, int index);
char *trs_double_value_at(double *ret, tensor t, int64_t *idx, int n);
char *trs_int64_value_at(int64_t *ret, tensor t, int64_t *idx, int n);
char *trs_to_string(char **ret, tensor t, int line_size);
char *trs_copy_(tensor dst, tensor src);
char *trs_fill_double(tensor t, double v);

/* Autograd. */
char *trs_backward(tensor t, int keep_graph, int create_graph);
char *trs_run_backward(const tensor *ts, int nts, const tensor *inputs, int ninputs, tensor *outs,
                       int keep_graph, int create_graph);

/* Files. trs_load_named returns a malloc'd array of n names (each malloc'd) and tensors. */
char *trs_save(tensor t, char *path);
char *trs_load(tensor *ret, char *path);
char *trs_save_multi(tensor *ts, char **names, int n, char *path);
char *trs_load_named(char *path, char ***names, tensor **ts, int *n);

/* Optimizers. */
char *trs_sgd(optimizer *ret, double lr, double momentum, double dampening, double wd, int nesterov);
char *trs_adam(optimizer *ret, double lr, double beta1, double beta2, double wd, double eps, int amsgrad);
char *trs_adamw(optimizer *ret, double lr, double beta1, double beta2, double wd, double eps, int amsgrad);
char *trs_rms_prop(optimizer *ret, double lr, double alpha, double eps, double wd, double momentum,
                   int centered);
char *trs_opt_add_parameter(optimizer o, tensor t, size_t group);
char *trs_opt_set_learning_rate(optimizer o, double lr);
char *trs_opt_set_momentum(optimizer o, double m);
char *trs_opt_zero_grad(optimizer o);
char *trs_opt_step(optimizer o);

#endif
