# Set-up shared by the side-by-side scripts (compare.sh, probe.sh), sourced with the caller's
# arguments: `root` (the repository), `ref` (the reference library folder named by $1), `ours`
# (target/release, built here, with the libtorch.so name tch programs link against).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ref=$(cd "${1:?usage: $(basename "$0") REFERENCE_LIB_DIR ...}" && pwd)
ours=$root/target/release
# NO_BUILD=1: measure target/release as it is (skip the release build)
[[ -n ${NO_BUILD:-} ]] || (cd "$root" && cargo build --release -q)
[[ -e $ours/libtorch.so ]] || ln -s libtorchrs.so "$ours/libtorch.so"
