#!/usr/bin/env bash
# Installs the built library, header, pkg-config file and CMake package under PREFIX:
#   PREFIX/lib/libtorchrs.so (+ libtorchrs_nostreams.so, which it needs), PREFIX/lib/libtorch.so ->
#   libtorchrs.so (tch's targets link -ltorch),
#   PREFIX/lib/libtorchrs.a, PREFIX/include/torchrs.h, PREFIX/lib/pkgconfig/torchrs.pc,
#   PREFIX/lib/cmake/torchrs/torchrsConfig.cmake (+ torchrsConfigVersion.cmake)
# usage: scripts/install.sh PREFIX [LIB_DIR]   (LIB_DIR default target/release; DESTDIR honoured)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=${1:?usage: install.sh PREFIX [LIB_DIR]}
lib_dir=${2:-$root/target/release}
case $prefix in /*) ;; *) prefix=$(pwd)/$prefix ;; esac
dest=${DESTDIR:-}$prefix
version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)

for f in "$lib_dir/libtorchrs.so" "$lib_dir/libtorchrs_nostreams.so" "$lib_dir/libtorchrs.a" "$root/include/torchrs.h"; do
  [[ -f $f ]] || { echo "install: $f is missing (run make lib)" >&2; exit 1; }
done
install -d "$dest/lib" "$dest/include" "$dest/lib/pkgconfig" "$dest/lib/cmake/torchrs"
install -m 755 "$lib_dir/libtorchrs.so" "$dest/lib/libtorchrs.so"
# the stand-ins for tch's stream callbacks, needed by libtorchrs.so (see csrc/stream_fallback.c)
install -m 755 "$lib_dir/libtorchrs_nostreams.so" "$dest/lib/libtorchrs_nostreams.so"
ln -sfn libtorchrs.so "$dest/lib/libtorch.so"
install -m 644 "$lib_dir/libtorchrs.a" "$dest/lib/libtorchrs.a"
install -m 644 "$root/include/torchrs.h" "$dest/include/torchrs.h"

# a static link of the Rust library needs these from the system (glibc >= 2.34 needs only -lm;
# rustc's native-static-libs: -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)
static_libs="-lpthread -ldl -lm"

cat >"$dest/lib/pkgconfig/torchrs.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: torchrs
Description: A pure-Rust replacement for libtorch behind the tch-rs (torch-sys 0.26) C ABI
Version: $version
Libs: -L\${libdir} -ltorchrs
Libs.private: $static_libs
Cflags: -I\${includedir}
PC

cat >"$dest/lib/cmake/torchrs/torchrsConfig.cmake" <<'CM'
# CMake package for torchrs: find_package(torchrs CONFIG) defines
#   torchrs::torchrs         the shared library (libtorchrs.so)
#   torchrs::torchrs_static  the static archive (libtorchrs.a) with its system libraries
# and sets torchrs_INCLUDE_DIR, torchrs_LIBRARY_DIR. Relocatable: paths are found from this file.
get_filename_component(_torchrs_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(torchrs_INCLUDE_DIR "${_torchrs_prefix}/include")
set(torchrs_LIBRARY_DIR "${_torchrs_prefix}/lib")
include(CMakeFindDependencyMacro)
find_dependency(Threads)
if(NOT TARGET torchrs::torchrs)
  add_library(torchrs::torchrs SHARED IMPORTED)
  set_target_properties(torchrs::torchrs PROPERTIES
    IMPORTED_LOCATION "${torchrs_LIBRARY_DIR}/libtorchrs.so"
    IMPORTED_NO_SONAME TRUE
    INTERFACE_INCLUDE_DIRECTORIES "${torchrs_INCLUDE_DIR}")
endif()
if(NOT TARGET torchrs::torchrs_static)
  add_library(torchrs::torchrs_static STATIC IMPORTED)
  set_target_properties(torchrs::torchrs_static PROPERTIES
    IMPORTED_LOCATION "${torchrs_LIBRARY_DIR}/libtorchrs.a"
    INTERFACE_INCLUDE_DIRECTORIES "${torchrs_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "Threads::Threads;${CMAKE_DL_LIBS};m")
endif()
set(torchrs_FOUND TRUE)
CM

cat >"$dest/lib/cmake/torchrs/torchrsConfigVersion.cmake" <<CV
set(PACKAGE_VERSION "$version")
if(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
CV
echo "installed torchrs $version under $dest"
