# core: the op list's coverage check (ag_ops.h). A row whose kernels are
# missing (any of them, the tangent ones included), or a row with a field
# missing, must stop the build: compile the sweep and the table once as they
# are (must pass) and with broken extra rows (must fail). tests/test_oplist.c checks the same in the suite.
.PHONY: oplist-check
OPLIST_CC = $(CC) $(CSTD) -Werror -fsyntax-only -Iautograd autograd/sweep.c autograd/ops.c
# a row whose first-order kernels exist (exp's, under the row's stem) but
# whose tangent kernels (jv_, hv_: forward over reverse) do not
OPLIST_BOGUS = X(BOGUS, bogus, "bogus", 1, CALL, NULL, "")
OPLIST_FIRST_ORDER = -Dfw_bogus=fw_exp -Dbw_bogus=bw_exp -Dd_bogus=d_exp
oplist-check:
	@$(OPLIST_CC) || { echo "oplist-check: the op list does not compile" >&2; exit 1; }
	@for row in 'X(BOGUS, bogus, "bogus", 1, CALL, NULL, "")' 'X(BOGUS, exp, "bogus", 1, CALL, NULL)'; do \
	  if $(OPLIST_CC) "-DAG_OPLIST_EXTRA(X)=$$row" 2>/dev/null; then \
	    echo "oplist-check: a broken row compiled: $$row" >&2; exit 1; fi; done
	@$(OPLIST_CC) $(OPLIST_FIRST_ORDER) -Djv_bogus=jv_exp -Dhv_bogus=hv_exp '-DAG_OPLIST_EXTRA(X)=$(OPLIST_BOGUS)' || \
	  { echo "oplist-check: a row with all its kernels does not compile" >&2; exit 1; }
	@if $(OPLIST_CC) $(OPLIST_FIRST_ORDER) '-DAG_OPLIST_EXTRA(X)=$(OPLIST_BOGUS)' 2>/dev/null; then \
	  echo "oplist-check: a row without its tangent kernels (jv_, hv_) compiled" >&2; exit 1; fi
	@echo "oplist-check: a row without kernels, a row missing a field and a row without its tangent kernels all fail to compile"
