/*
 * second_order.c: a model's Hessian-vector product and Hessian with
 * respect to all its parameters (the engine's ag_hvp / ag_hessian over the
 * parameter run). Like them, they leave the tape, its values and the
 * parameters' gradients as they found them.
 */
#include "nn.h"

static ag_status params(nn_model *m, ag_run *r)
{
    *r = nn_model_params(m);
    if (r->n == 0)
        return ag_tape_fail(nn_model_tape(m), AG_EINVAL, "nn_hvp/nn_hessian: the model has no parameters");
    return AG_OK;
}

ag_status nn_hvp(nn_model *m, ag_node loss, const double *v, double *hv)
{
    ag_run r;
    ag_status s = params(m, &r);
    return s != AG_OK ? s : ag_hvp(nn_model_tape(m), loss, r, v, hv);
}

ag_status nn_hessian(nn_model *m, ag_node loss, double **h)
{
    ag_run r;
    ag_status s = params(m, &r);
    return s != AG_OK ? s : ag_hessian(nn_model_tape(m), loss, r, h);
}
