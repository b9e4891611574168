/*
 * model.c: a model's parameters: named tensors of variables recorded as one
 * run on the tape, their initialisation, and the layer list.
 *
 * Invariants: the model's n scalar parameters are the nodes first ..
 * first + n - 1 of one tape segment, tensors in creation order, each tensor
 * a sub-run; by_name holds exactly the tensors of `params`; a failed call
 * leaves the model and the tape's nodes as they were: whatever can fail is
 * done before the first node of a tensor is recorded, except finding that
 * a rewind split the run (only ag_check on the recorded nodes can tell),
 * which is undone by rewinding them (the error hook then sees the engine's
 * error, then nn's).
 */
#include "nn.h"

#include <math.h>
#include <string.h>

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) ag_realloc(NULL, (sz))
#define uthash_free(ptr, sz) ag_free(ptr)
#define uthash_nonfatal_oom(obj) (hash_oom = 1)
static int hash_oom;
#include <uthash.h>

typedef struct param_entry {
    nn_param p;
    UT_hash_handle hh;
    char name[];
} param_entry;

struct nn_model {
    ag_tape *t;
    ag_run params_run; /* every parameter; AG_NULL_RUN while there are none  */
    size_t size;       /* scalar parameters (params_run.n)                   */
    param_entry **params;
    size_t n_params, cap_params;
    param_entry *by_name;
    nn_layer *layers;
    size_t n_layers, cap_layers;
};

nn_model *nn_model_new(ag_tape *t)
{
    if (!t)
        return NULL;
    nn_model *m = ag_realloc(NULL, sizeof *m);
    if (!m) {
        ag_tape_fail(t, AG_ENOMEM, "nn_model_new: out of memory");
        return NULL;
    }
    memset(m, 0, sizeof *m);
    m->t = t;
    m->params_run = AG_NULL_RUN;
    return m;
}

void nn_model_free(nn_model *m)
{
    if (!m)
        return;
    HASH_CLEAR(hh, m->by_name);
    for (size_t k = 0; k < m->n_params; k++)
        ag_free(m->params[k]);
    ag_free(m->params);
    ag_free(m->layers);
    ag_free(m);
}

ag_tape *nn_model_tape(const nn_model *m) { return m->t; }
const nn_param *nn_param_at(const nn_model *m, size_t k) { return k < m->n_params ? &m->params[k]->p : NULL; }
const nn_layer *nn_layer_at(const nn_model *m, size_t k) { return k < m->n_layers ? &m->layers[k] : NULL; }

ag_run nn_model_params(const nn_model *m) { return m->params_run; }

