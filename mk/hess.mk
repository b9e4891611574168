# mk/hess.mk: higher-order derivatives (issue 11).
#
#   make interop-hess   agrad's recorded gradients, Hessians and HVPs against
#                       PyTorch's double backward (tests/interop/hess_*.py,
#                       /usr/bin/python3 with Debian's python3-torch, which is
#                       installed when missing)

HESS_PY     ?= /usr/bin/python3
HESS_DRIVER := $(BUILD)/interop/hess_driver
HESS_SCRIPTS := $(wildcard tests/interop/hess_*.py)

$(HESS_DRIVER): tests/interop/hess_driver.c $(LIBAG) | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< $(LIBAG) -ljansson -lm -o $@

.PHONY: interop-hess
interop-hess: $(HESS_DRIVER)
	@$(HESS_PY) -c 'import torch' 2>/dev/null || { $(call apt-need, python3-torch); }
	@for s in $(HESS_SCRIPTS); do $(HESS_PY) $$s $(HESS_DRIVER) || exit 1; done

# make memcheck runs every example: newton with a short run
MEMCHECK_ARGS_newton := --steps 3
