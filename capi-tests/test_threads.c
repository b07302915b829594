/* Four threads at once, each doing its own ops and its own failures: results are right and each
 * thread's last-error slot holds only its own messages. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "check.h"

#define NTHREADS 4
#define ITERS 200

static pthread_barrier_t start;

typedef struct {
  int id;
  int failures;
  char why[256];
} job;

static void fail(job *j, const char *msg) {
  if (!j->failures) snprintf(j->why, sizeof j->why, "thread %d: %s", j->id, msg);
  j->failures++;
}

static void *work(void *arg) {
  job *j = arg;
  int n = 2 + j->id; /* each thread has its own sizes, so its messages are its own */
  float data[8];
  for (int k = 0; k < n; k++) data[k] = (float)(j->id * 10 + k);
  int64_t dn[1] = {n}, dn1[1] = {n + 1};
  pthread_barrier_wait(&start);
  for (int it = 0; it < ITERS; it++) {
    tensor a = at_tensor_of_data(data, dn, 1, 4, 6);
    tensor out[1];
    atg_mul(out, a, a);
    tensor sq = out[0];
    if (!sq) {
      fail(j, "mul failed");
      at_free(a);
      continue;
    }
    atg_sum(out, sq, -1);
    double want = 0;
    for (int k = 0; k < n; k++) want += (double)data[k] * data[k];
    if (!out[0] || at_double_value_at_indexes(out[0], NULL, 0) != want) fail(j, "wrong sum");
    at_free(out[0]);
    /* nothing may be pending here, whatever the other threads did */
    char *e = get_and_reset_last_err();
    if (e) {
      fail(j, "unexpected error pending");
      free(e);
    }
    /* our own failure: [n] + [n+1] */
    float more[9] = {0};
    tensor b = at_tensor_of_data(more, dn1, 1, 4, 6);
    out[0] = (tensor)(uintptr_t)1;
    atg_add(out, a, b);
    if (out[0] != NULL) fail(j, "failed add did not leave NULL");
    e = get_and_reset_last_err();
    char want_msg[128];
    snprintf(want_msg, sizeof want_msg, "tensor a (%d) must match the size of tensor b (%d)", n,
             n + 1);
    if (!e || !strstr(e, want_msg)) fail(j, e ? e : "no error after a failed add");
    free(e);
    e = get_and_reset_last_err();
    if (e) {
      fail(j, "error not cleared");
      free(e);
    }
    at_free(b);
    at_free(sq);
    at_free(a);
  }
  return NULL;
}

int main(void) {
  pthread_t th[NTHREADS];
  job jobs[NTHREADS];
  pthread_barrier_init(&start, NULL, NTHREADS);
  for (int i = 0; i < NTHREADS; i++) {
    jobs[i].id = i;
    jobs[i].failures = 0;
    jobs[i].why[0] = 0;
    REQUIRE(pthread_create(&th[i], NULL, work, &jobs[i]) == 0);
  }
  for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&start);
  for (int i = 0; i < NTHREADS; i++) {
    CHECK_INT(jobs[i].failures, 0);
    if (jobs[i].failures) fprintf(stderr, "  %s\n", jobs[i].why);
  }
  /* the main thread saw none of the threads' errors */
  char *e = get_and_reset_last_err();
  CHECK(e == NULL);
  free(e);
  return check_report();
}
