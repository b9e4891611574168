# web.mk: agrad in the browser (issue 12).
#
#   make web       build/web/agrad.html: one self-contained page (the engine,
#                  nn and the expression language compiled to WebAssembly by
#                  clang --target=wasm32-wasi, bundled with viz-js by esbuild)
#   make webtest   drives Debian's chromium headless through puppeteer-core
#                  over the page opened from disk (web/test.mjs)
#
# Installs what it lacks: clang, lld, wasi-libc, libclang-rt-14-dev-wasm32,
# nodejs and npm (apt), chromium for webtest (apt); the JavaScript tools from
# package-lock.json with `npm ci` (no browser download, nothing else).

WEB        := $(BUILD)/web
WASM_CC    ?= clang
WASI_INC   ?= /usr/include/wasm32-wasi
CHROMIUM   ?= /usr/bin/chromium
# The wasm build sees only wasi-libc's headers (never the host's), the
# process stubs of web/compat, and uthash (header-only) through $(WEB)/inc.
WASM_CFLAGS := --target=wasm32-wasi -nostdlibinc -isystem $(WASI_INC) -Iweb/compat -isystem $(WEB)/inc \
               -D_WASI_EMULATED_GETPID $(CSTD) $(WARN) -O2 \
               -Iautograd -Iteach -Iutil -Inn -Ilang -Itools -Iexamples/lib -Iweb -I$(WEB) -MMD -MP
# The stack comes first in memory, so that overflowing it traps (an access
# below address 0) instead of overwriting data; 8 MB as a native thread has.
WASM_LDFLAGS := --target=wasm32-wasi -mexec-model=reactor -O2 -Wl,--strip-all \
                -Wl,--stack-first -Wl,-z,stack-size=8388608 -lwasi-emulated-getpid
