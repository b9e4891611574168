/*
 * wasm_moons.c: micrograd's moons demo in the page, running the native
 * example's own training step (examples/moons.c: MLP(2,[16,16,1]),
 * hinge loss, SGD with the same schedule and seed) on the same data
 * (examples/data/moons.csv, turned into the arrays of moons_data.h at build
 * time). Invariant: one run at a time lives here; agw_moons_setup frees
 * the previous one.
 *
 *   agw_moons_setup(seed)        {"ok", "rows", "x": [...], "y": [...]}
 *   agw_moons_steps(n, replay)   n steps: {"ok", "step", "loss", "accuracy",
 *                                "losses": [...], "ms"} (ms: C clock time)
 *   agw_moons_grid(res, ...)     the model's score on a res x res grid over
 *                                [x0, x1] x [y0, y1], row by row from y0
 */
#include "moons_data.h"
#include "wasm_json.h"

/* The example keeps its training step static, beside its main: this file
 * includes it whole, main renamed (and never called here). */
int moons_example_main(int argc, char **argv);
#define main moons_example_main
#include "../examples/moons.c" // NOLINT(bugprone-suspicious-include): the example's statics are the point
#undef main

#include <stdlib.h>
#include <string.h>
#include <time.h>

AGW_EXPORT(agw_moons_setup) char *agw_moons_setup(double seed);
AGW_EXPORT(agw_moons_steps) char *agw_moons_steps(int n, int replay);
AGW_EXPORT(agw_moons_grid) char *agw_moons_grid(int res, double x0, double x1, double y0, double y1);

static moons_run live_run;
static double xs[2 * MOONS_ROWS], ys[MOONS_ROWS]; /* the run may not write its data: copies */
static nn_dataset data = {MOONS_ROWS, 2, xs, ys, NULL};
static bool live;

static void moons_drop(void)
{
    if (live)
        moons_free(&live_run);
    live = false;
}

char *agw_moons_setup(double seed)
{
    moons_drop();
    char why[600];
    memcpy(xs, moons_x, sizeof xs);
    memcpy(ys, moons_y, sizeof ys);
    memset(&live_run, 0, sizeof live_run);
    live = true;
    if (!(seed >= 0 && seed < 9007199254740992.0) ||
        moons_setup(&live_run, &data, (uint64_t)seed, why, sizeof why) != AG_OK) {
        moons_drop();
        return jw_error(seed >= 0 ? why : "the seed is a whole number >= 0");
    }
    jw w;
    if (!jw_open(&w))
        return jw_error("out of memory");
    fprintf(w.f, "{\"ok\": true, \"rows\": %zu, \"x\": [", data.rows);
    for (size_t i = 0; i < 2 * data.rows; i++) {
        fputs(i ? ", " : "", w.f);
        jw_num(w.f, data.x[i]);
    }
    fputs("], \"y\": [", w.f);
    for (size_t i = 0; i < data.rows; i++)
        fprintf(w.f, "%s%g", i ? ", " : "", data.y[i]);
    fputs("]}", w.f);
    return jw_result(&w);
}

/* Drop a half-written answer and return the tape's error instead. */
static char *step_failed(jw *w)
{
    (void)fclose(w->f); /* the answer is dropped whatever it held */
    free(w->text);
    return jw_error(ag_tape_error(live_run.t));
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

char *agw_moons_steps(int n, int replay)
{
    if (!live)
        return jw_error("no moons run: set one up first");
    if (n < 0 || n > 10000)
        return jw_error("steps: 0 to 10000 at a time");
    jw w;
    if (!jw_open(&w))
        return jw_error("out of memory");
    double loss = 0, acc = 0, t0 = now_ms();
    fputs("{\"losses\": [", w.f);
    for (int k = 0; k < n; k++) {
        ag_status s = replay ? moons_step_replay(&live_run, &loss, &acc) : moons_step_record(&live_run, &loss, &acc);
        if (s != AG_OK)
            return step_failed(&w);
        fputs(k ? ", " : "", w.f);
        jw_num(w.f, loss);
    }
    double ms = now_ms() - t0;
    if (n == 0 && moons_evaluate(&live_run, &loss, &acc) != AG_OK)
        return step_failed(&w);
    fprintf(w.f, "], \"ok\": true, \"step\": %zu, \"loss\": ", live_run.step);
    jw_num(w.f, loss);
    fputs(", \"accuracy\": ", w.f);
    jw_num(w.f, acc);
    fputs(", \"ms\": ", w.f);
    jw_num(w.f, ms);
    fputc('}', w.f);
    return jw_result(&w);
}

char *agw_moons_grid(int res, double x0, double x1, double y0, double y1)
{
    if (!live)
        return jw_error("no moons run: set one up first");
    if (res < 2 || res > 200)
        return jw_error("grid: 2 to 200 points a side");
    jw w;
    if (!jw_open(&w))
        return jw_error("out of memory");
    fprintf(w.f, "{\"ok\": true, \"res\": %d, \"score\": [", res);
    for (int i = 0; i < res; i++)
        for (int j = 0; j < res; j++) {
            double s = moons_score(&live_run, x0 + (x1 - x0) * j / (res - 1), y0 + (y1 - y0) * i / (res - 1));
            fprintf(w.f, "%s%.4g", i || j ? "," : "", s);
        }
    fputs("]}", w.f);
    return jw_result(&w);
}
