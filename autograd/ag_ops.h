/*
 * ag_ops.h: THE list of ops. Everything that names an op is generated from
 * this one X-macro: the public enum ag_op (autograd.h), the op table (name,
 * symbol, arity, form), each op's forward value, numeric local derivative
 * and local derivative recorded as ops (ops.c), the trace and graph text
 * (teach/), and the command line's builtins (tools/builtins.c).
 *
 * A row is X(ENUM, stem, "symbol", arity, FORM):
 *   ENUM    the enum suffix: AG_OP_<ENUM>
 *   stem    the kernels' stem: ops.c must define fw_<stem> (value),
 *           bw_<stem> (numeric local derivatives, += into the inputs'
 *           gradients) and d_<stem> (the local derivative as new nodes);
 *           a missing one stops the build (undeclared identifier), as does
 *           a row with a field missing (the macro's argument count). `make
 *           oplist-check` proves both by compiling deliberately broken lists.
 *   symbol  how traces and graphs write the op
 *   arity   number of inputs, -1 for n-ary
 *   FORM    how a formula reads: LEAF, INFIX (a + b), POWER (a^c),
 *           PREFIX (-a), CALL (f(a) or f(a, b)), LIST (f(x, y, ...)),
 *           DOT (w0 x0 + w1 x1 + ... + bias)
 *
 * Adding an op: a row here, its three kernels in ops.c, its ag_X constructor
 * (record.c, one line), a test in tests/test_ops.c. Append order matters only
 * for the enum's values (files store names, never numbers).
 */
#ifndef AGRAD_AG_OPS_H
#define AGRAD_AG_OPS_H

/* An extra row for the coverage test only (make oplist-check): empty. */
#ifndef AG_OPLIST_EXTRA
#define AG_OPLIST_EXTRA(X)
#endif

#define AG_OPLIST(X)                                                                 \
    X(CONST, const, "const", 0, LEAF)           /* leaf, no gradient            */ \
    X(VAR, var, "var", 0, LEAF)                 /* leaf that accumulates grad   */ \
    X(ADD, add, "+", 2, INFIX)                  /* a + b                        */ \
    X(SUB, sub, "-", 2, INFIX)                  /* a - b                        */ \
    X(MUL, mul, "*", 2, INFIX)                  /* a * b                        */ \
    X(DIV, div, "/", 2, INFIX)                  /* a / b                        */ \
    X(POW, pow, "^", 2, INFIX)                  /* a ^ b, b a node              */ \
    X(POWC, powc, "^", 2, POWER)                /* a ^ c, c a constant node     */ \
    X(NEG, neg, "-", 1, PREFIX)                 /* -a                           */ \
    X(EXP, exp, "exp", 1, CALL)                                                    \
    X(LOG, log, "log", 1, CALL)                                                    \
    X(SQRT, sqrt, "sqrt", 1, CALL)                                                 \
    X(ABS, abs, "abs", 1, CALL)                 /* abs'(0) = 0                  */ \
    X(SIN, sin, "sin", 1, CALL)                                                    \
    X(COS, cos, "cos", 1, CALL)                                                    \
    X(TANH, tanh, "tanh", 1, CALL)                                                 \
    X(SIGMOID, sigmoid, "sigmoid", 1, CALL)                                        \
    X(SOFTPLUS, softplus, "softplus", 1, CALL)  /* log(1 + e^a), stably         */ \
    X(RELU, relu, "relu", 1, CALL)              /* relu'(0) = 0                 */ \
    X(LEAKY_RELU, leaky_relu, "leaky_relu", 2, CALL) /* slope: a constant node  */ \
    X(MIN, min, "min", 2, CALL)                 /* ties: gradient to a          */ \
    X(MAX, max, "max", 2, CALL)                 /* ties: gradient to a          */ \
    X(SUM, sum, "sum", -1, LIST)                /* sum of n listed nodes        */ \
    X(SUM_RUN, sum_run, "sum", -1, LIST)        /* sum over a run               */ \
    X(DOT, dot, "dot", -1, DOT)                 /* sum w_k x_k (+ bias), listed */ \
    X(DOT_RUN, dot_run, "dot", -1, DOT)         /* the same over two runs       */ \
    X(LOGSUMEXP, logsumexp, "logsumexp", -1, LIST) /* log sum e^x_k, shifted    */ \
    X(LOG1P, log1p, "log1p", 1, CALL)           /* log(1 + a)                   */ \
    X(EXPM1, expm1, "expm1", 1, CALL)           /* e^a - 1                      */ \
    X(TAN, tan, "tan", 1, CALL)                                                    \
    X(ATAN, atan, "atan", 1, CALL)                                                 \
    X(SINH, sinh, "sinh", 1, CALL)                                                 \
    X(COSH, cosh, "cosh", 1, CALL)                                                 \
    X(ERF, erf, "erf", 1, CALL)                                                    \
    X(SIGN, sign, "sign", 1, CALL)              /* -1, 0, 1; sign' = 0          */ \
    X(STEP, step, "step", 1, CALL)              /* 1 if a > 0 else 0; step' = 0 */ \
    AG_OPLIST_EXTRA(X)

#endif /* AGRAD_AG_OPS_H */