# nn without its file formats (jansson, files): the page has no file system.
NN_WASM_SRC := $(filter-out nn/csv.c nn/io_util.c nn/model_io.c nn/safetensors_%.c nn/st_tensors.c,$(NN_SRC))
WASM_SRC := $(AG_SRC) $(TEACH_SRC) $(UTIL_SRC) $(NN_WASM_SRC) $(LANG_SRC) tools/show.c \
            $(filter-out web/moons_time.c,$(wildcard web/*.c))
WASM_OBJ := $(WASM_SRC:%.c=$(WEB)/obj/%.o) $(WEB)/obj/moons_data.o
WEB_JS   := web/page.html web/build.mjs $(wildcard web/src/*.js)
WEB_TOOLCHAIN := $(WEB)/.toolchain-ok
# npm ci writes node_modules/.package-lock.json: its age says whether the
# installed packages are the locked ones
WEB_NPM  := node_modules/.package-lock.json
export PUPPETEER_SKIP_DOWNLOAD := 1
export PUPPETEER_SKIP_CHROME_DOWNLOAD := 1
export PUPPETEER_SKIP_CHROME_HEADLESS_SHELL_DOWNLOAD := 1

.PHONY: web webtest

web: $(WEB)/agrad.html

# A reactor module linked from one C file proves compiler, linker, libc and
# builtins are all there.
$(WEB_TOOLCHAIN):
	@mkdir -p $(@D)/inc; \
	probe() { printf '#include <stdio.h>\n#include <math.h>\nint p(double x);\nint p(double x) { return snprintf(NULL, 0, "%%g", sin(x)); }\n' | \
	  $(WASM_CC) --target=wasm32-wasi -nostdlibinc -isystem $(WASI_INC) -mexec-model=reactor -x c - -o $(@D)/probe.wasm >/dev/null 2>&1; }; \
	probe || { $(call apt-need, clang lld wasi-libc libclang-rt-14-dev-wasm32); probe; } || \
	{ echo "agrad: $(WASM_CC) cannot build for wasm32-wasi; install clang lld wasi-libc libclang-rt-14-dev-wasm32" >&2; exit 1; }
	@[ -f /usr/include/uthash.h ] || { $(call apt-need, uthash-dev); }
	@ln -sf /usr/include/uthash.h $(@D)/inc/uthash.h
	@command -v node >/dev/null && command -v npm >/dev/null || { $(call apt-need, nodejs npm); }
	@touch $@

# npm ci from the lock file (offline once the npm cache holds the packages)
$(WEB_NPM): package.json package-lock.json | $(WEB_TOOLCHAIN)
	npm ci --no-audit --no-fund --prefer-offline --loglevel=error
	@touch $@

$(WEB)/obj/%.o: %.c | $(WEB_TOOLCHAIN)
	@mkdir -p $(@D)
	$(WASM_CC) $(WASM_CFLAGS) -c $< -o $@

# examples/data/moons.csv as C arrays (the module has no files to read)
$(WEB)/moons_data.c: examples/data/moons.csv mk/web.mk
	@mkdir -p $(@D)
	awk -F, 'NR == 1 { print "/* generated from examples/data/moons.csv by mk/web.mk */"; \
	  print "#include \"moons_data.h\""; print "const double moons_x[2 * MOONS_ROWS] = {"; next } \
	  { printf "    %s, %s,\n", $$1, $$2; y = y $$3 ", "; n++ } \
	  END { print "};"; print "const double moons_y[MOONS_ROWS] = {" y "};"; if (n != 100) exit 1 }' $< > $@.tmp
	mv $@.tmp $@

$(WEB)/obj/moons_data.o: $(WEB)/moons_data.c | $(WEB_TOOLCHAIN)
	@mkdir -p $(@D)
	$(WASM_CC) $(WASM_CFLAGS) -c $< -o $@

$(WEB)/agrad.wasm: $(WASM_OBJ)
	$(WASM_CC) $(WASM_LDFLAGS) $(WASM_OBJ) -o $@

$(WEB)/agrad.html: $(WEB)/agrad.wasm $(WEB_JS) $(WEB_NPM)
	node web/build.mjs $(WEB)/agrad.wasm $@
	@s=$$(stat -c %s $@); [ $$s -lt 3000000 ] || { echo "agrad: $@ is $$s bytes, over 3 MB" >&2; exit 1; }

# The same moons code built natively, for the timing in webtest.
MOONS_TIME_LIBS := $(EX_LIB_OBJ) $(BUILD)/tools/show.o $(LIBLANG) $(LIBTEACH) $(LIBNN) $(LIBUTIL) $(LIBAG)
$(WEB)/moons_time: web/moons_time.c web/wasm_moons.c web/wasm_json.c $(WEB)/moons_data.c examples/moons.c \
                   $(MOONS_TIME_LIBS)
	$(CC) $(ALL_CFLAGS) -Itools -Iweb web/moons_time.c web/wasm_moons.c web/wasm_json.c $(WEB)/moons_data.c \
	  $(MOONS_TIME_LIBS) $(LDLIBS_NN) -o $@

webtest: web $(AGRAD) $(BUILD)/examples/moons $(WEB)/moons_time
	@[ -x $(CHROMIUM) ] || { $(call apt-need, chromium); }
	node web/test.mjs --page $(WEB)/agrad.html --agrad $(AGRAD) --moons $(BUILD)/examples/moons \
	  --moons-time $(WEB)/moons_time --chromium $(CHROMIUM) --shot $(WEB)/backward-step.png

# make lint covers the page's C glue too (natively; compat.c only makes
# sense against wasi-libc's headers and is left out).
WEB_LINT_SRC := $(filter-out web/compat.c,$(wildcard web/*.c))
.PHONY: weblint
lint: weblint
weblint: $(DEPS)
	@command -v $(CPPCHECK) >/dev/null && command -v $(CLANG_TIDY) >/dev/null || { $(call apt-need, cppcheck clang-tidy); }
	$(CPPCHECK) --enable=warning,performance,portability --error-exitcode=1 --inline-suppr --std=c11 \
	  -I autograd -I teach -I util -I nn -I lang -I tools -I web -I examples/lib --suppress=missingIncludeSystem -q $(WEB_LINT_SRC)
	@echo "$(CLANG_TIDY) over $(WEB_LINT_SRC)"; mkdir -p $(WEB); \
	  $(CLANG_TIDY) --quiet $(WEB_LINT_SRC) -- $(CSTD) -Iautograd -Iteach -Iutil -Inn -Ilang -Itools -Iexamples/lib -Iweb \
	  >$(WEB)/lint.log 2>&1; s=$$?; grep -v 'warnings\{0,1\} generated\.$$' $(WEB)/lint.log; exit $$s

-include $(wildcard $(WEB)/obj/*/*.d $(WEB)/obj/*/*/*.d)
