#!/usr/bin/env bash
# Wide side-by-side probe: ~67 common ops on 1000x1000 f32 through the C ABI, the same C binary
# run on libtorchrs and on real libtorch (LD_LIBRARY_PATH picks), two rounds interleaved.
#   usage: benches/probe.sh REFERENCE_LIB_DIR [SUBSTRING]
# Prints each op's best time in microseconds on both and the ratio (libtorch / ours).
set -euo pipefail
source "$(dirname "$0")/side_by_side.sh" "$@"; shift
mkdir -p "$root/target/probe"
bin=$root/target/probe/ops_probe
${CC:-cc} -O2 -std=c11 -I"$root/include" "$root/benches/probe/ops_probe.c" -L"$ours" -ltorch -o "$bin"
for round in 1 2; do
  LD_LIBRARY_PATH=$ours "$bin" "$@" | sed 's/^/ours /'
  LD_LIBRARY_PATH=$ref "$bin" "$@" | sed 's/^/ref /'
done | awk '
  $3 ~ /^[0-9.]+$/ { key = $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
                     if (!((key, $1) in best) || $3 < best[key, $1]) best[key, $1] = $3; next }
  { print "  " $0 }
  END {
    printf "%-14s %11s %11s %7s\n", "op", "torchrs us", "libtorch us", "ratio"
    for (i = 1; i <= n; i++) { k = order[i]; o = best[k, "ours"]; r = best[k, "ref"]
      printf "%-14s %11s %11s %7s\n", k, o, r, (o > 0 && r > 0) ? sprintf("%.2fx", r / o) : "-" }
  }'
