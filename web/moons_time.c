/*
 * moons_time.c: the page's moons training (web/wasm_moons.c), built
 * natively, so that `make webtest` can set the page's time for 100 steps
 * beside the same C code's time on this machine. Prints the JSON of
 * agw_moons_steps: {"losses", "step", "loss", "accuracy", "ms"}.
 * usage: moons_time [--replay]
 */
#include "wasm_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *agw_moons_setup(double seed);
char *agw_moons_steps(int n, int replay);

int main(int argc, char **argv)
{
    int replay = argc > 1 && strcmp(argv[1], "--replay") == 0;
    char *s = agw_moons_setup(1337);
    int ok = s && strncmp(s, "{\"ok\": true", 11) == 0;
    free(s);
    char *r = ok ? agw_moons_steps(100, replay) : NULL;
    if (!r) {
        fprintf(stderr, "moons_time: setup failed\n");
        return 1;
    }
    puts(r);
    free(r);
    return 0;
}
