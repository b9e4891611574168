# make bench also runs the W1/W2 training of bench/bench.c in PyTorch
# (float64, one thread, the same initial weights and data order) when
# /usr/bin/python3 can import torch, and prints agrad's ratio to PyTorch
# beside its ratio to the hand-written floor; the final losses must agree
# to 1e-9. Without PyTorch it says so and goes on (make interop installs
# it). bench_export (tests/interop) writes the weights and the row order.
BT_DIR := $(BUILD)/bench-torch
BT_EXPORT := $(BT_DIR)/bench_export

.PHONY: bench-torch
bench: bench-torch
$(BT_EXPORT): tests/interop/bench_export.c $(BENCH_MOD_OBJ) $(LIBNN) $(LIBUTIL) $(LIBAG)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ibench $< $(BENCH_MOD_OBJ) $(LIBNN) $(LIBUTIL) $(LIBAG) $(LDLIBS_NN) -o $@

bench-torch: $(BT_EXPORT) $(BUILD)/bench/bench
	@if /usr/bin/python3 -c 'import torch' 2>/dev/null; then \
	  echo "== PyTorch"; \
	  $(BT_EXPORT) examples/data $(BT_DIR) && \
	  $(BUILD)/bench/bench --json --reps 5 > $(BT_DIR)/bench.json && \
	  PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 tests/interop/bench_torch.py examples/data $(BT_DIR) $(BT_DIR)/bench.json 5; \
	else echo "bench: PyTorch is not installed (make interop installs python3-torch): no PyTorch column"; fi
