#!/usr/bin/env bash
# Runs the test suite of the published tch crate (0.26.0) against our library, through cargo's
# `links = "tch"` override, and checks the result against bindings/tch/expected-pass.txt.
#
#   usage: bindings/tch/run-suite.sh [--update] [--no-check] LIB_DIR
#     LIB_DIR      folder holding libtorchrs.so (e.g. target/release)
#     --update     add the tests that pass but are not on expected-pass.txt yet (kept sorted)
#     --no-check   only run and report; do not compare with expected-pass.txt
#   environment:
#     TCH_SUITE_WORK     work folder (default: target/tch-suite under the repository root)
#     TCH_SUITE_TIMEOUT  seconds one run of a test binary may take (default 300)
#     TCH_SUITE_FILTER   a name filter passed to every test binary (for local work; with a
#                        filter, listed tests that were not selected are not checked)
#     TCH_VERSION        the tch version to test (default 0.26.0; the list is for 0.26.0)
#
# Output: one line per test binary, then `tch-suite: N passed, M failed`, then the comparison
# with the expected-pass list. Per-test results go to $TCH_SUITE_WORK/results.txt as lines
# `test BINARY::NAME ... ok|FAILED|ignored`, and each binary's output to $TCH_SUITE_WORK/logs/.
# Exit status: 0 when every listed test passed, 1 when one did not, 2 when the suite could not
# be built or run.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
expected=$here/expected-pass.txt

update=0 check=1 lib_arg=""
for a in "$@"; do
  case $a in
    --update) update=1 ;;
    --no-check) check=0 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run-suite: unknown option $a" >&2; exit 2 ;;
    *) lib_arg=$a ;;
  esac
done
[[ -n $lib_arg ]] || { echo "usage: run-suite.sh [--update] [--no-check] LIB_DIR" >&2; exit 2; }
lib_dir=$(cd "$lib_arg" 2>/dev/null && pwd) || { echo "run-suite: no folder $lib_arg" >&2; exit 2; }
[[ -f $lib_dir/libtorchrs.so ]] || { echo "run-suite: no libtorchrs.so in $lib_dir (build it: make lib)" >&2; exit 2; }

ver=${TCH_VERSION:-0.26.0}
per_run=${TCH_SUITE_TIMEOUT:-300}
filter=${TCH_SUITE_FILTER:-}
work=${TCH_SUITE_WORK:-$root/target/tch-suite}
mkdir -p "$work" && work=$(cd "$work" && pwd)
logs=$work/logs
rm -rf "$logs" && mkdir -p "$logs"

# 1. The tch source, through cargo itself: a throw-away crate that depends on tch, fetched.
fetcher=$work/fetch
mkdir -p "$fetcher/src"
cat >"$fetcher/Cargo.toml" <<EOF
[package]
name = "fetch-tch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
tch = "=$ver"
EOF
echo 'fn main() {}' >"$fetcher/src/main.rs"
if ! (cd "$fetcher" && cargo fetch -q); then
  echo "run-suite: cargo could not fetch tch $ver" >&2
  exit 2
fi
src=$(cd "$fetcher" && cargo metadata --format-version 1 2>/dev/null |
  grep -o "\"manifest_path\":\"[^\"]*/tch-$ver/Cargo.toml\"" | head -n 1 | cut -d'"' -f4)
src=${src%/Cargo.toml}
if [[ -z $src || ! -d $src ]]; then
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/tch-"$ver" 2>/dev/null | head -n 1)
fi
[[ -n $src && -d $src ]] || { echo "run-suite: tch-$ver is not in the cargo registry" >&2; exit 2; }
suite=$work/tch-$ver
if [[ ! -f $suite/Cargo.toml ]]; then
  rm -rf "$suite.tmp" && cp -r "$src" "$suite.tmp" && mv "$suite.tmp" "$suite" || exit 2
fi