/* Grow *p (of *cap elements of size sz) to hold `want`. */
static bool grow(void **p, size_t *cap, size_t want, size_t sz)
{
    if (want <= *cap)
        return true;
    size_t c = *cap ? 2 * *cap : 8;
    void *q = ag_realloc(*p, c * sz);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

static param_entry *find(const nn_model *m, const char *name)
{
    param_entry *e;
    HASH_FIND(hh, m->by_name, name, strlen(name), e);
    return e;
}

ag_status nn_param_find(const nn_model *m, const char *name, nn_param *out)
{
    param_entry *e = name ? find(m, name) : NULL;
    if (!e)
        return NN_ENOTFOUND;
    if (out)
        *out = e->p;
    return AG_OK;
}

/* Initial value of one weight: fan_in = cols (inputs), fan_out = rows. */
static void init_values(double *v, size_t count, size_t fan_in, size_t fan_out, nn_init init,
                        nn_rng *rng)
{
    double r = 1.0;
    switch (init) {
    case NN_INIT_ZERO:
    case NN_INIT_COUNT:
        memset(v, 0, count * sizeof *v);
        return;
    case NN_INIT_UNIFORM:
        r = 1.0;
        break;
    case NN_INIT_XAVIER:
        r = sqrt(6.0 / (double)(fan_in + fan_out)); /* Var = r^2/3 = 2/(in+out) */
        break;
    case NN_INIT_HE:
        r = sqrt(6.0 / (double)fan_in); /* Var = 2/in */
        break;
    }
    for (size_t k = 0; k < count; k++)
        v[k] = -r + 2.0 * r * nn_rng_uniform(rng); /* [-r, r) */
}

/* A tensor about to be added: checked, its entry allocated and in the name
 * table, nothing recorded yet. */
typedef struct pending {
    param_entry *e;
    size_t rows, cols, count;
    nn_init init;
} pending;

/* Everything that can fail, before any node is recorded: the name, the
 * shape, the entry and its place in the name table. */
static ag_status prepare(nn_model *m, const char *fn, const char *name, size_t rows, size_t cols,
                         nn_init init, const nn_rng *rng, pending *out)
{
    ag_tape *t = m->t;
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > AG_NAME_MAX)
        return ag_tape_fail(t, AG_ENAME, "%s: a tensor name must have 1 to %d characters", fn, AG_NAME_MAX);
    if (find(m, name))
        return ag_tape_fail(t, AG_ENAME, "%s: the model already has a tensor '%s'", fn, name);
    size_t count = rows * (cols ? cols : 1);
    if (rows == 0 || (cols && count / cols != rows) || count >= AG_MAX_NODES)
        return ag_tape_fail(t, AG_EINVAL, "%s: tensor '%s' of shape [%zu, %zu] is empty or too large", fn, name,
                            rows, cols);
    if ((unsigned)init >= NN_INIT_COUNT || (init != NN_INIT_ZERO && !rng))
        return ag_tape_fail(t, AG_EINVAL, "%s: tensor '%s': bad initialisation or no rng", fn, name);
    param_entry *e = ag_realloc(NULL, sizeof *e + len + 1);
    if (!e)
        return ag_tape_fail(t, AG_ENOMEM, "%s: out of memory for tensor '%s'", fn, name);
    memset(e, 0, sizeof *e);
    memcpy(e->name, name, len + 1);
    hash_oom = 0;
    HASH_ADD_KEYPTR(hh, m->by_name, e->name, len, e);
    if (hash_oom) {
        ag_free(e);
        return ag_tape_fail(t, AG_ENOMEM, "%s: out of memory for tensor '%s'", fn, name);
    }
    *out = (pending){e, rows, cols, count, init};
    return AG_OK;
}

static void unprepare(nn_model *m, pending *p)
{
    /* p->e was added to by_name by prepare(), so the table is not empty;
     * the analyzer loses that through uthash's macros */
    HASH_DELETE(hh, m->by_name, p->e); // NOLINT(clang-analyzer-core.NullDereference)
    ag_free(p->e);
}

/* Room for `more` tensors and `nodes` variables, and nothing recorded
 * after the model's last parameter: afterwards record() can fail only at
 * a rewind boundary, which it undoes. */
static ag_status make_room(nn_model *m, const char *fn, size_t more, size_t nodes)
{
    ag_tape *t = m->t;
    /* an array of pointers: the element size is a pointer's, as meant */
    if (!grow((void **)&m->params, &m->cap_params, m->n_params + more, sizeof *m->params)) // NOLINT(bugprone-sizeof-expression)
        return ag_tape_fail(t, AG_ENOMEM, "%s: out of memory", fn);
    if (m->size) {
        ag_status s = ag_check(t, m->params_run, fn, 1);
        if (s != AG_OK) /* dropped: the engine says how */
            return s;
        if (ag_tape_len(t) != m->params_run.first.idx + m->size)
            return ag_tape_fail(t, AG_EINVAL,
                                "%s: %zu nodes were recorded after the model's last parameter; record every parameter before anything else",
                                fn, ag_tape_len(t) - (m->params_run.first.idx + m->size));
    }
    return ag_tape_reserve(t, nodes, 0);
}

