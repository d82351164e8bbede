# lfkit is header-only: this Makefile builds and runs its tests, stress
# runner and benchmarks, checks the headers, and installs them.
#
#   make test            check-headers, the README example, unit tests (plain, no-DWCAS, ASan+UBSan),
#                        then short stress in plain, delay, no-DWCAS, TSan, ASan+UBSan builds (CI runs this)
#   make stress          longer stress: plain and delay-injection builds
#   make tsan / asan     longer stress under ThreadSanitizer / AddressSanitizer+UBSan
#   make bench           comparison tables (bench/results/*.csv, docs/BENCHMARKS.md)
#   make check-headers   every header alone: gcc/clang C11/C17/C2x, g++/clang++ C++23, and cross-compiled
#                        for every CROSS_CHECK target (plus tests/cross_layout.c's layout asserts)
#   make cross-stress    short stress, cross-built static for every CROSS_TARGETS target, run under qemu-user
#                        (i686 natively); one target: make cross-stress-riscv64
#   make install PREFIX=/usr/local
#
# Stress knobs: SECONDS (per scenario), THREADS (0 = 2x online CPUs), SEED, ONLY (scenario names, comma-separated).

PREFIX   ?= /usr/local
SECONDS  ?= 10
THREADS  ?= 0
SEED     ?= 0
ONLY     ?=
TEST_SECONDS ?= 2

