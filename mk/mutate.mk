# make mutate: the mutation check (tests/mutate/): each plausible bug of
# tests/mutate/mutations.txt applied alone to a scratch copy of the tree
# under $(BUILD)/mutate, the suite run against it; prints the survivors and
# the kill rate. Not part of make test (about 5 s per mutation on 2 cores).
# MUTATE_ONLY=M21,M22 runs a subset. Needs python3 (installed when missing).
.PHONY: mutate
mutate: $(DEPS)
	@command -v python3 >/dev/null || { $(call apt-need, python3); }
	python3 tests/mutate/mutate.py --scratch $(BUILD)/mutate $(if $(MUTATE_ONLY),--only $(MUTATE_ONLY))
