#!/usr/bin/env python3
"""Lists the `atg_*` ops that take one or two tensors and nothing else and fail on 3x3 floats.

Writes a C program calling every such function of include/torchrs.h on float32 3x3 inputs
(a second tensor of the same shape for two-tensor ops), builds it against a library directory
and prints each failing op with its error. Usage:
    python3 benches/missing_ops.py [LIB_DIR] [FILTER]
Some failures are PyTorch's own dtype errors (bitwise ops and gcd on floats, complex-only ops).
"""
import os, re, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
lib = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "target/release"))
filt = sys.argv[2] if len(sys.argv) > 2 else ""
header = open(os.path.join(root, "include/torchrs.h")).read()
one = re.findall(r"void (atg_\w+)\(tensor \*out__, tensor self_\);", header)
two = re.findall(r"void (atg_\w+)\(tensor \*out__, tensor self_, tensor other\);", header)
calls = []
for name in one:
    if filt in name:
        calls.append(f'  try1("{name}", {name});')
for name in two:
    if filt in name:
        calls.append(f'  try2("{name}", {name});')
prog = r"""
#include <stdio.h>
#include <stdlib.h>
#include "torchrs.h"
static tensor mk(void) {
  float v[9] = {0.3f, -1.2f, 2.5f, 0.7f, 1.5f, -0.4f, 0.9f, 0.2f, 3.1f};
  int64_t d[2] = {3, 3};
  return at_tensor_of_data(v, d, 2, 4, 6);
}
static int failed = 0;
static void report(const char *n, tensor *out) {
  char *e = get_and_reset_last_err();
  if (e) { printf("%-40s %s\n", n, e); free(e); failed++; }
  for (int i = 0; i < 4; i++) if (out[i]) at_free(out[i]);
}
static void try1(const char *n, void (*f)(tensor *, tensor)) {
  tensor out[4] = {0}; tensor a = mk(); f(out, a); report(n, out); at_free(a);
}
static void try2(const char *n, void (*f)(tensor *, tensor, tensor)) {
  tensor out[4] = {0}; tensor a = mk(), b = mk(); f(out, a, b); report(n, out); at_free(a); at_free(b);
}
int main(void) {
%CALLS%
  printf("%d of %d failed\n", failed, %N%);
  return 0;
}
""".replace("%CALLS%", "\n".join(calls)).replace("%N%", str(len(calls)))
with tempfile.TemporaryDirectory() as tmp:
    src, exe = os.path.join(tmp, "ops.c"), os.path.join(tmp, "ops")
    open(src, "w").write(prog)
    subprocess.run(["cc", "-O0", "-w", "-I", os.path.join(root, "include"), src, "-L", lib, "-ltorchrs",
                    "-Wl,-rpath," + lib, "-o", exe], check=True)
    subprocess.run([exe], check=False)
