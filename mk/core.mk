# core: the op list's coverage check (ag_ops.h). A row whose kernels are
# missing, or a row with a field missing, must stop the build: compile the
# sweep and the table once as they are (must pass) and twice with a broken
# extra row (must fail). tests/test_oplist.c checks the same in the suite.
.PHONY: oplist-check
OPLIST_CC = $(CC) $(CSTD) -Werror -fsyntax-only -Iautograd autograd/sweep.c autograd/ops.c
oplist-check:
	@$(OPLIST_CC) || { echo "oplist-check: the op list does not compile" >&2; exit 1; }
	@for row in 'X(BOGUS, bogus, "bogus", 1, CALL, "")' 'X(BOGUS, exp, "bogus", 1, CALL)'; do \
	  if $(OPLIST_CC) "-DAG_OPLIST_EXTRA(X)=$$row" 2>/dev/null; then \
	    echo "oplist-check: a broken row compiled: $$row" >&2; exit 1; fi; done
	@echo "oplist-check: a row without kernels and a row missing a field both fail to compile"
