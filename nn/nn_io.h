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

/* nn's own statuses (the engine never produces them), returned through
 * ag_status and nn_error like the engine's: the block of 16 from
 * AG_STATUS_LAYER_BASE + 16 is nn's (ARCHITECTURE.md, "One error
 * convention"). ag_status_str calls them errors of a layer above the
 * engine; the message says what and where. Constants of type ag_status,
 * not an enum of their own: gcc's -Wenum-compare and -Wenum-conversion
 * (-Wall, -Wextra) would flag every `s == NN_EIO` and every return of one
 * from a function returning ag_status. */
#define NN_ENOTFOUND ((ag_status)(AG_STATUS_LAYER_BASE + 16)) /* no such tensor           */
#define NN_EIO ((ag_status)(AG_STATUS_LAYER_BASE + 17))       /* a file unreadable/unwritable */
#define NN_EPARSE ((ag_status)(AG_STATUS_LAYER_BASE + 18))    /* malformed CSV or JSON     */
#define NN_EFORMAT ((ag_status)(AG_STATUS_LAYER_BASE + 19))   /* well-formed, content does not fit */

/* What went wrong and where: "model.safetensors: tensor '0.weight': shape
 * [4, 3] in the file, [4, 2] expected", "moons.csv:17:5: 'abc' is not a
 * number". Every function below accepts a NULL nn_error (status only); on
 * success the message is empty. */
typedef ag_error nn_error; /* the one error record (autograd.h)        */

/* A named tensor of doubles, row-major; rank 1 or 2 (shape[1] = 1 unused for
 * rank 1). For a model, `data` points at its parameters' values. */
typedef struct nn_tensor {
    const char *name;
    size_t rank;
    size_t shape[2];
    double *data;
} nn_tensor;

/* Write the tensors as F64 safetensors, header keys in the given order,
 * data contiguous in that order, the JSON header padded with spaces to a
 * multiple of 8 bytes. Written to "<path>.tmp.<pid>.<k>" in the same
 * directory, fsync'ed and renamed over path (new files get the umask's
 * permissions). AG_EINVAL for a bad tensor list (no name, a name twice or
 * not UTF-8, "__metadata__", rank not 1 or 2, NULL data), AG_ENOMEM, or
 * NN_EIO naming the path, the failing step and errno's text; on failure the
 * old file is untouched and no temporary file is left. */
ag_status nn_safetensors_save(const char *path, const nn_tensor *ts, size_t n, nn_error *err);
/* Read every tensor of ts from the file (F64 or F32, little-endian; F32 is
 * widened exactly), with the same rank and shape. A file that lacks one
 * (NN_ENOTFOUND), has another shape or dtype, overlapping, out-of-range or
 * mis-sized offsets, data bytes no tensor covers, a truncated body, a
 * header length past the end or over 100 MiB, or a __metadata__ that is
 * not a string map is refused (NN_EFORMAT); invalid JSON or UTF-8, or
 * duplicate keys, give NN_EPARSE. The message names the tensor or the byte
 * offset, and nothing is written to ts. Tensors in the file that ts does not
 * name are an error too (strict, like PyTorch's load_state_dict). */
ag_status nn_safetensors_load(const char *path, const nn_tensor *ts, size_t n, nn_error *err);
/* The same from bytes in memory (`source` names them in messages; NULL
 * gives "<memory>"). Never reads outside buf[0..len): safe to fuzz. */
ag_status nn_safetensors_load_mem(const unsigned char *buf, size_t len, const char *source,
                                  const nn_tensor *ts, size_t n, nn_error *err);

/* A numeric data set: rows x cols features (row-major) and one label a row. */
typedef struct nn_dataset {
    size_t rows, cols; /* cols: features, the label column not counted    */
    double *x;
    double *y;
    char **feature_names; /* cols names from the header, or NULL            */
} nn_dataset;

typedef struct nn_csv_opts {
    int label_col; /* 0-based column of the label; -1 for the last           */
    int header;    /* 1: first line is a header; 0: none; -1: detect         */
} nn_csv_opts;

/* Numeric CSV: fields separated by commas, spaces or tabs around them
 * allowed, LF or CRLF line ends, the last line with or without one, blank
 * lines at the end ignored, a UTF-8 byte order mark skipped. Every data
 * field is a finite number taking the whole field (strtod's syntax, so the
 * C locale's decimal point); every row has the first line's field count
 * (at least 2). With header = -1 the first line is a header when one of its
 * fields is not a number. opts NULL means {-1, -1}. `out` is overwritten
 * (not freed first); on failure it is left zeroed with nothing allocated.
 * Errors read "source:line:column: what", 1-based, columns in bytes:
 * NN_EPARSE for the text, AG_EINVAL for a label column outside the rows,
 * NN_EIO when the file cannot be read, AG_ENOMEM. */
ag_status nn_csv_load(const char *path, const nn_csv_opts *opts, nn_dataset *out, nn_error *err);
ag_status nn_csv_parse(const char *text, size_t len, const char *source, const nn_csv_opts *opts,
                       nn_dataset *out, nn_error *err);
/* Free everything d owns and zero it (NULL and zeroed sets are fine). */
void nn_dataset_free(nn_dataset *d);

#ifdef __cplusplus
}
#endif

#endif /* AGRAD_NN_IO_H */