/* Record the prepared tensors ps[0..n) (room was made) as one run of
 * variables extending the model's run, and initialise them. A rewind since
 * the model's last parameter (even one that dropped nothing) opened a new
 * segment, and a run cannot cross its boundary: then the new variables are
 * dropped again and the call fails, leaving the model as it was. */
static ag_status record(nn_model *m, const char *fn, pending *ps, size_t n, nn_rng *rng)
{
    ag_tape *t = m->t;
    size_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += ps[k].count;
    ag_mark before = ag_tape_mark(t);
    ag_run v = ag_vars(t, NULL, total);
    if (ag_run_is_null(v))
        return ag_tape_status(t);
    if (m->size) {
        ag_status was = ag_tape_status(t);
        ag_run all = ag_run_of(m->params_run.first, m->size + total);
        if (ag_check(t, all, fn, 1) != AG_OK) {
            ag_tape_rewind(t, before);
            if (was == AG_OK) /* the engine's word replaced by one that says what to do */
                ag_tape_clear_error(t);
            return ag_tape_fail(t, AG_EINVAL,
                                "%s: the model's parameters must stay one run, and a rewind since its last parameter would split it; add every parameter before the first rewind or training step",
                                fn);
        }
    }
    double *val = ag_values(t, v);
    for (size_t k = 0, at = 0; k < n; at += ps[k].count, k++) {
        pending *p = &ps[k];
        size_t cols = p->cols ? p->cols : 1;
        ag_run pv = ag_run_of(ag_at(t, v, at), p->count);
        init_values(val + at, p->count, cols, p->rows, p->init, rng);
        p->e->p = (nn_param){p->e->name, p->cols ? 2 : 1, p->rows, cols, pv};
        m->params[m->n_params++] = p->e;
    }
    if (!m->size)
        m->params_run = v;
    m->size += total;
    m->params_run.n = (uint32_t)m->size;
    return AG_OK;
}

ag_status nn_param_new(nn_model *m, const char *name, size_t rows, size_t cols, nn_init init,
                       nn_rng *rng, nn_param *out)
{
    pending p;
    ag_status s = prepare(m, "nn_param_new", name, rows, cols, init, rng, &p);
    if (s != AG_OK)
        return s;
    if ((s = make_room(m, "nn_param_new", 1, p.count)) != AG_OK ||
        (s = record(m, "nn_param_new", &p, 1, rng)) != AG_OK) {
        unprepare(m, &p);
        return s;
    }
    if (out)
        *out = p.e->p;
    return AG_OK;
}

ag_status nn_dense_new(nn_model *m, const char *name, size_t n_in, size_t n_out, nn_act act,
                       nn_init init, nn_rng *rng, nn_layer *out)
{
    ag_tape *t = m->t;
    if ((unsigned)act >= NN_ACT_COUNT || n_in == 0 || n_out == 0)
        return ag_tape_fail(t, AG_EINVAL, "nn_dense_new: layer '%s': %zu -> %zu with activation %d",
                            name ? name : "?", n_in, n_out, (int)act);
    char wname[AG_NAME_MAX + 1], bname[AG_NAME_MAX + 1];
    int wl = snprintf(wname, sizeof wname, "%s.weight", name ? name : "");
    int bl = snprintf(bname, sizeof bname, "%s.bias", name ? name : "");
    if (!name || !*name || wl < 0 || (size_t)wl >= sizeof wname || bl < 0 || (size_t)bl >= sizeof bname)
        return ag_tape_fail(t, AG_ENAME, "nn_dense_new: a layer name must have 1 to %d characters",
                            AG_NAME_MAX - 7);
    if (!grow((void **)&m->layers, &m->cap_layers, m->n_layers + 1, sizeof *m->layers))
        return ag_tape_fail(t, AG_ENOMEM, "nn_dense_new: out of memory for layer '%s'", name);
    /* both tensors prepared and room made before either is recorded, so a
     * failure leaves the model and the tape as they were */
    pending wb[2];
    ag_status s = prepare(m, "nn_dense_new", wname, n_out, n_in, init, rng, &wb[0]);
    if (s != AG_OK)
        return s;
    if ((s = prepare(m, "nn_dense_new", bname, n_out, 0, NN_INIT_ZERO, rng, &wb[1])) != AG_OK) {
        unprepare(m, &wb[0]);
        return s;
    }
    if ((s = make_room(m, "nn_dense_new", 2, wb[0].count + wb[1].count)) != AG_OK ||
        (s = record(m, "nn_dense_new", wb, 2, rng)) != AG_OK) {
        unprepare(m, &wb[1]);
        unprepare(m, &wb[0]);
        return s;
    }
    nn_layer l = {n_in, n_out, act, NN_LEAKY_SLOPE, wb[0].e->p.v, wb[1].e->p.v};
    m->layers[m->n_layers++] = l;
    if (out)
        *out = l;
    return AG_OK;
}

