# lfkit is header-only: this Makefile builds and runs its tests, stress
# runner and benchmarks, checks the headers, and installs them.
#
#   make test            check-headers, the README example, unit tests (plain, no-DWCAS, ASan+UBSan),
#                        the TSan negative tests, then short stress in plain, delay, no-DWCAS, TSan,
#                        ASan+UBSan builds (CI runs this)
#   make tsan-races      TSan must report the deliberate race in each tests/tsan_races program
#   make stress          longer stress: plain and delay-injection builds
#   make tsan / asan     longer stress under ThreadSanitizer / AddressSanitizer+UBSan
#   make bench           comparison tables (bench/results/*.csv, docs/BENCHMARKS.md)
#   make check-headers   every header alone: gcc/clang C11/C17/C2x, g++/clang++ C++23, AArch64 cross
#   make aarch64-stress  stress, cross-built for AArch64 (LDAXP/STLXP and LSE CASPAL) and run under qemu-user
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
HEADERS  := include/lfkit.h $(wildcard include/lfkit/*.h)
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
TEST_PKGS  := libcriterion-dev clang gcc-aarch64-linux-gnu
BENCH_PKGS := libck-dev liburcu-dev libtbb-dev libomp-dev

.PHONY: all test readme-example tsan-races stress-short aarch64-stress deps-aarch64 unit stress tsan asan bench check-headers install clean deps-test deps-bench

all: build/plain/unit build/plain/stress

# Dependencies first, then everything else, so nothing compiles before its packages exist.
test: deps-test
	$(MAKE) check-headers readme-example unit tsan-races stress-short

# The README's quick-start block, compiled and run as it stands.
readme-example: README.md $(HEADERS)
	@mkdir -p build
	sed -n '/^```c$$/,/^```$$/{/^```/d;p}' README.md > build/readme_example.c
	$(CC) $(CFLAGS) -O2 build/readme_example.c -o build/readme_example && build/readme_example >/dev/null
	@echo "readme-example: README quick start compiles and runs"

# TSan negative tests (tests/tsan_races/race.h): a user's race that C11 does not order, around
# each structure's operations; TSan must report it, and the layout check must pass.  Listed in
# TSAN_RACES_SILENT: expected silent until that structure's TSan substitute is replaced
# (pool.h: its fetch_add(sleepers, 0)); check.sh fails once one is reported, to flip the list.
TSAN_RACES := $(filter-out layout layout_main,$(basename $(notdir $(wildcard tests/tsan_races/*.c))))
TSAN_RACES_SILENT := pool_unrelated_runs
tsan-races: $(TSAN_RACES:%=build/tsan-races/%) build/tsan-races/layout
	build/tsan-races/layout
	tests/tsan_races/check.sh build/tsan-races "$(TSAN_RACES_SILENT)" $(TSAN_RACES)

build/tsan-races/%: tests/tsan_races/%.c tests/tsan_races/race.h $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(VARIANT_tsan) $< -o $@

# The same layout.c with and without TSan in one program.
LAYOUT_SRC := tests/tsan_races/layout.c tests/tsan_races/layout.h
build/tsan-races/layout: $(LAYOUT_SRC) tests/tsan_races/layout_main.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -O1 -DLAYOUT_BUILD=plain -c tests/tsan_races/layout.c -o $@-plain.o
	$(CC) $(CFLAGS) $(VARIANT_tsan) -DLAYOUT_BUILD=tsan -c tests/tsan_races/layout.c -o $@-tsan.o
	$(CC) $(CFLAGS) $(VARIANT_tsan) tests/tsan_races/layout_main.c $@-plain.o $@-tsan.o -o $@

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
	@set -e; for h in $(HEADERS); do inc=$${h#include/}; \
	  for cc in $(CHECK_C); do for std in $(CHECK_STD); do \
	    printf '#include <%s>\n' $$inc | $$cc -std=$$std $(WARN) -Iinclude -fsyntax-only -x c - \
	      || { echo "FAIL: $$inc with $$cc -std=$$std"; exit 1; }; done; done; \
	  printf '#include <%s>\n' $$inc | g++ -std=c++23 $(WARN) -Iinclude -fsyntax-only -x c++ - \
	    || { echo "FAIL: $$inc with g++ -std=c++23"; exit 1; }; \
	  printf '#include <%s>\n' $$inc | clang++ -std=c++2b $(WARN) -Iinclude -fsyntax-only -x c++ - \
	    || { echo "FAIL: $$inc with clang++ -std=c++2b"; exit 1; }; \
	done
	@for arch in armv8-a armv8.1-a; do \
	  aarch64-linux-gnu-gcc -march=$$arch -std=c11 $(WARN) -Iinclude -c tests/aarch64_dwcas.c -o /dev/null \
	    || { echo "FAIL: AArch64 ($$arch) cross-compile"; exit 1; }; done
	@echo "check-headers: $(words $(HEADERS)) headers clean (gcc, clang: $(CHECK_STD); g++, clang++: C++23; AArch64 cross)"

# The AArch64 double-width CAS, run rather than only compiled: qemu-user emulates
# the instructions (on an x86 host it does not emulate Arm's weaker memory order).
AARCH64_ARCHS := armv8-a armv8.1-a
aarch64-stress: deps-aarch64
	@mkdir -p build; set -e; for arch in $(AARCH64_ARCHS); do \
	  aarch64-linux-gnu-gcc -march=$$arch $(CFLAGS) -O2 $(HOOK_delay) -static $(STRESS_SRC) -o build/stress-$$arch -lm; \
	  echo "== stress, AArch64 $$arch under qemu"; \
	  qemu-aarch64 -cpu max build/stress-$$arch $(call STRESS_RUN,$(TEST_SECONDS)); done

install:
	install -d $(DESTDIR)$(PREFIX)/include/lfkit $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/lfkit.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 include/lfkit/*.h $(DESTDIR)$(PREFIX)/include/lfkit/
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

deps-aarch64:
	$(call ENSURE_PKGS,gcc-aarch64-linux-gnu qemu-user)

clean:
	rm -rf build
