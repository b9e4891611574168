/*
 * ag_ops.h: THE list of ops. Everything that names an op is generated from
 * this one X-macro: the public enum ag_op (autograd.h), the op table (name,
 * symbol, arity, form), each op's forward value, numeric local derivatives
 * and tangents (kernels.h, tangents.h), its local derivative recorded as
 * ops (ops.c), the trace and graph text (teach/) and the language's
 * elementwise functions (lang/builtins.c reads the table).
 *
 * A row is X(ENUM, stem, "symbol", arity, FORM, "kink", "dtext"):
 *   ENUM    the enum suffix: AG_OP_<ENUM>
 *   stem    the kernels' stem: kernels.h must define fw_<stem> (value),
 *           bw_<stem> (numeric local derivatives, += into the inputs'
 *           gradients), jv_<stem> and hv_<stem> (forward over reverse:
 *           the node's tangent, and the backward of an adjoint and its
 *           tangent through the op's second derivatives; kernels.h,
 *           tangents.h), and ops.c d_<stem> (the local derivative as new
 *           nodes); a missing one stops the build (undeclared identifier),
 *           as does a row with a field missing (the macro's argument
 *           count). `make oplist-check` proves both by compiling
 *           deliberately broken lists.
 *   symbol  how traces and graphs write the op
 *   arity   number of inputs, -1 for n-ary
 *   FORM    how a formula reads: LEAF, INFIX (a + b), POWER (a^c),
 *           PREFIX (-a), CALL (f(a) or f(a, b)), LIST (f(x, y, ...)),
 *           DOT (w0 x0 + w1 x1 + ... + bias)
 *   kink    NULL for an op smooth wherever it is defined; else the
 *           convention its derivative follows where it has none ("relu'(0)
 *           = 0"): the language straddles these points and says so
 *   dtext   how a trace explains d node / d input_k: a template, one per
 *           input split by '|' (one for all when there is no '|'), rendered
 *           by teach/trace.c: {a} {b} the inputs' labels, {x} {X} their
 *           values, {(x)} {(X)} the same in parentheses when negative, {y}
 *           {(y)} the node's value, {d} the derivative's, {other} the other
 *           factor ("x = 2"), {pair} a dot's other factor (or 1 for the
 *           bias), {in} {vin} {self} input k's label and value and the
 *           node's label, and the symbols {times} {sigma} {sq} {dot} {root}.
 *           See trace.c for the few conditional ones ({cmp0}, {slope}, ...).
 *
 * Adding an op: a row here, its kernels (kernels.h, tangents.h; d_ in ops.c)
 * and a test (ARCHITECTURE.md); ag_unary / ag_binary / ag_apply record it by
 * its enum. Append order matters only for the enum's values (files store
 * names, never numbers).
 */
#ifndef AGRAD_AG_OPS_H
#define AGRAD_AG_OPS_H

/* An extra row for the coverage test only (make oplist-check): empty. */
#ifndef AG_OPLIST_EXTRA
#define AG_OPLIST_EXTRA(X)
#endif

