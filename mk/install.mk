# make install also installs agrad.pc (pkg-config) with the real prefix;
# make uninstall removes what make install put there; make installcheck
# installs into a scratch prefix under $(BUILD) and builds three programs
# out of tree with nothing but pkg-config: examples/make_moons.c (nn), the
# interop helper tests/interop/ih.c and tests/install/all_libs.c (engine,
# teach, nn, util and lang: a gradient, its gradcheck, a Hessian-vector
# product, a model file round trip, a derivation claim checked).
PKGCONFIG_DIR = $(DESTDIR)$(PREFIX)/lib/pkgconfig
INSTALLED_HEADERS := autograd.h ag_ops.h higher.h teach.h nn.h nn_io.h lang.h
INSTALLED_LIBS := libautograd.a libagteach.a libagutil.a libnn.a liblang.a

.PHONY: install-pc uninstall installcheck
install: install-pc
install-pc: agrad.pc.in
	install -d $(PKGCONFIG_DIR)
	sed 's|@PREFIX@|$(PREFIX)|' agrad.pc.in > $(PKGCONFIG_DIR)/agrad.pc
	chmod 644 $(PKGCONFIG_DIR)/agrad.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/agrad $(PKGCONFIG_DIR)/agrad.pc \
	  $(addprefix $(DESTDIR)$(PREFIX)/lib/,$(INSTALLED_LIBS)) \
	  $(addprefix $(DESTDIR)$(PREFIX)/include/agrad/,$(INSTALLED_HEADERS))
	-rmdir $(DESTDIR)$(PREFIX)/include/agrad 2>/dev/null

IC_DIR := $(abspath $(BUILD))/installcheck
installcheck: all
	@command -v pkg-config >/dev/null || { $(call apt-need, pkg-config); }
	rm -rf $(IC_DIR) && mkdir -p $(IC_DIR)/src
	$(MAKE) -s install PREFIX=$(IC_DIR)/prefix >/dev/null
	cp examples/make_moons.c tests/interop/ih.c tests/install/all_libs.c $(IC_DIR)/src/
	cd $(IC_DIR)/src && export PKG_CONFIG_PATH=$(IC_DIR)/prefix/lib/pkgconfig && \
	  for p in make_moons ih all_libs; do \
	    $(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Werror $$(pkg-config --cflags agrad) $$p.c \
	      $$(pkg-config --libs agrad) -o $$p || exit 1; done
	$(IC_DIR)/src/make_moons --n 20 -o $(IC_DIR)/moons.csv >/dev/null
	test "$$(wc -l < $(IC_DIR)/moons.csv)" -ge 20
	test "$$($(IC_DIR)/src/all_libs $(IC_DIR))" = ok
	$(IC_DIR)/prefix/bin/agrad grad --json 'x^2' x=3 | grep -q '"x": 6}'
	$(MAKE) -s uninstall PREFIX=$(IC_DIR)/prefix
	@left=$$(find $(IC_DIR)/prefix -type f); if [ -n "$$left" ]; then \
	  echo "installcheck: make uninstall left: $$left" >&2; exit 1; fi
	@echo "installcheck: installed, built make_moons, ih and all_libs out of tree with pkg-config, ran them, uninstalled"
