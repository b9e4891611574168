# agrad: scalar reverse-mode automatic differentiation in C, with a small
# neural-network layer on top.
#
#   make            build/libautograd.a, libagteach.a, libagutil.a, libnn.a, build/agrad, examples
#   make demo       the tour: a neuron's chain-rule ledger, moons training, agrad check
#   make test       the Criterion suite
#   make check      the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      engine vs hand-written backprop (not part of the tests)
#   make fashion    Fashion-MNIST (installs dataset-fashion-mnist)
#   make lint       cppcheck + clang-tidy
#   make memcheck   the examples under valgrind
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (clang)
#   make install    build/agrad and the libraries under PREFIX (/usr/local)
#
# Missing Debian packages are installed with apt-get (sudo when not root).

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
OPT     ?= -O2
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L -ffp-contract=off
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wdouble-promotion -Werror
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) $(SANFLAGS) -Iautograd -Iteach -Iutil -Inn -Ilang -Iexamples/lib -MMD -MP
LDLIBS_NN = -ljansson -lz -lm

# Debian packages the build needs, and a header each provides.
DEB_PKGS := uthash-dev:uthash.h libcriterion-dev:criterion/criterion.h \
            libjansson-dev:jansson.h zlib1g-dev:zlib.h

AG_SRC   := $(wildcard autograd/*.c)
TEACH_SRC := $(wildcard teach/*.c)
UTIL_SRC := $(wildcard util/*.c)
NN_SRC   := $(wildcard nn/*.c)
TOOL_SRC := $(wildcard tools/*.c)
LANG_SRC := $(wildcard lang/*.c)
TEST_SRC := $(wildcard tests/*.c)
EX_SRC   := $(wildcard examples/*.c)
EX_LIB   := $(wildcard examples/lib/*.c)
# bench/NAME.c with a main each -> build/bench/NAME; bench/w_*.c are the
# workload modules linked into every bench program.
BENCH_MOD  := $(wildcard bench/w_*.c)
BENCH_PROG := $(filter-out $(BENCH_MOD),$(wildcard bench/*.c))

AG_OBJ   := $(AG_SRC:%.c=$(BUILD)/%.o)
TEACH_OBJ := $(TEACH_SRC:%.c=$(BUILD)/%.o)
UTIL_OBJ := $(UTIL_SRC:%.c=$(BUILD)/%.o)
NN_OBJ   := $(NN_SRC:%.c=$(BUILD)/%.o)
TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/%.o)
LANG_OBJ := $(LANG_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
EXAMPLES := $(EX_SRC:examples/%.c=$(BUILD)/examples/%)
EX_LIB_OBJ := $(EX_LIB:%.c=$(BUILD)/%.o)
BENCH_MOD_OBJ := $(BENCH_MOD:%.c=$(BUILD)/%.o)
BENCHES  := $(BENCH_PROG:bench/%.c=$(BUILD)/bench/%)

LIBAG := $(BUILD)/libautograd.a
LIBTEACH := $(BUILD)/libagteach.a
LIBUTIL := $(BUILD)/libagutil.a
LIBNN := $(BUILD)/libnn.a
LIBLANG := $(BUILD)/liblang.a
AGRAD := $(BUILD)/agrad
TESTS := $(BUILD)/tests/run
DEPS  := $(BUILD)/.deps-ok
GRAPHVIZ := $(BUILD)/.graphviz-ok

.PHONY: all lib demo test check bench lint memcheck fuzz install clean deps

all: $(LIBAG) $(LIBTEACH) $(LIBUTIL) $(LIBNN) $(LIBLANG) $(if $(TOOL_SRC),$(AGRAD)) $(EXAMPLES)
lib: $(LIBAG) $(LIBTEACH) $(LIBUTIL) $(LIBNN) $(LIBLANG)

# ---- dependencies ---------------------------------------------------------
# $(call apt-need,PKGS): shell that installs PKGS (through sudo when not
# root) or stops with a message naming them. PKGS may be a shell variable.
apt-need = if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO="sudo -n"; \
  else echo "agrad: cannot install$(1): not root and no sudo. Install them: apt-get install$(1)" >&2; exit 1; fi; \
  echo "agrad: installing missing Debian packages:$(1)"; \
  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq$(1) >/dev/null; } || \
  { echo "agrad: could not install$(1); install them by hand: apt-get install$(1)" >&2; exit 1; }

deps: $(DEPS)
$(DEPS):
	@missing=""; for p in $(DEB_PKGS); do h=$${p#*:}; \
	  printf '#include <%s>\n' "$$h" | $(CC) -E -x c - >/dev/null 2>&1 || missing="$$missing $${p%%:*}"; \
	done; \
	if [ -n "$$missing" ]; then $(call apt-need, $$missing); fi
	@mkdir -p $(@D) && touch $@

# ---- libraries and programs -----------------------------------------------
# The compiler and flags $(BUILD) was built with: when they change (make
# CC=clang into an old build/), the stamp is rewritten and every object is
# rebuilt. Checked on each build, rewritten only when different, so an
# unchanged stamp keeps its age and rebuilds nothing.
FLAGS_STAMP := $(BUILD)/.flags
FLAGS_NOW = $(CC) $(ALL_CFLAGS)
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D) && { [ "$$(cat $@ 2>/dev/null)" = '$(FLAGS_NOW)' ] || printf '%s' '$(FLAGS_NOW)' > $@; }
FORCE:
.PHONY: FORCE

$(BUILD)/%.o: %.c $(FLAGS_STAMP) | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# Each archive is made anew: `ar rcs` into an old one would keep members of
# sources deleted since (a stale object that breaks or shadows the link).
archive = @mkdir -p $(@D) && rm -f $@ && $(AR) rcs $@ $^

$(LIBAG): $(AG_OBJ)
	$(archive)

$(LIBTEACH): $(TEACH_OBJ)
	$(archive)

$(LIBUTIL): $(UTIL_OBJ)
	$(archive)

$(LIBNN): $(NN_OBJ)
	$(archive)

$(LIBLANG): $(LANG_OBJ)
	$(archive)

# Each program links what it uses: the command line the derivation language
# (lang/), the engine and teach/.
$(AGRAD): $(TOOL_OBJ) $(LIBLANG) $(LIBTEACH) $(LIBUTIL) $(LIBAG)
	$(CC) $(ALL_CFLAGS) $(TOOL_OBJ) $(LIBLANG) $(LIBTEACH) $(LIBUTIL) $(LIBAG) -lm -o $@

$(EXAMPLES): $(BUILD)/examples/%: $(BUILD)/examples/%.o $(EX_LIB_OBJ) $(LIBTEACH) $(LIBNN) $(LIBUTIL) $(LIBAG)
	$(CC) $(ALL_CFLAGS) $< $(EX_LIB_OBJ) $(LIBTEACH) $(LIBNN) $(LIBUTIL) $(LIBAG) $(LDLIBS_NN) -o $@

# The test runner links every tests/*.c with the libraries and the tool's
# sources (minus its main) so that the CLI can be tested in-process too.
TOOL_LIB_OBJ := $(filter-out $(BUILD)/tools/main.o,$(TOOL_OBJ))
$(TESTS): $(TEST_OBJ) $(TOOL_LIB_OBJ) $(LIBLANG) $(LIBTEACH) $(LIBNN) $(LIBUTIL) $(LIBAG) $(if $(TOOL_SRC),$(AGRAD))
	$(CC) $(ALL_CFLAGS) $(TEST_OBJ) $(TOOL_LIB_OBJ) $(LIBLANG) $(LIBTEACH) $(LIBNN) $(LIBUTIL) $(LIBAG) $(LDLIBS_NN) -lcriterion -o $@

# Bench programs link no example code: bench/workloads.h compiles the moons
# and digits examples' steps from their sources, without their programs.
$(BENCHES): $(BUILD)/bench/%: $(BUILD)/bench/%.o $(BENCH_MOD_OBJ) $(LIBLANG) $(LIBTEACH) $(LIBNN) $(LIBUTIL) $(LIBAG)
	$(CC) $(ALL_CFLAGS) $< $(BENCH_MOD_OBJ) $(LIBLANG) $(LIBTEACH) $(LIBNN) $(LIBUTIL) $(LIBAG) $(LDLIBS_NN) -o $@

# ---- the two README commands ------------------------------------------------
demo: all $(GRAPHVIZ)
	@sh examples/demo.sh $(BUILD)

# Graphviz's dot renders graphs (agrad dot -o x.svg, the demo, and the DOT
# tests, which skip without it). Optional: when it cannot be installed the
# build goes on and says so.
$(GRAPHVIZ): | $(DEPS)
	@command -v dot >/dev/null || ( $(call apt-need, graphviz) ) || \
	  echo "agrad: going on without Graphviz: graph files other than .dot will fail, DOT tests skip"
	@touch $@

# Fashion-MNIST (examples/fashion.c, about a minute of training): installs
# Debian's dataset-fashion-mnist when its files are missing (apt-get, sudo
# when not root), then trains and tests.
FASHION_DIR := /usr/share/datasets/fashion-mnist
.PHONY: fashion
fashion: $(BUILD)/examples/fashion
	@if [ ! -f $(FASHION_DIR)/train-images-idx3-ubyte.gz ]; then $(call apt-need, dataset-fashion-mnist); fi
	$(BUILD)/examples/fashion --dir $(FASHION_DIR)

# Tests find the built tools through AGRAD_BUILD.
test: $(TESTS) $(EXAMPLES) $(GRAPHVIZ)
	AGRAD_BUILD=$(BUILD) $(TESTS) --jobs=2

check:
	$(MAKE) BUILD=build/san OPT=-O1 SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" test

# Every bench program in turn (build/bench/NAME); bench/bench.c is the W1/W2
# table of issue 5, bench/tape.c the engine's own per-node figures.
bench: $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

# ---- hardening: lint, memcheck, fuzz ----------------------------------------
# Each installs the Debian packages it needs when they are missing, as deps does.

# lint: cppcheck, then clang-tidy with .clang-tidy (every finding an error),
# over the library and the tool, one file per clang-tidy run (two files in one
# run made its analyzer report a va_list in the second as uninitialised).
# Suppress a finding inline only with a reason.
LINT_SRC   := $(AG_SRC) $(TEACH_SRC) $(UTIL_SRC) $(NN_SRC) $(LANG_SRC) $(TOOL_SRC)
CPPCHECK   ?= cppcheck
CLANG_TIDY ?= clang-tidy
lint: $(DEPS)
	@m=""; command -v $(CPPCHECK) >/dev/null || m="$$m cppcheck"; \
	command -v $(CLANG_TIDY) >/dev/null || m="$$m clang-tidy"; \
	if [ -n "$$m" ]; then $(call apt-need, $$m); fi
	$(CPPCHECK) --enable=warning,performance,portability --error-exitcode=1 --inline-suppr \
	  --std=c11 -I autograd -I teach -I util -I nn -I lang --suppress=missingIncludeSystem -q -j2 autograd teach util nn lang tools
	@echo "$(CLANG_TIDY) over $(words $(LINT_SRC)) files (.clang-tidy)"
	@mkdir -p $(BUILD); printf '%s\n' $(LINT_SRC) | \
	  xargs -P2 -n1 sh -c '$(CLANG_TIDY) --quiet "$$@" -- $(CSTD) -Iautograd -Iteach -Iutil -Inn -Ilang -Itools' tidy \
	  >$(BUILD)/lint.log 2>&1; \
	  s=$$?; grep -v 'warnings\{0,1\} generated\.$$' $(BUILD)/lint.log; exit $$s

# memcheck: every example with short options, and agrad on a few commands,
# under valgrind: zero errors and zero definite/indirect leaks (valgrind is
# --quiet, so any output in its log is a failure). An example's options are
# MEMCHECK_ARGS_<name>; its status must be 0, 1 (a short run need not reach
# its goal) or 77 (skipped). fashion reads a tiny generated IDX data set.
VALGRIND := valgrind --quiet --leak-check=full --error-exitcode=1 \
            --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
MEMCHECK_DIR := $(BUILD)/memcheck
MEMCHECK_EXPECT := make_moons moons digits fashion neuron xor
MEMCHECK_ARGS_make_moons := --n 40 -o $(MEMCHECK_DIR)/moons.csv
MEMCHECK_ARGS_moons   := --steps 5
MEMCHECK_ARGS_digits  := --epochs 1
MEMCHECK_ARGS_fashion := --dir $(MEMCHECK_DIR)/fashion --epochs 1
MEMCHECK_ARGS_neuron  := --dot $(MEMCHECK_DIR)/neuron.dot
MEMCHECK_ARGS_xor     := --steps 20

# 40 uniform grey 28x28 images, labels 0..9 four times, as gzipped IDX.
$(MEMCHECK_DIR)/fashion/.ok:
	@mkdir -p $(@D); for p in train t10k; do \
	  { printf '\0\0\10\3\0\0\0\50\0\0\0\34\0\0\0\34'; head -c 31360 /dev/zero | tr '\0' '\177'; } | \
	    gzip -n > $(@D)/$$p-images-idx3-ubyte.gz; \
	  { printf '\0\0\10\1\0\0\0\50'; for i in 1 2 3 4; do printf '\0\1\2\3\4\5\6\7\10\11'; done; } | \
	    gzip -n > $(@D)/$$p-labels-idx1-ubyte.gz; done; touch $@

memcheck: $(if $(TOOL_SRC),$(AGRAD)) $(EXAMPLES) $(MEMCHECK_DIR)/fashion/.ok
	@command -v valgrind >/dev/null || { $(call apt-need, valgrind); }
	@fail=0; \
	for e in $(MEMCHECK_EXPECT); do [ -x $(BUILD)/examples/$$e ] || \
	  echo "memcheck: examples/$$e.c does not exist (yet): skipped"; done; \
	run() { want=$$1; shift; log=$(MEMCHECK_DIR)/vg.log; \
	  printf 'n\nn\np\nq\n' | $(VALGRIND) --log-file=$$log "$$@" >$(MEMCHECK_DIR)/out.txt 2>&1; s=$$?; \
	  ok=1; [ -s $$log ] && ok=0; case ",$$want," in *,$$s,*) ;; *) ok=0;; esac; \
	  if [ $$ok = 1 ]; then echo "memcheck: ok (status $$s): $$*"; \
	  else echo "memcheck: FAIL (status $$s, want $$want): $$*"; cat $$log; tail -5 $(MEMCHECK_DIR)/out.txt; fail=1; fi; }; \
	$(foreach x,$(EXAMPLES),run 0,1,77 $(x) $(MEMCHECK_ARGS_$(notdir $(x)));) \
	if [ -n "$(TOOL_SRC)" ]; then \
	  run 0 $(AGRAD) grad 'z = w*x + b; a = sigmoid(z); 0.5*(a - y)^2' w=-3 x=2 b=0.5 y=1; \
	  run 0 $(AGRAD) grad --json 'x^y + max(x, y) + leaky_relu(x - y)' x=2 y=3; \
	  run 0 $(AGRAD) trace 'a = tanh(w*x); log(a^2 + softplus(x))' w=1 x=2; \
	  run 0 $(AGRAD) step 'a = sigmoid(w*x); a^2' w=1 x=2; \
	  run 0 $(AGRAD) dot -o $(MEMCHECK_DIR)/g.dot 'a = sigmoid(w*x); a^2' w=1 x=2; \
	  run 0 $(AGRAD) check 'sigmoid(z)' --wrt z --expect 'sigmoid(z)*(1-sigmoid(z))' z=0.5; \
	  run 0 $(AGRAD) gradcheck 'sin(x)*exp(y)/sqrt(x)' x=1.5 y=0.25; \
	  run 1 $(AGRAD) --anomaly grad 'log(x - x)' x=1; \
	  run 2 $(AGRAD) grad 'x * (y +' x=1 y=2; \
	  run 2 $(AGRAD) grad 'x + q' x=1; \
	  run 0 $(AGRAD) check -f examples/derivations/004_batched.txt; \
	  run 1 $(AGRAD) check -f examples/derivations/mistakes.txt; \
	  run 0 $(AGRAD) jacobian 'x = [1, 2, 0.5]; s = softmax(x)' --wrt x; \
	fi; \
	exit $$fail

# fuzz: libFuzzer targets tests/fuzz/fuzz_NAME.c, built with clang against
# the library, nn and the language (lang/) and the command line compiled for fuzzing, each run for
# FUZZ_SECONDS on a copy of its seed corpus tests/fuzz/corpus_NAME/ (the
# copy in build/ grows; the committed seeds stay small). A crash stops make
# with the input saved as $(BUILD)/fuzz/crash-*.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := $(CSTD) $(WARN) -O1 -g $(FUZZ_SAN) -Iautograd -Iteach -Iutil -Inn -Ilang -Itools
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(AG_SRC) $(TEACH_SRC) $(UTIL_SRC) $(NN_SRC) $(LANG_SRC) $(filter-out tools/main.c,$(TOOL_SRC)))
FUZZ_OK      := $(FUZZ_DIR)/.clang-ok

$(FUZZ_OK): | $(DEPS)
	@mkdir -p $(@D); \
	probe() { printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return (int)(d[0] * 0) + (int)(n * 0); }\n' | \
	  $(FUZZ_CC) -fsanitize=fuzzer,address,undefined -x c - -o $(@D)/probe >/dev/null 2>&1; }; \
	probe || { $(call apt-need, clang libclang-rt-14-dev); probe; } || \
	{ echo "agrad: $(FUZZ_CC) cannot build libFuzzer targets; install clang and libclang-rt-14-dev (or libfuzzer-14-dev)" >&2; exit 1; }
	@touch $@

# kept between runs (make would delete them as intermediates of a pattern chain)
.SECONDARY: $(FUZZ_LIB_OBJ)
$(FUZZ_DIR)/obj/%.o: %.c | $(FUZZ_OK)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ) | $(FUZZ_OK)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJ) $(LDLIBS_NN) -o $@

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$${f##*/fuzz_}; c=$(FUZZ_DIR)/corpus_$$n; mkdir -p $$c; \
	  cp tests/fuzz/corpus_$$n/* $$c/ 2>/dev/null; \
	  d=""; [ -f tests/fuzz/$$n.dict ] && d="-dict=tests/fuzz/$$n.dict"; \
	  echo "== fuzz $$n: $(FUZZ_SECONDS) s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
	      -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/ $$d $$c >$(FUZZ_DIR)/$$n.log 2>&1 || \
	    { tail -60 $(FUZZ_DIR)/$$n.log; echo "fuzz $$n: FAILED (log $(FUZZ_DIR)/$$n.log)"; exit 1; }; \
	  grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ_DIR)/$$n.log; \
	done

-include $(wildcard $(FUZZ_DIR)/obj/*/*.d)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/agrad
	install -m 755 $(AGRAD) $(DESTDIR)$(PREFIX)/bin/agrad
	install -m 644 $(LIBAG) $(LIBTEACH) $(LIBUTIL) $(LIBNN) $(LIBLANG) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 autograd/autograd.h autograd/ag_ops.h autograd/higher.h teach/teach.h nn/nn.h nn/nn_io.h lang/lang.h $(DESTDIR)$(PREFIX)/include/agrad/

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)

# Targets of separate areas (web, interop, mutate, ...) live in mk/*.mk.
-include $(sort $(wildcard mk/*.mk))