#define AG_OPLIST(X)                                                                 \
    X(CONST, const, "const", 0, LEAF, NULL, /* leaf, no gradient            */ \
      "") \
    X(VAR, var, "var", 0, LEAF, NULL, /* leaf that accumulates grad   */ \
      "") \
    X(ADD, add, "+", 2, INFIX, NULL, /* a + b                        */ \
      "= {d}") \
    X(SUB, sub, "-", 2, INFIX, NULL, /* a - b                        */ \
      "= {d}") \
    X(MUL, mul, "*", 2, INFIX, NULL, /* a * b                        */ \
      "{other}") \
    X(DIV, div, "/", 2, INFIX, NULL, /* a / b                        */ \
      "1/{b} = 1/{(X)} = {d}|-{a}/{b}{sq} = -{(x)}/{(X)}{sq} = {d}") \
    X(POW, pow, "^", 2, INFIX, NULL, /* a ^ b, b a node              */ \
      "{b}{dot}{a}^({b} - 1) = {(X)} {times} {(x)}^{X-1} = {d}|{a}^{b}{dot}ln({a}) = {(y)} {times} ln({x}) = {d}") \
    X(POWC, powc, "^", 2, POWER, NULL, /* a ^ c, c a constant node     */ \
      "{b}{dot}{a}^({b} - 1) = {X} {times} {(x)}^{(X-1)} = {d}") \
    X(NEG, neg, "-", 1, PREFIX, NULL, /* -a                           */ \
      "= {d}") \
    X(EXP, exp, "exp", 1, CALL, NULL, \
      "e^{a} = {d}") \
    X(LOG, log, "log", 1, CALL, NULL, \
      "1/{a} = 1/{(x)} = {d}") \
    X(SQRT, sqrt, "sqrt", 1, CALL, NULL, \
      "1/(2{root}{a}) = 1/(2 {times} {y}) = {d}") \
    X(ABS, abs, "abs", 1, CALL, "abs'(0) = 0", \
      "sign({a}) = sign({x}) = {d}") \
    X(SIN, sin, "sin", 1, CALL, NULL, \
      "cos({a}) = cos({x}) = {d}") \
    X(COS, cos, "cos", 1, CALL, NULL, \
      "-sin({a}) = -sin({x}) = {d}") \
    X(TANH, tanh, "tanh", 1, CALL, NULL, \
      "1 - tanh{sq}({a}) = 1 - {(y)}{sq} = {d}") \
    X(SIGMOID, sigmoid, "sigmoid", 1, CALL, NULL, \
      "{sigma}({a})(1 - {sigma}({a})) = {y} {times} {1-y} = {d}") \
    X(SOFTPLUS, softplus, "softplus", 1, CALL, NULL, /* log(1 + e^a), stably         */ \
      "{sigma}({a}) = {sigma}({x}) = {d}") \
    X(RELU, relu, "relu", 1, CALL, "relu'(0) = 0", \
      "{d} since {a} = {x} {cmp0}") \
    X(LEAKY_RELU, leaky_relu, "leaky_relu", 2, CALL, "leaky_relu'(0) = slope", /* slope: a constant node  */ \
      "{slope}{d} since {a} = {x} {cmp0}") \
    X(MIN, min, "min", 2, CALL, "a tie goes to the first argument", \
      "{d} since min({x}, {X}) takes {a<=b}") \
    X(MAX, max, "max", 2, CALL, "a tie goes to the first argument", \
      "{d} since max({x}, {X}) takes {a>=b}") \
    X(SUM, sum, "sum", -1, LIST, NULL, /* sum of n listed nodes        */ \
      "= {d}") \
    X(SUM_RUN, sum_run, "sum", -1, LIST, NULL, /* sum over a run               */ \
      "= {d}") \
    X(DOT, dot, "dot", -1, DOT, NULL, /* sum w_k x_k (+ bias), listed */ \
      "{pair}") \
    X(DOT_RUN, dot_run, "dot", -1, DOT, NULL, /* the same over two runs       */ \
      "{pair}") \
    X(LOGSUMEXP, logsumexp, "logsumexp", -1, LIST, NULL, /* log sum e^x_k, shifted    */ \
      "softmax: e^({in} - {self}) = e^({vin} - {y}) = {d}") \
    X(LOG1P, log1p, "log1p", 1, CALL, NULL, /* log(1 + a)                   */ \
      "1/(1 + {a}) = 1/(1 + {x}) = {d}") \
    X(EXPM1, expm1, "expm1", 1, CALL, NULL, /* e^a - 1                      */ \
      "e^{a} = e^{x} = {d}") \
    X(TAN, tan, "tan", 1, CALL, NULL, \
      "1 + tan{sq}({a}) = 1 + {(y)}{sq} = {d}") \
    X(ATAN, atan, "atan", 1, CALL, NULL, \
      "1/(1 + {a}{sq}) = 1/(1 + {(x)}{sq}) = {d}") \
    X(SINH, sinh, "sinh", 1, CALL, NULL, \
      "cosh({a}) = cosh({x}) = {d}") \
    X(COSH, cosh, "cosh", 1, CALL, NULL, \
      "sinh({a}) = sinh({x}) = {d}") \
    X(ERF, erf, "erf", 1, CALL, NULL, \
      "(2/{root}π) e^(-{a}{sq}) = (2/{root}π) e^(-{(x)}{sq}) = {d}") \
    X(SIGN, sign, "sign", 1, CALL, "sign' = 0; a jump at 0", \
      "= {d}: sign is flat") \
    X(STEP, step, "step", 1, CALL, "step(x) = 1 for x > 0 else 0; step' = 0; a jump at 0", \
      "= {d}: step is flat") \
    AG_OPLIST_EXTRA(X)

#endif /* AGRAD_AG_OPS_H */
