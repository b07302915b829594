#!/usr/bin/env bash
# Side-by-side benchmark: the same tch program (benches/compare) on libtorchrs and on libtorch.
#   usage: benches/compare.sh REFERENCE_LIB_DIR [CASE...]
#     REFERENCE_LIB_DIR  folder with real libtorch behind the tch ABI (from
#                        ../shared/tools/setup-libtorch.sh: DIR/libtch)
# Builds libtorchrs (release) and the program, then runs each case on both libraries,
# interleaved (ours, theirs, ours, theirs), and prints each ratio (libtorch time / ours) and the
# geometric mean. Env: BENCH_MS (time budget per case and run, default 300), ROUNDS (default 2),
# CPU_CAPABILITY (default|avx2|avx512: both libraries limited to that instruction set, through
# TORCHRS_CPU_CAPABILITY and libtorch's ATEN_CPU_CAPABILITY, to compare as on another CPU).
set -euo pipefail
source "$(dirname "$0")/side_by_side.sh" "$@"; shift
triple=$(rustc -vV | sed -n 's/^host: //p')
mkdir -p "$root/benches/compare/.cargo"
cat >"$root/benches/compare/.cargo/config.toml" <<CFG
[target.$triple.tch]
rustc-link-search = ["native=$ours"]
rustc-link-lib = ["dylib=torchrs"]
libtorch_lib = "$ours"
CFG
(cd "$root/benches/compare" && cargo build --release -q)
bin=$root/benches/compare/target/release/torchrs-compare
cases=("$@")
[[ ${#cases[@]} -gt 0 ]] || mapfile -t cases < <(LD_LIBRARY_PATH=$ours "$bin" --list)
rounds=${ROUNDS:-2}
if [[ -n ${CPU_CAPABILITY:-} ]]; then
  export TORCHRS_CPU_CAPABILITY=$CPU_CAPABILITY ATEN_CPU_CAPABILITY=$CPU_CAPABILITY
fi
# the smaller of two timings, where "failed" or empty counts as no timing
min_ns() {
  local a=$1 b=$2
  [[ $b =~ ^[0-9]+$ ]] || { echo "$a"; return; }
  [[ $a =~ ^[0-9]+$ ]] || { echo "$b"; return; }
  ((a < b)) && echo "$a" || echo "$b"
}
printf '%-28s %12s %12s %8s\n' case "torchrs ns" "libtorch ns" ratio
logsum=0 n=0
for c in "${cases[@]}"; do
  best_ours=failed best_ref=failed
  for ((r = 0; r < rounds; r++)); do
    o=$(LD_LIBRARY_PATH=$ours "$bin" "$c" | awk '{print $2}')
    t=$(LD_LIBRARY_PATH=$ref "$bin" "$c" | awk '{print $2}')
    best_ours=$(min_ns "$best_ours" "$o")
    best_ref=$(min_ns "$best_ref" "$t")
  done
  if [[ $best_ours == failed || $best_ref == failed ]]; then
    printf '%-28s %12s %12s %8s\n' "$c" "$best_ours" "$best_ref" "-"
    continue
  fi
  ratio=$(awk -v a="$best_ref" -v b="$best_ours" 'BEGIN{printf "%.2f", a/b}')
  logsum=$(awk -v s="$logsum" -v r="$ratio" 'BEGIN{print s + log(r)}'); n=$((n + 1))
  printf '%-28s %12s %12s %8sx\n' "$c" "$best_ours" "$best_ref" "$ratio"
done
[[ $n -gt 0 ]] && awk -v s="$logsum" -v n="$n" 'BEGIN{printf "geometric mean over %d cases: %.2fx\n", n, exp(s/n)}'
