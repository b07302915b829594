#!/usr/bin/env bash
# `make test`: every test of the project, in order, with the time each step takes and a summary.
#   1. lib       cargo build --release (target/release/libtorchrs.{so,a}, used by the steps below)
#   2. cargo     cargo build, then cargo test (the whole crate, incl. tests/header.rs and
#                tests/exported_symbols.rs, which loads target/debug/libtorchrs.so)
#   3. ctest     the C tests in capi-tests/ (label plain), then the same under valgrind (memcheck)
#   4. install   make install into a scratch prefix; the C tests and pkg-config against that copy
#   5. go        go test in bindings/go, when bindings/go/go.mod exists
#   6. tch       tch 0.26's own test suite on our library (bindings/tch/run-suite.sh), checked
#                against bindings/tch/expected-pass.txt
#   7. gpu       placeholder: there are no GPU tests yet
# Every step runs even when an earlier one failed (the ones that need the library are skipped
# when it did not build). Exits non-zero when any step failed.
# env: MAKE_TEST_STEPS="cargo ctest" runs only those steps (lib is built when a later step needs it).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# no incremental cache: on a fresh clone it only costs disk (it was 13 GB of target/debug)
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
only=${MAKE_TEST_STEPS:-}

names=() results=() times=()
lib_ok=1

banner() { printf '\n==== make test: %s ====\n' "$1"; }
wanted() { [[ -z $only || " $only " == *" $1 "* ]]; }
record() {  # name status seconds
  names+=("$1") results+=("$2") times+=("$3")
  printf '==== %s: %s (%ss)\n' "$1" "$2" "$3"
}
step() {  # name command...; runs the command, records PASS/FAIL with its time
  local name=$1
  shift
  [[ $name == lib ]] || wanted "$name" || return 0
  if [[ $name != lib && $name != cargo && $name != go && $lib_ok -eq 0 ]]; then
    record "$name" "SKIP (the library did not build)" 0
    return 0
  fi
  banner "$name"
  local t0=$SECONDS
  if "$@"; then
    record "$name" PASS $((SECONDS - t0))
  else
    record "$name" FAIL $((SECONDS - t0))
    [[ $name == lib ]] && lib_ok=0
  fi
}

do_lib() { cargo build --release; }

# `cargo build` first: tests/exported_symbols.rs dlopens target/debug/libtorchrs.so, which
# `cargo test` alone leaves in target/debug/deps/ (a fresh clone has no target/debug/libtorchrs.so)
# The output also goes to target/make-test-cargo.log: the summary repeats its failures (CI shows
# only the end of the output).
cargo_log=$root/target/make-test-cargo.log cargo_ran=0
do_cargo() {
  cargo_ran=1
  mkdir -p "$root/target"
  { cargo build && cargo test --no-fail-fast; } 2>&1 | tee "$cargo_log"
  return "${PIPESTATUS[0]}"
}

do_ctest() {
  local b=capi-tests/build rc=0
  cmake -S capi-tests -B "$b" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTORCHRS_PREFIX= \
    -DTORCHRS_MEMCHECK=ON >/dev/null || return 1
  cmake --build "$b" -j "$jobs" || return 1
  echo "-- ctest: plain"
  ctest --test-dir "$b" -L plain --output-on-failure -j "$jobs" || rc=1
  echo "-- ctest: memcheck (valgrind)"
  ctest --test-dir "$b" -L memcheck --output-on-failure -j "$jobs" || rc=1
  return $rc
}

do_install() {
  local prefix=$root/target/install-check b=$root/target/install-check-build
  rm -rf "$prefix" "$b"
  # (the install script, not `make install`: that would first rebuild the library)
  bash scripts/install.sh "$prefix" "$root/target/release" || return 1
  # the CMake package: the same C tests against the installed copy (no valgrind: done above)
  cmake -S capi-tests -B "$b" -DTORCHRS_PREFIX="$prefix" -DTORCHRS_MEMCHECK=OFF >/dev/null || return 1
  cmake --build "$b" -j "$jobs" >/dev/null || { cmake --build "$b" -j 1; return 1; }
  ctest --test-dir "$b" -L plain --output-on-failure -j "$jobs" || return 1
  # pkg-config, shared and static
  # (PKG_CONFIG_PATH only for these calls: exported, it would make cargo rebuild tch's
  # pkg-config-using dependencies in the tch step)
  local pc="env PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config" cflags libs slibs
  cflags=$($pc --cflags torchrs) && libs=$($pc --libs torchrs) &&
    slibs=$($pc --static --libs torchrs | sed 's/-ltorchrs//') || return 1
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -Wextra -Werror $cflags capi-tests/link_test.c $libs -Wl,-rpath,"$prefix/lib" \
    -o "$b/pc_shared" && "$b/pc_shared" || return 1
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -Wextra -Werror $cflags capi-tests/link_test.c "$prefix/lib/libtorchrs.a" $slibs \
    -o "$b/pc_static" && "$b/pc_static" || return 1
  echo "install: pkg-config shared and static links work"
}

do_go() {
  (cd bindings/go &&
    CGO_CFLAGS="-I$root/include ${CGO_CFLAGS:-}" \
    CGO_LDFLAGS="-L$root/target/release -Wl,-rpath,$root/target/release ${CGO_LDFLAGS:-}" \
    LD_LIBRARY_PATH="$root/target/release${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    TORCHRS_LIB_DIR="$root/target/release" \
    go test ./...)
}

do_tch() { bash bindings/tch/run-suite.sh target/release; }

# the library is needed by every step after cargo; build it when any of them is asked for
if wanted lib || wanted ctest || wanted install || wanted tch || wanted go; then
  step lib do_lib
fi
step cargo do_cargo
step ctest do_ctest
step install do_install
if wanted go; then
  if [[ -f bindings/go/go.mod ]]; then
    if command -v go >/dev/null; then
      step go do_go
    else
      banner go
      record go "FAIL (bindings/go/go.mod exists but go is not installed)" 0
    fi
  else
    banner go
    echo "go tests: skipped, bindings/go/go.mod does not exist yet"
    record go "SKIP (no bindings/go/go.mod)" 0
  fi
fi
step tch do_tch
if wanted gpu; then
  banner gpu
  echo "gpu tests: none yet"
  record gpu "SKIP (none yet)" 0
fi

pass=0 fail=0 skip=0
echo
echo "==== make test summary ===="
for i in "${!names[@]}"; do
  printf '  %-8s %-45s %5ss\n' "${names[$i]}" "${results[$i]}" "${times[$i]}"
  case ${results[$i]} in
    PASS) pass=$((pass + 1)) ;;
    SKIP*) skip=$((skip + 1)) ;;
    *) fail=$((fail + 1)) ;;
  esac
done
echo "  total time: $((SECONDS / 60))m $((SECONDS % 60))s"
if [[ $cargo_ran -eq 1 ]] && grep -qE '^test .* FAILED$|panicked at|^error' "$cargo_log"; then
  echo "  cargo failures (from $cargo_log):"
  grep -E '^test .* FAILED$|panicked at|^error' -A2 "$cargo_log" | head -40 | sed 's/^/    /'
fi
echo "make-test: $pass passed, $fail failed, $skip skipped"
[[ $fail -eq 0 ]]
