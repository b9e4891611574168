# agrad: scalar reverse-mode automatic differentiation in C, with a small
# neural-network layer on top.
#
#   make            build/libautograd.a, build/libnn.a, build/agrad, examples
#   make demo       the tour: a neuron's chain-rule ledger, moons training, agrad check
#   make test       the Criterion suite
#   make check      the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      engine vs hand-written backprop (not part of the tests)
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
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wdouble-promotion -Werror
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) $(SANFLAGS) -Iautograd -Inn -MMD -MP
LDLIBS_NN = -ljansson -lz -lm

# Debian packages the build needs, and a header each provides.
DEB_PKGS := uthash-dev:uthash.h libcriterion-dev:criterion/criterion.h \
            libjansson-dev:jansson.h zlib1g-dev:zlib.h

AG_SRC   := $(wildcard autograd/*.c)
NN_SRC   := $(wildcard nn/*.c)
TOOL_SRC := $(wildcard tools/*.c)
TEST_SRC := $(wildcard tests/*.c)
EX_SRC   := $(wildcard examples/*.c)
EX_LIB   := $(wildcard examples/lib/*.c)
# bench/NAME.c with a main each -> build/bench/NAME; bench/w_*.c are the
# workload modules linked into every bench program.
BENCH_MOD  := $(wildcard bench/w_*.c)
BENCH_PROG := $(filter-out $(BENCH_MOD),$(wildcard bench/*.c))

AG_OBJ   := $(AG_SRC:%.c=$(BUILD)/%.o)
NN_OBJ   := $(NN_SRC:%.c=$(BUILD)/%.o)
TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
EXAMPLES := $(EX_SRC:examples/%.c=$(BUILD)/examples/%)
EX_LIB_OBJ := $(EX_LIB:%.c=$(BUILD)/%.o)
BENCH_MOD_OBJ := $(BENCH_MOD:%.c=$(BUILD)/%.o)
BENCHES  := $(BENCH_PROG:bench/%.c=$(BUILD)/bench/%)

LIBAG := $(BUILD)/libautograd.a
LIBNN := $(BUILD)/libnn.a
AGRAD := $(BUILD)/agrad
TESTS := $(BUILD)/tests/run
DEPS  := $(BUILD)/.deps-ok

.PHONY: all lib demo test check bench lint memcheck fuzz install clean deps

all: $(LIBAG) $(LIBNN) $(if $(TOOL_SRC),$(AGRAD)) $(EXAMPLES)
lib: $(LIBAG) $(LIBNN)

# ---- dependencies ---------------------------------------------------------
deps: $(DEPS)
$(DEPS):
	@missing=""; for p in $(DEB_PKGS); do h=$${p#*:}; \
	  printf '#include <%s>\n' "$$h" | $(CC) -E -x c - >/dev/null 2>&1 || missing="$$missing $${p%%:*}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "agrad: installing missing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO="sudo -n"; \
	  else echo "agrad: cannot install$$missing: not root and no sudo. Install them: apt-get install$$missing" >&2; exit 1; fi; \
	  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; } || \
	  { echo "agrad: could not install the Debian packages$$missing; install them by hand: apt-get install$$missing" >&2; exit 1; }; \
	fi
	@mkdir -p $(@D) && touch $@

# ---- libraries and programs -----------------------------------------------
$(BUILD)/%.o: %.c | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBAG): $(AG_OBJ)
	$(AR) rcs $@ $^

$(LIBNN): $(NN_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(AGRAD): $(TOOL_OBJ) $(LIBNN) $(LIBAG)
	$(CC) $(ALL_CFLAGS) $(TOOL_OBJ) $(LIBNN) $(LIBAG) $(LDLIBS_NN) -o $@

$(EXAMPLES): $(BUILD)/examples/%: $(BUILD)/examples/%.o $(EX_LIB_OBJ) $(LIBNN) $(LIBAG)
	$(CC) $(ALL_CFLAGS) $< $(EX_LIB_OBJ) $(LIBNN) $(LIBAG) $(LDLIBS_NN) -o $@

# The test runner links every tests/*.c with the libraries and the tool's
# sources (minus its main) so that the CLI can be tested in-process too.
$(TESTS): $(TEST_OBJ) $(LIBNN) $(LIBAG) $(if $(TOOL_SRC),$(AGRAD))
	$(CC) $(ALL_CFLAGS) $(TEST_OBJ) $(LIBNN) $(LIBAG) $(LDLIBS_NN) -lcriterion -o $@

$(BENCHES): $(BUILD)/bench/%: $(BUILD)/bench/%.o $(BENCH_MOD_OBJ) $(LIBNN) $(LIBAG)
	$(CC) $(ALL_CFLAGS) $< $(BENCH_MOD_OBJ) $(LIBNN) $(LIBAG) $(LDLIBS_NN) -o $@

# ---- the two README commands ------------------------------------------------
demo: all
	@sh examples/demo.sh $(BUILD)

# Tests find ../shared and the built tools through these variables.
test: $(TESTS) $(EXAMPLES)
	AGRAD_BUILD=$(BUILD) $(TESTS) --jobs=2

check:
	$(MAKE) BUILD=build/san OPT=-O1 SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" test

# Every bench program in turn (build/bench/NAME); bench/bench.c is the W1/W2
# table of issue 5, bench/tape.c the engine's own per-node figures.
bench: $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/agrad
	install -m 755 $(AGRAD) $(DESTDIR)$(PREFIX)/bin/agrad
	install -m 644 $(LIBAG) $(LIBNN) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 autograd/autograd.h $(wildcard autograd/teach.h) $(wildcard nn/nn.h) $(DESTDIR)$(PREFIX)/include/agrad/

clean:
	rm -rf build

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)
