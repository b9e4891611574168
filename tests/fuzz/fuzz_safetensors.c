/*
 * fuzz_safetensors.c: libFuzzer target for the safetensors loader. Any
 * bytes are loaded by nn_safetensors_load_mem into a fixed small model's
 * tensors ("0.weight" [2, 3], "0.bias" [2], "2.weight" [1, 2]). Invariant
 * checked: a failed load reports a status and a message and writes nothing
 * into the tensors (abort() otherwise, so the fuzzer reports it); a
 * successful one fills them.
 */
#include "nn_io.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_VALUES 14

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    double v[N_VALUES], before[N_VALUES];
    for (int k = 0; k < N_VALUES; k++)
        v[k] = before[k] = 0.25 * k - 1.0;
    const nn_tensor ts[3] = {
        {"0.weight", 2, {2, 3}, v},
        {"0.bias", 1, {2, 1}, v + 6},
        {"2.weight", 2, {1, 2}, v + 8},
    };
    nn_error err;
    ag_status s = nn_safetensors_load_mem(data, size, "fuzz.safetensors", ts, 3, &err);
    if (s != AG_OK) {
        if (memcmp(v, before, sizeof v) != 0)
            abort(); /* a failed load wrote into the destination */
        if (err.status != s || err.message[0] == '\0' ||
            strlen(err.message) >= sizeof err.message)
            abort();
    } else if (memcmp(v + 10, before + 10, 4 * sizeof *v) != 0) {
        abort(); /* values past the last tensor were written */
    }
    return 0;
}
