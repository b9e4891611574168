/*
 * nn_io.h: files in and out of agrad: safetensors model files and numeric
 * CSV data sets. Independent of models: the caller says which tensors it
 * has (name, shape, where the values live); nn.h maps a model onto them.
 *
 * Loss-free by design: a failed load writes nothing into the caller's
 * tensors; a save writes a temporary file and renames it over the old one,
 * so a failed save leaves the old file intact.
 */
#ifndef AGRAD_NN_IO_H
#define AGRAD_NN_IO_H

#include "autograd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What went wrong and where: "model.safetensors: tensor '0.weight': shape
 * [4, 3] in the file, [4, 2] expected", "moons.csv:17:5: 'abc' is not a
 * number". */
typedef struct nn_error {
    ag_status status;
    char message[512];
} nn_error;

/* A named tensor of doubles, row-major; rank 1 or 2 (shape[1] = 1 unused for
 * rank 1). For a model, `data` points at its parameters' values. */
typedef struct nn_tensor {
    const char *name;
    size_t rank;
    size_t shape[2];
    double *data;
} nn_tensor;

/* Write the tensors as F64 safetensors, header keys in the given order. */
ag_status nn_safetensors_save(const char *path, const nn_tensor *ts, size_t n, nn_error *err);
/* Read every tensor of ts from the file (F64 or F32, little-endian), with
 * the same shape. A file that lacks one, has another shape or dtype,
 * overlapping or out-of-range offsets, a truncated body or invalid JSON is
 * refused with an error naming the tensor or byte offset, and nothing is
 * written to ts. Tensors in the file that ts does not name are an error
 * too (strict, like PyTorch's load_state_dict). */
ag_status nn_safetensors_load(const char *path, const nn_tensor *ts, size_t n, nn_error *err);
/* The same from bytes in memory (`source` names them in messages). */
ag_status nn_safetensors_load_mem(const unsigned char *buf, size_t len, const char *source,
                                  const nn_tensor *ts, size_t n, nn_error *err);

/* A numeric data set: rows x cols features (row-major) and one label a row. */
typedef struct nn_dataset {
    size_t rows, cols;
    double *x;
    double *y;
    char **feature_names; /* cols names from the header, or NULL            */
} nn_dataset;

typedef struct nn_csv_opts {
    int label_col; /* 0-based column of the label; -1 for the last           */
    int header;    /* 1: first line is a header; 0: none; -1: detect         */
} nn_csv_opts;

ag_status nn_csv_load(const char *path, const nn_csv_opts *opts, nn_dataset *out, nn_error *err);
ag_status nn_csv_parse(const char *text, size_t len, const char *source, const nn_csv_opts *opts,
                       nn_dataset *out, nn_error *err);
void nn_dataset_free(nn_dataset *d);

#ifdef __cplusplus
}
#endif

#endif /* AGRAD_NN_IO_H */
