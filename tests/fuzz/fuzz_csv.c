/*
 * fuzz_csv.c: libFuzzer target for the CSV loader. Any bytes are parsed by
 * nn_csv_parse twice: with header detection and the label last, and with a
 * forced header and the label first. Invariant checked: success gives
 * rows x cols finite features and rows finite labels (the documented
 * grammar); failure leaves the data set zeroed and says where.
 */
#include "nn_io.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse(const uint8_t *data, size_t size, const nn_csv_opts *opts)
{
    nn_dataset d;
    nn_error err;
    ag_status s = nn_csv_parse((const char *)data, size, "fuzz.csv", opts, &d, &err);
    if (s != AG_OK) {
        if (d.x || d.y || d.feature_names || d.rows || d.cols)
            abort(); /* documented: zeroed with nothing allocated */
        if (err.status != s || strncmp(err.message, "fuzz.csv", 8) != 0)
            abort();
        return;
    }
    if (d.rows == 0 || d.cols == 0)
        abort();
    for (size_t i = 0; i < d.rows * d.cols; i++)
        if (!isfinite(d.x[i]))
            abort();
    for (size_t i = 0; i < d.rows; i++)
        if (!isfinite(d.y[i]))
            abort();
    if (d.feature_names)
        for (size_t j = 0; j < d.cols; j++)
            if (!d.feature_names[j])
                abort();
    nn_dataset_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const nn_csv_opts detect = {.label_col = -1, .header = -1};
    const nn_csv_opts first = {.label_col = 0, .header = 1};
    parse(data, size, &detect);
    parse(data, size, &first);
    return 0;
}