WARN     := -Wall -Wextra -Wpedantic -Werror
CFLAGS   := -std=c11 $(WARN) -g -Iinclude -pthread -D_GNU_SOURCE
# PUBLIC_HEADERS each compile alone; include/lfkit/arch/*.h are private parts of tagged.h.
PUBLIC_HEADERS := include/lfkit.h $(wildcard include/lfkit/*.h)
HEADERS  := $(PUBLIC_HEADERS) $(wildcard include/lfkit/arch/*.h)
UNIT_SRC := $(wildcard tests/test_*.c)
TEST_HEADERS := $(wildcard tests/*.h)
STRESS_SRC := stress/main.c $(wildcard stress/stress_*.c)
BENCH_SRC  := bench/main.c $(wildcard bench/bench_*.c)
BENCH_CXX_SRC := $(wildcard bench/*.cpp)

# Build variants: optimisation, sanitizer and mode flags per build directory.
VARIANT_plain   := -O2
VARIANT_nodwcas := -O2 -DLF_NO_DWCAS
VARIANT_tsan    := -O1 -fsanitize=thread
VARIANT_asan    := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Stress builds other than plain turn every LF_STRESS_POINT() into a random delay.
HOOK_plain      :=
HOOK_delay      := -DLF_STRESS_HOOK=stress_delay
HOOK_nodwcas    := -DLF_STRESS_HOOK=stress_delay
HOOK_tsan       := -DLF_STRESS_HOOK=stress_delay
HOOK_asan       := -DLF_STRESS_HOOK=stress_delay
VARIANT_delay   := -O2

STRESS_RUN = --seconds $(1) --threads $(THREADS) --seed $(SEED) $(if $(ONLY),--only $(ONLY))
CROSS_CC_PKGS := gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-riscv64-linux-gnu gcc-powerpc64le-linux-gnu \
                 gcc-s390x-linux-gnu gcc-i686-linux-gnu gcc-x86-64-linux-gnux32
TEST_PKGS  := libcriterion-dev clang $(CROSS_CC_PKGS)
CROSS_PKGS := $(CROSS_CC_PKGS) qemu-user
BENCH_PKGS := libck-dev liburcu-dev libtbb-dev libomp-dev

.PHONY: all test readme-example stress-short cross-stress deps-cross unit stress tsan asan bench check-headers install clean deps-test deps-bench

all: build/plain/unit build/plain/stress

# Dependencies first, then everything else, so nothing compiles before its packages exist.
test: deps-test
	$(MAKE) check-headers readme-example unit stress-short

# The README's quick-start block, compiled and run as it stands.
readme-example: README.md $(HEADERS)
	@mkdir -p build
	sed -n '/^```c$$/,/^```$$/{/^```/d;p}' README.md > build/readme_example.c
	$(CC) $(CFLAGS) -O2 build/readme_example.c -o build/readme_example && build/readme_example >/dev/null
	@echo "readme-example: README quick start compiles and runs"

STRESS_BUILDS := plain delay nodwcas tsan asan
stress-short: $(STRESS_BUILDS:%=build/%/stress)
	@set -e; for b in $(STRESS_BUILDS); do echo "== stress, $$b build"; \
	  build/$$b/stress $(call STRESS_RUN,$(TEST_SECONDS)); done

unit: build/plain/unit build/nodwcas/unit build/asan/unit
	build/plain/unit
	build/nodwcas/unit
	build/asan/unit

stress: build/plain/stress build/delay/stress
	build/plain/stress $(call STRESS_RUN,$(SECONDS))
	build/delay/stress $(call STRESS_RUN,$(SECONDS))

tsan: build/tsan/stress
	build/tsan/stress $(call STRESS_RUN,$(SECONDS))

asan: build/asan/stress
	build/asan/stress $(call STRESS_RUN,$(SECONDS))

# Passive OpenMP: libgomp's idle threads would otherwise spin into the next entry's trial.
bench: deps-bench build/bench/bench
	OMP_WAIT_POLICY=passive build/bench/bench

build/%/unit: $(UNIT_SRC) $(TEST_HEADERS) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(VARIANT_$*) $(UNIT_SRC) -o $@ -lcriterion

build/%/stress: $(STRESS_SRC) stress/stress.h stress/scenarios.def $(TEST_HEADERS) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(VARIANT_$*) $(HOOK_$*) $(STRESS_SRC) -o $@ -lm

BENCH_OBJ := $(BENCH_SRC:bench/%.c=build/bench/%.o) $(BENCH_CXX_SRC:bench/%.cpp=build/bench/%.o)
build/bench/%.o: bench/%.c bench/bench.h bench/families.def $(TEST_HEADERS) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -O2 -fopenmp -c $< -o $@
build/bench/%.o: bench/%.cpp bench/bench.h $(TEST_HEADERS) $(HEADERS)
	@mkdir -p $(@D)
	$(CXX) -std=c++23 $(WARN) -g -O2 -Iinclude -pthread -c $< -o $@
build/bench/bench: $(BENCH_OBJ)
	$(CXX) -pthread -fopenmp $^ -o $@ -lck -lurcu-cds -lurcu -lurcu-common -ltbb -lm

# Each public header alone, in every language mode we promise, warnings as errors.
CHECK_C   := gcc clang
CHECK_STD := c11 c17 c2x
check-headers: deps-test
	@set -e; for h in $(PUBLIC_HEADERS); do inc=$${h#include/}; \
	  for cc in $(CHECK_C); do for std in $(CHECK_STD); do \
	    printf '#include <%s>\n' $$inc | $$cc -std=$$std $(WARN) -Iinclude -fsyntax-only -x c - \
	      || { echo "FAIL: $$inc with $$cc -std=$$std"; exit 1; }; done; done; \
	  printf '#include <%s>\n' $$inc | g++ -std=c++23 $(WARN) -Iinclude -fsyntax-only -x c++ - \
	    || { echo "FAIL: $$inc with g++ -std=c++23"; exit 1; }; \
	  printf '#include <%s>\n' $$inc | clang++ -std=c++2b $(WARN) -Iinclude -fsyntax-only -x c++ - \
	    || { echo "FAIL: $$inc with clang++ -std=c++2b"; exit 1; }; \
	done
	@set -e; for h in $(PUBLIC_HEADERS); do inc=$${h#include/}; \
	  $(foreach t,$(CROSS_CHECK),printf '#include <%s>\n' $$inc | \
	    $(CROSS_CC_$(t)) -std=c11 $(WARN) -Iinclude -fsyntax-only -x c - \
	    || { echo "FAIL: $$inc for $(t)"; exit 1; };) done
	@set -e; $(foreach t,$(CROSS_CHECK),$(CROSS_CC_$(t)) -std=c11 $(WARN) -Wno-psabi -O2 -Iinclude -D_GNU_SOURCE \
	  -c tests/cross_layout.c -o /dev/null || { echo "FAIL: tests/cross_layout.c for $(t)"; exit 1; };)
	@echo "check-headers: $(words $(PUBLIC_HEADERS)) headers clean (gcc, clang: $(CHECK_STD); g++, clang++: C++23;" \
	  "cross, C11: $(CROSS_CHECK))"

# Cross targets: the compiler (with its flags) and what runs the result (empty: the host kernel).
# qemu-user emulates each target's instructions, so this runs the per-target tagged-pointer code,
# layouts and 32-bit/big-endian portability for real; on an x86 host it does not emulate a weaker
# memory order (guest threads run on host threads with x86 ordering), so the memory orders rest on
# the C11 arguments in the headers, not on this.  armv8-a runs on a Cortex-A57 model (no LSE, so
# libc's and libgcc's outline atomics take their LL/SC paths too).
CROSS_CC_aarch64          := aarch64-linux-gnu-gcc -march=armv8-a
CROSS_CC_aarch64-lse      := aarch64-linux-gnu-gcc -march=armv8.1-a
CROSS_CC_aarch64-nodwcas  := aarch64-linux-gnu-gcc -DLF_NO_DWCAS
CROSS_CC_armhf            := arm-linux-gnueabihf-gcc
CROSS_CC_riscv64          := riscv64-linux-gnu-gcc
CROSS_CC_ppc64le          := powerpc64le-linux-gnu-gcc
CROSS_CC_s390x            := s390x-linux-gnu-gcc
CROSS_CC_i686             := i686-linux-gnu-gcc
CROSS_CC_x32              := x86_64-linux-gnux32-gcc
CROSS_CC_x86_64-nodwcas   := gcc -DLF_NO_DWCAS
CROSS_CC_i686-clang       := clang --target=i686-linux-gnu
CROSS_CC_armhf-clang      := clang --target=arm-linux-gnueabihf
CROSS_RUN_aarch64         := qemu-aarch64 -cpu cortex-a57
CROSS_RUN_aarch64-lse     := qemu-aarch64 -cpu max
CROSS_RUN_armhf           := qemu-arm
CROSS_RUN_riscv64         := qemu-riscv64
CROSS_RUN_ppc64le         := qemu-ppc64le
CROSS_RUN_s390x           := qemu-s390x
CROSS_RUN_i686            :=
CROSS_TARGETS := aarch64 aarch64-lse armhf riscv64 ppc64le s390x i686
# The clang entries assert that clang lays the 64-bit atomics out as gcc does.
CROSS_CHECK   := $(CROSS_TARGETS) aarch64-nodwcas x32 x86_64-nodwcas i686-clang armhf-clang
CROSS_SECONDS ?= 1
CROSS_THREADS ?= 4
# -Wno-psabi: i686 gcc notes that _Atomic 64-bit member alignment changed in GCC 11.1 (lfkit pins it to 8).
CROSS_CFLAGS = -std=c11 $(WARN) -Wno-psabi -O2 -Iinclude -pthread -D_GNU_SOURCE $(HOOK_delay) -static

cross-stress: deps-cross
	$(MAKE) $(CROSS_TARGETS:%=cross-stress-%)

cross-stress-%: build/cross/%/stress
	@echo "== stress, $* ($(CROSS_CC_$*), run by $(or $(CROSS_RUN_$*),the host kernel))"
	$(CROSS_RUN_$*) $< --seconds $(CROSS_SECONDS) --threads $(CROSS_THREADS) --seed $(SEED) $(if $(ONLY),--only $(ONLY))

build/cross/%/stress: $(STRESS_SRC) stress/stress.h stress/scenarios.def $(TEST_HEADERS) $(HEADERS)
	@mkdir -p $(@D)
	$(CROSS_CC_$*) $(CROSS_CFLAGS) $(STRESS_SRC) -o $@ -lm

install:
	install -d $(DESTDIR)$(PREFIX)/include/lfkit/arch $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/lfkit.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 include/lfkit/*.h $(DESTDIR)$(PREFIX)/include/lfkit/
	install -m 644 include/lfkit/arch/*.h $(DESTDIR)$(PREFIX)/include/lfkit/arch/
	sed 's|@PREFIX@|$(PREFIX)|' lfkit.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/lfkit.pc

# Missing Debian packages are installed when running as root; otherwise make stops with the command to run.
ENSURE_PKGS = @missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null; \
	  else echo "missing packages; run: sudo apt-get install$$missing"; exit 1; fi; fi

deps-test:
	$(call ENSURE_PKGS,$(TEST_PKGS))

deps-bench:
	$(call ENSURE_PKGS,$(BENCH_PKGS))

deps-cross:
	$(call ENSURE_PKGS,$(CROSS_PKGS))

clean:
	rm -rf build
