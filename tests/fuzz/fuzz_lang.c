/*
 * fuzz_lang.c: libFuzzer target for the derivation language (lang/): any
 * bytes are parsed as a derivation file; when they parse, the program is
 * evaluated onto a tape (gradient and trace rendered as JSON into a memory
 * stream) and its claims are checked with few points. Invariants: a failed
 * parse or evaluation reports a status, a message and (for text errors) a
 * place inside the input; nothing may crash, leak or trip ASan/UBSan.
 */
#include "autograd.h"
#include "lang.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink_json(lg_run *r)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    if (!m)
        return;
    (void)lg_run_write(r, LG_JSON, m);
    (void)lg_run_write(r, LG_TRACE, m);
    fclose(m);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size + 1); /* a C string for the error window */
    if (!src)
        return 0;
    memcpy(src, data, size);
    src[size] = '\0';
    ag_error e;
    lg_prog *p = lg_parse(src, size, &e);
    if (!p) {
        if (e.status == AG_OK || e.message[0] == '\0' || strlen(e.message) >= sizeof e.message)
            abort();
        if (e.status == LG_EPARSE && (e.line < 1 || e.column < 1))
            abort();
        char buf[2048];
        FILE *m = fmemopen(buf, sizeof buf, "w");
        if (m) {
            (void)lg_error_write(&e, src, NULL, LG_JSON, m);
            (void)lg_error_write(&e, src, NULL, LG_TEXT, m);
            fclose(m);
        }
        free(src);
        return 0;
    }
    free(src);
    ag_tape *t = ag_tape_new(0);
    if (t) {
        lg_run *r = lg_eval(p, t, &e);
        if (r)
            sink_json(r);
        else if (e.status == AG_OK || e.message[0] == '\0')
            abort();
        lg_run_free(r);
        ag_tape_free(t);
    }
    lg_check_opts o = {2, 0.25, 1e-9, 1e-12};
    lg_report rep;
    if (lg_check(p, &o, &rep, &e) == AG_OK) {
        char buf[4096];
        FILE *m = fmemopen(buf, sizeof buf, "w");
        if (m) {
            (void)lg_report_write(&rep, LG_JSON, m);
            fclose(m);
        }
        lg_report_free(&rep);
    }
    lg_prog_free(p);
    return 0;
}