# 2. Our library under both names tch's targets link: -ltorchrs (the override) and -ltorch
#    (tch's build script). Links in a folder of our own, so LIB_DIR is left untouched.
linkdir=$work/lib
mkdir -p "$linkdir"
ln -sfn "$lib_dir/libtorchrs.so" "$linkdir/libtorchrs.so"
ln -sfn "$lib_dir/libtorchrs.so" "$linkdir/libtorch.so"
# libtorchrs.so needs its stream stand-ins beside it (found through its RUNPATH $ORIGIN)
[[ -e $lib_dir/libtorchrs_nostreams.so ]] && ln -sfn "$lib_dir/libtorchrs_nostreams.so" "$linkdir/libtorchrs_nostreams.so"

triple=$(rustc -vV | sed -n 's/^host: //p')
mkdir -p "$suite/.cargo"
cat >"$suite/.cargo/config.toml" <<EOF
# written by bindings/tch/run-suite.sh: torch-sys's build script is replaced by our library
[target.$triple.tch]
rustc-link-search = ["native=$linkdir"]
rustc-link-lib = ["dylib=torchrs"]
libtorch_lib = "$linkdir"

[target.$triple]
rustflags = ["-C", "link-arg=-Wl,-rpath,$linkdir"]
EOF

# 3. Build tch's library and its integration tests once (cached in $work/target).
export CARGO_TARGET_DIR=$work/target
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
echo "run-suite: building tch $ver and its tests (release) against $lib_dir"
if ! (cd "$suite" && cargo test --release --no-run --lib --tests --message-format=json \
      >"$work/build.json" 2>"$work/build.err"); then
  echo "run-suite: building tch's tests against $lib_dir failed; the first errors:" >&2
  grep -E '^(error|warning: unused)|undefined reference|note: ' "$work/build.err" | head -n 30 >&2
  exit 2