ag_status nn_mlp_build(nn_model *m, size_t n_in, const size_t *sizes, const nn_act *acts,
                       size_t n_layers, nn_init init, nn_rng *rng)
{
    if (!sizes || !acts || n_layers == 0 || n_in == 0)
        return ag_tape_fail(m->t, AG_EINVAL, "nn_mlp_build: no layers or no inputs");
    /* every shape checked before the first layer is built */
    for (size_t k = 0; k < n_layers; k++)
        if (sizes[k] == 0 || (unsigned)acts[k] >= NN_ACT_COUNT)
            return ag_tape_fail(m->t, AG_EINVAL, "nn_mlp_build: layer %zu: %zu outputs with activation %d", k,
                                sizes[k], (int)acts[k]);
    size_t in = n_in, module = m->n_layers ? 2 * m->n_layers : 0;
    for (size_t k = 0; k < n_layers; k++) {
        char name[32];
        snprintf(name, sizeof name, "%zu", module);
        ag_status s = nn_dense_new(m, name, in, sizes[k], acts[k], init, rng, NULL);
        if (s != AG_OK)
            return s;
        /* Sequential(Linear, act, Linear, ...): a linear layer has no act module */
        module += acts[k] == NN_ACT_LINEAR ? 1 : 2;
        in = sizes[k];
    }
    return AG_OK;
}

ag_run nn_mlp_forward(nn_model *m, ag_run x)
{
    if (m->n_layers == 0) {
        ag_tape_fail(m->t, AG_EINVAL, "nn_mlp_forward: the model has no layers");
        return AG_NULL_RUN;
    }
    if (!ag_run_is_null(x) && x.n != m->layers[0].n_in) {
        ag_tape_fail(m->t, AG_EINVAL, "nn_mlp_forward: an input of width %u for a model of %zu inputs", x.n,
                     m->layers[0].n_in);
        return AG_NULL_RUN;
    }
    for (size_t k = 0; k < m->n_layers && !ag_run_is_null(x); k++)
        x = nn_dense_forward(m->t, &m->layers[k], x);
    return x;
}

void nn_zero_grad(nn_model *m)
{
    double *g = m->size ? ag_grads(m->t, m->params_run) : NULL;
    if (g)
        memset(g, 0, m->size * sizeof *g);
}

ag_status nn_model_name_nodes(nn_model *m)
{
    for (size_t k = 0; k < m->n_params; k++) {
        const nn_param *p = &m->params[k]->p;
        for (size_t i = 0; i < p->rows * p->cols; i++) {
            char name[AG_NAME_MAX + 1];
            if (p->rank == 2)
                snprintf(name, sizeof name, "%s[%zu,%zu]", p->name, i / p->cols, i % p->cols);
            else
                snprintf(name, sizeof name, "%s[%zu]", p->name, i);
            ag_status s = ag_name_set(m->t, ag_at(m->t, p->v, i), name);
            if (s != AG_OK)
                return s;
        }
    }
    return AG_OK;
}
