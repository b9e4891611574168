/*
 * require.h: tests that need something outside the suite (the built agrad
 * binary, Graphviz) and cannot run without it.
 *
 * Invariant: such a test never passes silently. Without the tool it skips
 * with its reason (the summary counts skips: test_skips.c), and with
 * AGRAD_REQUIRE_ALL=1 in the environment (CI, which installs everything)
 * it fails instead, so a lost dependency cannot shrink the suite unseen.
 */
#ifndef AGRAD_TESTS_REQUIRE_H
#define AGRAD_TESTS_REQUIRE_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static inline int ag_require_all(void)
{
    const char *v = getenv("AGRAD_REQUIRE_ALL");
    return v && *v && strcmp(v, "0") != 0;
}

/* Skip with the reason (a string literal and printf arguments), or fail
 * with it under AGRAD_REQUIRE_ALL=1. */
#define AG_TEST_SKIP(...)                                                                    \
    do {                                                                                     \
        if (ag_require_all())                                                                \
            cr_assert_fail("AGRAD_REQUIRE_ALL=1 but this test cannot run: " __VA_ARGS__);    \
        cr_skip_test(__VA_ARGS__);                                                           \
    } while (0)

/* The build directory make test gives (AGRAD_BUILD), or a skip. */
#define AG_TEST_BUILD_DIR(var)                                                               \
    const char *var = getenv("AGRAD_BUILD");                                                 \
    if (!var)                                                                                \
    AG_TEST_SKIP("AGRAD_BUILD is not set (run through make test)")

#endif /* AGRAD_TESTS_REQUIRE_H */
