# make api: the public functions, counted as the compiler sees them: every
# function declared in an installed header (INSTALLED_HEADERS, mk/install.mk),
# static inline ones included, per header and in all (gcc -aux-info). It
# fails when the total reaches API_MAX: growing the API is a decision, made
# by raising the figure here in the change that needs it.
API_MAX := 138
API_DIR := $(BUILD)/api
API_CC ?= gcc # -aux-info is GCC's, whatever CC builds with
.PHONY: api
api:
	@mkdir -p $(API_DIR)
	@for h in $(INSTALLED_HEADERS); do echo "#include \"$$h\""; done > $(API_DIR)/all.c
	@rm -f $(API_DIR)/aux.txt
	@$(API_CC) $(CSTD) -Iautograd -Iteach -Inn -Ilang -fsyntax-only -aux-info $(API_DIR)/aux.txt $(API_DIR)/all.c
	@grep -E '^/\* (autograd|teach|nn|lang)/' $(API_DIR)/aux.txt | sed -E 's@^/\* ([^:]*):.*@\1@' | sort | uniq -c
	@n=$$(grep -cE '^/\* (autograd|teach|nn|lang)/' $(API_DIR)/aux.txt); \
	  echo "api: $$n public functions (limit: fewer than $(API_MAX))"; \
	  test $$n -lt $(API_MAX) || { echo "api: $$n public functions; the limit is fewer than $(API_MAX) (mk/api.mk)" >&2; exit 1; }