fi
mapfile -t bins < <(grep -o '"executable":"[^"]*"' "$work/build.json" | cut -d'"' -f4 | sort -u)
[[ ${#bins[@]} -gt 0 ]] || { echo "run-suite: the build produced no test binaries" >&2; exit 2; }

# 4. Run every binary, one test at a time. When a binary dies (crash, abort, time-out) before
#    reporting all its tests, the test it was running counts as failed and the binary is run again
#    on the tests it never reported.
results=$work/results.txt
: >"$results"
total_pass=0 total_fail=0 total_ignored=0

run_binary() {  # $1 binary path, $2 display name; appends to $results, sets pass/fail/ignored
  local bin=$1 name=$2 round=0 code
  local listfile=$logs/$name.list
  pass=0 fail=0 ignored=0 note=""
  # shellcheck disable=SC2086
  if ! (cd "$suite" && "$bin" --list $filter >"$listfile.raw" 2>"$logs/$name.list.err"); then
    note=" [could not list its tests: $(head -c 200 "$logs/$name.list.err" | tr '\n' ' ')]"
    fail=1
    echo "test $name::* ... FAILED" >>"$results"
    return
  fi
  sed -n 's/: test$//p' "$listfile.raw" >"$listfile"
  local -A status=()
  local -a remaining
  mapfile -t remaining <"$listfile"
  while [[ ${#remaining[@]} -gt 0 ]]; do
    round=$((round + 1))
    local out=$logs/$name.$round.out logf=$logs/$name.$round.log
    rm -f "$logf"
    if [[ $round -eq 1 ]]; then
      # shellcheck disable=SC2086
      { (cd "$suite" && timeout -k 5 "$per_run" "$bin" --test-threads=1 --logfile "$logf" $filter \
        >"$out" 2>&1); } 2>/dev/null  # (no "Aborted" notice from bash: the note below says it)
    else
      { (cd "$suite" && timeout -k 5 "$per_run" "$bin" --test-threads=1 --logfile "$logf" --exact \
        "${remaining[@]}" >"$out" 2>&1); } 2>/dev/null
    fi
    code=$?
    # the log file has `ok NAME`, `failed NAME`, `failed: MSG NAME` or `ignored NAME` lines
    if [[ -f $logf ]]; then
      while read -r word rest; do
        local t=${rest##* }
        case $word in
          ok) status[$t]=ok ;;
          failed|failed:) status[$t]=FAILED ;;
          ignored) status[$t]=ignored ;;
        esac
      done <"$logf"
    fi
    # stdout fallback, should a libtest version stop writing the log file
    while read -r t r; do
      [[ -n ${status[$t]:-} ]] || status[$t]=$r
    done < <(sed -nE 's/^test (.+) \.\.\. (ok|FAILED|ignored)$/\1 \2/p' "$out")
    local -a left=()
    local t
    for t in "${remaining[@]}"; do [[ -n ${status[$t]:-} ]] || left+=("$t"); done
    [[ ${#left[@]} -gt 0 ]] || break
    # the binary ended early: blame the test it had started last, and go on with the rest
    local started
    started=$(sed -nE 's/^test (.+) \.\.\. .*/\1/p' "$out" | tail -n 1)
    started=${started%% *}
    local why="status $code"
    [[ $code -eq 124 || $code -eq 137 ]] && why="timed out after ${per_run}s"
    if [[ -n $started && -z ${status[$started]:-} ]]; then
      status[$started]=FAILED
      note+=" [$started: $why]"
      remaining=()
      for t in "${left[@]}"; do [[ $t == "$started" ]] || remaining+=("$t"); done
    else
      for t in "${left[@]}"; do status[$t]=FAILED; done
      note+=" [ended with $why; ${#left[@]} unreported tests counted as failed]"
      break
    fi
  done
  local line
  while read -r line; do
    [[ -n $line ]] || continue
    local s=${status[$line]:-FAILED}
    echo "test $name::$line ... $s" >>"$results"
    case $s in
      ok) pass=$((pass + 1)) ;;
      ignored) ignored=$((ignored + 1)) ;;
      *) fail=$((fail + 1)) ;;
    esac
  done <"$listfile"
}

for bin in "${bins[@]}"; do
  name=$(basename "$bin" | sed -E 's/-[0-9a-f]{16}$//')
  run_binary "$bin" "$name"
  extra=""
  [[ $ignored -gt 0 ]] && extra=", $ignored ignored"
  printf '%-22s %3d passed, %3d failed%s%s\n' "$name" "$pass" "$fail" "$extra" "$note"
  total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail))
  total_ignored=$((total_ignored + ignored))
done
echo "tch-suite: $total_pass passed, $total_fail failed"

# 5. Compare with the committed list of tests that must pass.
[[ $check -eq 1 || $update -eq 1 ]] || exit 0
passed=$work/passed.txt
sed -nE 's/^test (.+) \.\.\. ok$/\1/p' "$results" | sort -u >"$passed"
ran=$work/ran.txt
sed -nE 's/^test (.+) \.\.\. .*$/\1/p' "$results" | sort -u >"$ran"
listed=$work/listed.txt
if [[ -f $expected ]]; then
  grep -vE '^[[:space:]]*(#|$)' "$expected" | sed 's/[[:space:]]*$//' | sort -u >"$listed"
else
  : >"$listed"
fi
if [[ -n $filter ]]; then  # only check what this run selected
  comm -12 "$listed" "$ran" >"$listed.sel" && mv "$listed.sel" "$listed"
fi
missing=$(comm -23 "$listed" "$passed")
new=$(comm -13 "$listed" "$passed")
rc=0
if [[ -n $missing ]]; then
  echo "tch-suite: $(wc -l <<<"$missing") tests on bindings/tch/expected-pass.txt did not pass:"
  while read -r t; do
    r=$(grep -F "test $t ... " "$results" | head -n 1 | sed -E 's/.* \.\.\. //')
    echo "  $t (${r:-not found})"
  done <<<"$missing"
  rc=1
else
  echo "tch-suite: all $(wc -l <"$listed" | tr -d ' ') tests on expected-pass.txt passed"
fi
if [[ -n $new ]]; then
  if [[ $update -eq 1 ]]; then
    # keep the comment lines on top and the names sorted
    { grep -E '^[[:space:]]*#' "$expected" 2>/dev/null
      { grep -vE '^[[:space:]]*(#|$)' "$expected" 2>/dev/null; printf '%s\n' "$new"; } | sort -u
    } >"$expected.tmp" && mv "$expected.tmp" "$expected"
    echo "tch-suite: added $(wc -l <<<"$new") newly passing tests to bindings/tch/expected-pass.txt"
  else
    echo "tch-suite: $(wc -l <<<"$new") tests pass but are not on expected-pass.txt yet (add them: run-suite.sh --update):"
    sed 's/^/  /' <<<"$new"
  fi
fi
exit $rc
