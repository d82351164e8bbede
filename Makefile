# lfkit is header-only: this Makefile builds and runs its tests, stress
# runner and benchmarks, checks the headers, and installs them.
#
#   make test            check-headers, the README example, unit tests (plain, no-DWCAS, ASan+UBSan),
#                        the TSan negative tests, then short stress in plain, delay, no-DWCAS, TSan,
#                        ASan+UBSan builds (CI runs this)
#   make tsan-races      TSan must report the deliberate race in each tests/tsan_races program
#   make stress          longer stress: plain and delay-injection builds
#   make tsan / asan     longer stress under ThreadSanitizer / AddressSanitizer+UBSan
#   make bench           comparison tables (bench/results/*.csv, docs/BENCHMARKS.md), then plots
#                        (docs/plots/*.svg) and the guide's table (docs/choosing.md) from them
#   make check-headers   every header alone: gcc/clang C11/C17/C2x, g++/clang++ C++23, and cross-compiled
#                        for every CROSS_CHECK target (plus tests/cross_layout.c's layout asserts)
#   make cross-stress    short stress, cross-built static for every CROSS_TARGETS target, run under qemu-user
#                        (i686 natively); one target: make cross-stress-riscv64
#   make verify          GenMC model checking of tests/genmc (GENMC=path/to/genmc)
#   make install PREFIX=/usr/local   headers, lfkit.pc, lib/cmake/lfkit (no cmake needed)
#   make consumers       pkg-config and CMake (find_package, add_subdirectory, FetchContent) users, from scratch
#   make examples        build and run examples/*.c (plain and TSan)
#
# Stress knobs: SECONDS (per scenario), THREADS (0 = 2x online CPUs), SEED, ONLY (scenario names, comma-separated).

PREFIX   ?= /usr/local
SECONDS  ?= 10
THREADS  ?= 0
SEED     ?= 0
ONLY     ?=
TEST_SECONDS ?= 1

