# make interop: agrad against PyTorch (tests/interop/, run by .ci/run).
# Debian's python3-torch is installed when /usr/bin/python3 cannot import
# torch (the Python on PATH may be another one without it). Checks: a model
# trained by examples/moons loads into torch.nn.Sequential with strict keys
# and gives the same outputs; a model initialised in PyTorch trains in C to
# PyTorch's losses (SGD, momentum, Adam); random expressions and random MLP
# gradients against torch.autograd.
INTEROP_PY  := /usr/bin/python3
INTEROP_DIR := $(BUILD)/interop
INTEROP_IH  := $(INTEROP_DIR)/ih
INTEROP_OK  := $(INTEROP_DIR)/.torch-ok

.PHONY: interop
$(INTEROP_OK): | $(DEPS)
	@mkdir -p $(@D)
	@$(INTEROP_PY) -c 'import torch' 2>/dev/null || { $(call apt-need, python3-torch); }
	@$(INTEROP_PY) -c 'import torch' || { echo "agrad: $(INTEROP_PY) cannot import torch after installing python3-torch" >&2; exit 1; }
	@touch $@

$(INTEROP_IH): tests/interop/ih.c $(LIBNN) $(LIBUTIL) $(LIBAG)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< $(LIBNN) $(LIBUTIL) $(LIBAG) $(LDLIBS_NN) -o $@

interop: $(INTEROP_OK) $(INTEROP_IH) $(AGRAD) $(BUILD)/examples/moons
	$(BUILD)/examples/moons --save $(INTEROP_DIR)/moons.safetensors >$(INTEROP_DIR)/moons.log
	@for s in moons_to_torch train_from_torch mlp_grads exprs; do \
	  case $$s in moons_to_torch) a=$(INTEROP_DIR)/moons.safetensors;; *) a=$(INTEROP_DIR);; esac; \
	  AGRAD_BUILD=$(BUILD) PYTHONDONTWRITEBYTECODE=1 $(INTEROP_PY) tests/interop/$$s.py $$a || exit 1; done
