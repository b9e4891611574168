/*
 * model_io.c: a model's parameters to and from safetensors files, one
 * tensor per nn_param under its own name and shape (PyTorch's state_dict of
 * an nn.Sequential MLP: "0.weight" [out, in], "0.bias" [out], ...).
 *
 * Invariant: the tensor views point straight at the parameters' values on
 * the tape; they are built just before each call, since the tape's arrays
 * move when it grows.
 */
#include "nn.h"

#include <stdio.h>
#include <string.h>

/* Views of every parameter tensor, *n of them; NULL (and err set) on
 * failure. */
static nn_tensor *views(nn_model *m, nn_error *err, const char *fn, size_t *count)
{
    size_t n = 0;
    while (nn_param_at(m, n))
        n++;
    *count = n;
    ag_tape *t = nn_model_tape(m);
    nn_tensor *ts = n ? ag_realloc(NULL, n * sizeof *ts) : NULL;
    if (!ts) {
        err->status = n ? AG_ENOMEM : AG_EINVAL;
        snprintf(err->message, sizeof err->message, "%s: %s", fn,
                 n ? "out of memory" : "the model has no parameters");
        return NULL;
    }
    for (size_t k = 0; k < n; k++) {
        const nn_param *p = nn_param_at(m, k);
        double *v = ag_values(t, p->v);
        if (!v) {
            err->status = ag_tape_status(t);
            snprintf(err->message, sizeof err->message, "%s: tensor '%s': %s", fn, p->name, ag_tape_error(t));
            ag_free(ts);
            return NULL;
        }
        ts[k] = (nn_tensor){p->name, p->rank, {p->rows, p->rank == 2 ? p->cols : 1}, v};
    }
    return ts;
}

ag_status nn_model_save(nn_model *m, const char *path, nn_error *err)
{
    nn_error local;
    if (!err) /* the message is optional, as in nn_io.h */
        err = &local;
    size_t n;
    nn_tensor *ts = views(m, err, "nn_model_save", &n);
    if (!ts)
        return err->status;
    ag_status s = nn_safetensors_save(path, ts, n, err);
    ag_free(ts);
    return s;
}

ag_status nn_model_load(nn_model *m, const char *path, nn_error *err)
{
    nn_error local;
    if (!err)
        err = &local;
    size_t n;
    nn_tensor *ts = views(m, err, "nn_model_load", &n);
    if (!ts)
        return err->status;
    ag_status s = nn_safetensors_load(path, ts, n, err);
    ag_free(ts);
    return s;
}
