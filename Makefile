# torchrs: build, test, demo and install.
#
#   make lib                     cargo build --release -> target/release/libtorchrs.{so,a}
#   make header                  regenerate include/torchrs.h (cbindgen, through tests/header.rs)
#   make demo                    build the library, then train the digits classifier from C
#                                (examples/c/train_digits.c; examples/c/demo.c is a smaller one)
#   make test                    every test: cargo test, C tests (+ valgrind), install check,
#                                go test (bindings/go), tch's suite, GPU placeholder; see
#                                scripts/make-test.sh (MAKE_TEST_STEPS="cargo ctest" picks steps)
#   make ctest                   only the C tests (plain and memcheck)
#   make tch-suite               only tch's test suite against target/release
#   make install PREFIX=/opt/x   lib/libtorchrs.{so,a} (+ libtorch.so link), include/torchrs.h,
#                                lib/pkgconfig/torchrs.pc, lib/cmake/torchrs/torchrsConfig.cmake

PREFIX ?= /usr/local
LIB_DIR ?= $(CURDIR)/target/release
CC ?= cc
CARGO ?= cargo
DEMO_CFLAGS = -std=c11 -O2 -Wall -Wextra -Werror -pedantic -I$(CURDIR)/include

.PHONY: all lib header demo linear-demo test ctest tch-suite install clean-c

all: lib

lib:
	$(CARGO) build --release

header:
	TORCHRS_BLESS=1 $(CARGO) test --test suite header::

build/demo: examples/c/demo.c include/torchrs.h lib
	@mkdir -p build
	$(CC) $(DEMO_CFLAGS) examples/c/demo.c -L$(LIB_DIR) -ltorchrs -lm -Wl,-rpath,$(LIB_DIR) -o $@

build/train_digits: examples/c/train_digits.c include/torchrs.h lib
	@mkdir -p build
	$(CC) $(DEMO_CFLAGS) examples/c/train_digits.c -L$(LIB_DIR) -ltorchrs -lm -Wl,-rpath,$(LIB_DIR) -o $@

build/digits.csv: data/digits.csv.gz
	@mkdir -p build
	gzip -dc data/digits.csv.gz > $@

demo: build/train_digits build/digits.csv
	./build/train_digits build/digits.csv

linear-demo: build/demo
	./build/demo

test:
	bash scripts/make-test.sh

ctest:
	MAKE_TEST_STEPS=ctest bash scripts/make-test.sh

tch-suite:
	MAKE_TEST_STEPS=tch bash scripts/make-test.sh

install: lib
	bash scripts/install.sh "$(PREFIX)" "$(LIB_DIR)"

clean-c:
	rm -rf build capi-tests/build target/install-check target/install-check-build