WARN     := -Wall -Wextra -Wpedantic -Werror
CFLAGS   := -std=c11 $(WARN) -g -Iinclude -pthread -D_GNU_SOURCE
# PUBLIC_HEADERS each compile alone; include/lfkit/arch/*.h are private parts of tagged.h.
PUBLIC_HEADERS := include/lfkit.h $(wildcard include/lfkit/*.h)
HEADERS  := $(PUBLIC_HEADERS) $(wildcard include/lfkit/arch/*.h)
UNIT_SRC := $(wildcard tests/test_*.c)
TEST_HEADERS := $(wildcard tests/*.h harness/*.h)
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
TEST_PKGS  := libcriterion-dev clang cmake pkg-config $(CROSS_CC_PKGS)
CROSS_PKGS := $(CROSS_CC_PKGS) qemu-user
BENCH_PKGS := libck-dev liburcu-dev libtbb-dev libomp-dev gnuplot-nox

.PHONY: verify all test readme-example tsan-races stress-short cross-stress deps-cross unit stress tsan asan bench check-headers install clean deps-test deps-bench

all: build/plain/unit build/plain/stress

# Dependencies first, then everything else, so nothing compiles before its packages exist.
test: deps-test
	$(MAKE) check-headers readme-example consumers examples unit tsan-races stress-short

# The README's quick-start block, compiled and run as it stands.
readme-example: README.md $(HEADERS)
	@mkdir -p build
	sed -n '/^```c$$/,/^```$$/{/^```/d;p}' README.md > build/readme_example.c
	$(CC) $(CFLAGS) -O2 build/readme_example.c -o build/readme_example && build/readme_example >/dev/null
	@echo "readme-example: README quick start compiles and runs"

# TSan negative tests (tests/tsan_races/race.h): a user's race that C11 does not order, around
# each structure's operations; TSan must report it, and the layout check must pass.
TSAN_RACES := $(filter-out layout layout_main,$(basename $(notdir $(wildcard tests/tsan_races/*.c))))
tsan-races: $(TSAN_RACES:%=build/tsan-races/%) build/tsan-races/layout
	build/tsan-races/layout
	tests/tsan_races/check.sh build/tsan-races $(TSAN_RACES)

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

# The ASan unit run: true when binary $(1), logging to $(2), passes and
# the log holds no LeakSanitizer report.  One Criterion job: Criterion 2.4's
# parallel runner leaks a block of its own on some machines.  The log is
# read because Criterion records a test as passed before LSan's check runs
# at its worker's exit, so the exit status alone never shows a leak.
leak_checked = $(1) -j1 >$(2) 2>&1 && ! grep -q 'ERROR: LeakSanitizer' $(2)

unit: build/plain/unit build/nodwcas/unit build/asan/unit build/asan/leak_probe
	build/plain/unit
	build/nodwcas/unit
	@$(call leak_checked,build/asan/unit,build/asan/unit.log); rc=$$?; cat build/asan/unit.log; exit $$rc
	@if $(call leak_checked,build/asan/leak_probe,build/asan/leak_probe.log); then \
	  echo "FAIL: the deliberate leak in tests/asan_leak_probe.c went unreported"; exit 1; fi
	@echo "unit: the ASan leak check caught the deliberate leak in tests/asan_leak_probe.c"

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
	$(BENCH_REPORT)

build/%/unit: $(UNIT_SRC) $(TEST_HEADERS) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(VARIANT_$*) $(UNIT_SRC) -o $@ -lcriterion

build/asan/leak_probe: tests/asan_leak_probe.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(VARIANT_asan) $< -o $@ -lcriterion

build/%/stress: $(STRESS_SRC) stress/stress.h stress/scenarios.def $(TEST_HEADERS) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(VARIANT_$*) $(HOOK_$*) $(STRESS_SRC) -o $@ -lm

BENCH_OBJ := $(BENCH_SRC:bench/%.c=build/bench/%.o) $(BENCH_CXX_SRC:bench/%.cpp=build/bench/%.o)
build/bench/%.o: bench/%.c bench/bench.h bench/value_log.h bench/families.def $(TEST_HEADERS) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -O2 -fopenmp -c $< -o $@
build/bench/%.o: bench/%.cpp bench/bench.h $(TEST_HEADERS) $(HEADERS)
	@mkdir -p $(@D)
	$(CXX) -std=c++23 $(WARN) -g -O2 -Iinclude -pthread -c $< -o $@
build/bench/bench: $(BENCH_OBJ)
	$(CXX) -pthread -fopenmp $^ -o $@ -lck -lurcu-cds -lurcu -lurcu-common -ltbb -lm

# Model checking with GenMC 0.11 (docs/verification.md): every client of
# tests/genmc/clients.def under RC11 and IMM, then every weakened order of
# tests/genmc/mutations.def, each of which its client must catch.
# GENMC=path, or genmc on PATH; lfkit does not ship GenMC.
GENMC ?= $(shell command -v genmc)
verify:
	@test -x "$(GENMC)" || { echo "make verify needs GenMC 0.11: build it (about 11 minutes) and pass its path, e.g."; \
	  echo "  make verify GENMC=\$$(path/to/genmc-0.11.0/build.sh | tail -n 1)   (GenMC 0.11.0 by MPI-SWS)"; exit 1; }
	tests/genmc/run.sh $(GENMC) include
	tests/genmc/mutations.sh $(GENMC) build/mutants

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

# ---- Packaging: the version, make install, package consumers, examples, bench report ----
# The version is written once, in include/lfkit/version.h; lfkit.pc and the CMake
# package files are filled in from it here (and by CMakeLists.txt, from the same templates).
LFKIT_VERSION_PART = $(shell sed -n 's/^.define LF_VERSION_$(1) \([0-9][0-9]*\)$$/\1/p' include/lfkit/version.h)
LFKIT_VERSION_MAJOR := $(call LFKIT_VERSION_PART,MAJOR)
LFKIT_VERSION_MINOR := $(call LFKIT_VERSION_PART,MINOR)
LFKIT_VERSION := $(LFKIT_VERSION_MAJOR).$(LFKIT_VERSION_MINOR).$(call LFKIT_VERSION_PART,PATCH)
LFKIT_SUBST := sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LFKIT_VERSION@|$(LFKIT_VERSION)|g' \
	-e 's|@LFKIT_VERSION_MAJOR@|$(LFKIT_VERSION_MAJOR)|g' -e 's|@LFKIT_VERSION_MINOR@|$(LFKIT_VERSION_MINOR)|g'

.PHONY: consumers examples

install:
	install -d $(DESTDIR)$(PREFIX)/include/lfkit/arch $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/cmake/lfkit
	install -m 644 include/lfkit.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 include/lfkit/*.h $(DESTDIR)$(PREFIX)/include/lfkit/
	install -m 644 include/lfkit/arch/*.h $(DESTDIR)$(PREFIX)/include/lfkit/arch/
	$(LFKIT_SUBST) lfkit.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/lfkit.pc
	$(LFKIT_SUBST) cmake/lfkitConfig.cmake.in > $(DESTDIR)$(PREFIX)/lib/cmake/lfkit/lfkitConfig.cmake
	$(LFKIT_SUBST) cmake/lfkitConfigVersion.cmake.in > $(DESTDIR)$(PREFIX)/lib/cmake/lfkit/lfkitConfigVersion.cmake

# Both packages from clean prefixes under build/: `make install` and `cmake --install` must
# install byte-identical trees (same prefix, DESTDIR); then tests/consumer builds and runs
# through pkg-config, find_package (from either install), add_subdirectory and FetchContent
# (a file:// archive of the package's files, so no network).
CONSUMER_DIR := $(abspath build/consumers)
CONSUMER_CMAKE = cmake -S tests/consumer -B $(CONSUMER_DIR)/$(1) -DLFKIT_CONSUME=$(2) \
	-DLFKIT_EXPECTED_VERSION=$(LFKIT_VERSION) $(3) >$(CONSUMER_DIR)/$(1).log 2>&1 \
	&& cmake --build $(CONSUMER_DIR)/$(1) >>$(CONSUMER_DIR)/$(1).log 2>&1 \
	|| { cat $(CONSUMER_DIR)/$(1).log; echo "FAIL: consumer through $(2) ($(1))"; exit 1; }; \
	$(CONSUMER_DIR)/$(1)/consumer
consumers: deps-test
	@rm -rf $(CONSUMER_DIR) && mkdir -p $(CONSUMER_DIR)
	@cmake -S . -B $(CONSUMER_DIR)/lfkit-cmake >$(CONSUMER_DIR)/install.log
	@$(MAKE) --no-print-directory install DESTDIR=$(CONSUMER_DIR)/make-root PREFIX=/usr/local >>$(CONSUMER_DIR)/install.log
	@DESTDIR=$(CONSUMER_DIR)/cmake-root cmake --install $(CONSUMER_DIR)/lfkit-cmake --prefix /usr/local >>$(CONSUMER_DIR)/install.log
	@diff -r $(CONSUMER_DIR)/make-root $(CONSUMER_DIR)/cmake-root || { echo "FAIL: make install and cmake --install differ"; exit 1; }
	@$(MAKE) --no-print-directory install PREFIX=$(CONSUMER_DIR)/make-prefix >>$(CONSUMER_DIR)/install.log
	@cmake --install $(CONSUMER_DIR)/lfkit-cmake --prefix $(CONSUMER_DIR)/cmake-prefix >>$(CONSUMER_DIR)/install.log
	@export PKG_CONFIG_PATH=$(CONSUMER_DIR)/make-prefix/lib/pkgconfig; \
	  test "$$(pkg-config --modversion lfkit)" = $(LFKIT_VERSION) \
	    || { echo "FAIL: lfkit.pc says $$(pkg-config --modversion lfkit), version.h $(LFKIT_VERSION)"; exit 1; }; \
	  $(CC) -std=c11 $(WARN) $$(pkg-config --cflags lfkit) '-DLFKIT_EXPECTED_VERSION="$(LFKIT_VERSION)"' \
	    tests/consumer/consumer.c -o $(CONSUMER_DIR)/pkg-config-consumer $$(pkg-config --libs lfkit) \
	  && $(CONSUMER_DIR)/pkg-config-consumer
	@$(call CONSUMER_CMAKE,find-make,find_package,-DCMAKE_PREFIX_PATH=$(CONSUMER_DIR)/make-prefix)
	@$(call CONSUMER_CMAKE,find-cmake,find_package,-DCMAKE_PREFIX_PATH=$(CONSUMER_DIR)/cmake-prefix)
	@$(call CONSUMER_CMAKE,subdir,add_subdirectory,-DLFKIT_SOURCE_DIR=$(CURDIR))
	@tar -czf $(CONSUMER_DIR)/lfkit-$(LFKIT_VERSION).tar.gz --transform 's|^|lfkit-$(LFKIT_VERSION)/|' \
	  CMakeLists.txt cmake lfkit.pc.in include LICENSE
	@$(call CONSUMER_CMAKE,fetch,FetchContent,-DLFKIT_URL=file://$(CONSUMER_DIR)/lfkit-$(LFKIT_VERSION).tar.gz)
	@echo "consumers: lfkit $(LFKIT_VERSION) through pkg-config, find_package (make and cmake installs), add_subdirectory, FetchContent"

# Each example as a user builds it (no project flags but warnings), run plain and under TSan;
# a hung example fails (timeout) instead of stalling the run.
EXAMPLES := $(basename $(notdir $(wildcard examples/*.c)))
EXAMPLE_CFLAGS := -std=c11 $(WARN) -g -Iinclude -pthread
examples: $(EXAMPLES:%=build/examples/%) $(EXAMPLES:%=build/examples/%-tsan)
	@set -e; for e in $(EXAMPLES); do echo "== example $$e"; timeout 120 build/examples/$$e; \
	  echo "== example $$e, TSan"; timeout 300 build/examples/$$e-tsan; done
build/examples/%: examples/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(EXAMPLE_CFLAGS) -O2 $< -o $@
build/examples/%-tsan: examples/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(EXAMPLE_CFLAGS) -O1 -fsanitize=thread $< -o $@

# After a bench run: SVG plots and the guide's table from the CSVs it wrote.  A full run into
# the default results (bench/results) renders docs/plots and docs/choosing.md; results elsewhere
# (BENCH_RESULTS=build/..., as short runs use) get plots/ and choosing.md beside them, never in
# the tree; a partial run into bench/results (BENCH_ONLY, _THREADS, _ROUNDS, _TRIAL_MS) leaves docs alone.
BENCH_RESULTS_DIR = $(or $(BENCH_RESULTS),bench/results)
BENCH_PARTIAL = $(strip $(BENCH_ONLY)$(BENCH_THREADS)$(BENCH_ROUNDS)$(BENCH_TRIAL_MS))
BENCH_IN_TREE = $(filter $(abspath bench/results),$(abspath $(BENCH_RESULTS_DIR)))
BENCH_REPORT_DIR = $(if $(BENCH_IN_TREE),$(if $(BENCH_PARTIAL),,docs),$(BENCH_RESULTS_DIR))
BENCH_LABEL = $$({ sed -n 's/^model name[^:]*: //p' /proc/cpuinfo; uname -m; } | head -n 1), $$(nproc) CPUs, $$(date -u +%F)
BENCH_REPORT = $(if $(BENCH_REPORT_DIR),label="$(BENCH_LABEL)" \
	&& bench/plot.sh $(BENCH_RESULTS_DIR) $(BENCH_REPORT_DIR)/plots "$$label" \
	&& bench/choosing.sh $(BENCH_RESULTS_DIR) "$$label" > $(BENCH_REPORT_DIR)/choosing.md.new \
	&& mv $(BENCH_REPORT_DIR)/choosing.md.new $(BENCH_REPORT_DIR)/choosing.md,\
	@echo "bench: partial run into bench/results: docs/plots and docs/choosing.md left as they were")
# ---- end of packaging ----

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
