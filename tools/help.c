/*
 * help.c: `agrad --help` and `agrad CMD --help`: every option and an
 * example per command. The texts here are the documentation of the command
 * line; keep them in step with the option table in cli.c.
 */
#include "cli.h"
#include "lang.h"

#include <string.h>

static const char overview[] =
    "usage: agrad [--anomaly] COMMAND [options] EXPR [name=value ...]\n"
    "\n"
    "What is df/dx here, and is my formula right? EXPR is recorded on an autograd\n"
    "tape with the inputs name=value as variables (in the order given).\n"
    "\n"
    "commands:\n"
    "  grad       the value and df/dinput for every input (--json for one JSON object)\n"
    "  trace      the chain-rule ledger: one line per edge of the reverse sweep\n"
    "  step       walk the reverse sweep one node per Enter (n next, p previous, q quit)\n"
    "  dot        the graph in Graphviz DOT (-o FILE.dot|.svg|.png, --highlight NAME)\n"
    "  check      compare a hand-derived derivative (--wrt x --expect 'FORMULA') with autodiff\n"
    "  gradcheck  compare autodiff with central finite differences for every input\n"
    "  jacobian   d output / d X of a vector program as a matrix (--wrt X, --of F)\n"
    "  hessian    the matrix of second derivatives of the output (--wrt X)\n"
    "  check -f FILE  check every claim of a derivation file (- for stdin)\n"
    "  help CMD   the help of one command (also: agrad CMD --help)\n"
    "\n"
    "  --version  the version\n"
    "\n"
    "options for every command:\n"
    "  --anomaly  anomaly mode: a NaN or infinity names the node (and the column of\n"
    "             EXPR) that produced it, and agrad exits 1\n"
    "  -h, --help this text, or the command's\n"
    "  --ascii    plain ASCII output\n"
    "  --         end of options (for an EXPR that starts with '-')\n"
    "\n"
    "the expression language (one language, lang/, for EXPR and -f FILE alike):\n"
    "  numbers 2 1e-3 .5, e, pi; names [A-Za-z_][A-Za-z0-9_]*; + - * / and ^ or **\n"
    "  (power, right-associative: 2^3^2 = 512; x^2 with a number exponent records\n"
    "  powc); unary minus binds looser than ^ (-x^2 = -(x^2)); parentheses; the\n"
    "  functions are listed below; statements 'name = expr' (';' or a newline ends\n"
    "  one) whose names label the nodes in traces and graphs; the last statement is\n"
    "  the output; '#' comments to the end of the line. On the command line every\n"
    "  input name=value must be used, and every name used must be an input or assigned.\n"
    "\n"
    "exit status: 0 every value and gradient finite, every check agrees; 1 a value or\n"
    "gradient that is not finite (its cause on stderr, --anomaly or not), or a\n"
    "check/gradcheck disagreement; 2 usage or expression error (parse errors show a\n"
    "caret under the column); 3 a failure (out of memory, a file that cannot be written).\n"
    "\n"
    "derivation files (check, grad, trace, step, dot and jacobian take -f FILE, - for stdin):\n"
    "  one statement per line (or ';'); inputs 'x = 2', 'y = [0, 1, 0]', 'W: 3x2'\n"
    "  (seeded values in [-1, 1]), 'data eps = 1e-5' (never perturbed; one-hot\n"
    "  literals are data by default); vectors and matrices [[1, 2], [3, 4]], 1-based\n"
    "  indexing W[2, 1], W[2, :]; @ (matrix product), W.T (transpose), * / + -\n"
    "  element-wise with broadcasting, ** = ^; claims 'claim dL/dW = outer(d, a)',\n"
    "  'claim ds[i]/dx[k] = if(i == k, s[i]*(1 - s[i]), -s[i]*s[k])'. See docs/lang.md.\n"
    "\n"
    "examples:\n"
    "  agrad grad 'z = w*x + b; a = sigmoid(z); 0.5*(a - y)^2' w=-3 x=2 b=0.5 y=1\n"
    "  agrad grad --json 'x^y' x=2 y=3\n"
    "  agrad check 'sigmoid(z)' --wrt z --expect 'sigmoid(z)*(1-sigmoid(z))' z=0.5\n"
    "  printf 'n\\nn\\nq\\n' | agrad step 'a = sigmoid(w*x); a^2' w=1 x=2\n";

static const char *const cmd_help[CLI_NCMD] = {
    [CLI_GRAD] =
        "usage: agrad grad [--json] [--anomaly] EXPR name=value ...\n"
        "       agrad grad [--json] -f FILE   (a derivation file: every input entry)\n"
        "\n"
        "Prints the value of EXPR and its derivative with respect to every input, in the\n"
        "order the inputs were given (%.17g: every digit of the double).\n"
        "\n"
        "  --json     print exactly one JSON object instead:\n"
        "               {\"value\": V, \"grad\": {\"x\": GX, \"y\": GY}}\n"
        "             keys in input order, numbers with %.17g; JSON has no NaN or\n"
        "             infinity, so those are the strings \"NaN\", \"Infinity\", \"-Infinity\"\n"
        "  --anomaly  stop at the first NaN/infinity and name the node that made it\n"
        "  --order N  d^N f / dx^N for every input entry x (N from 1 to 9): the\n"
        "             engine differentiates its own recorded derivative N times\n"
        "             (--json: {\"output\", \"value\", \"order\", \"derivatives\": {...}})\n"
        "\n"
        "examples:\n"
        "  agrad grad --json 'z = w*x + b; sigmoid(z)' w=-3 x=2 b=0.5\n"
        "  agrad grad --order 2 'sigmoid(z)' z=0.5      (sigma'' = s(1-s)(1-2s))\n",
    [CLI_TRACE] =
        "usage: agrad trace [--anomaly] [--ascii] EXPR name=value ...\n"
        "       agrad trace [--ascii] -f FILE   (a derivation file; - for stdin)\n"
        "       agrad trace --order N [--wrt x] EXPR name=value ...\n"
        "  (--order 2: the ledger of the backward pass of df/dx, itself recorded by the\n"
        "   engine; the nodes that pass added are marked [recorded])\n"
        "\n"
        "Runs the reverse sweep and prints the chain-rule ledger: one line per edge, in\n"
        "sweep order, each giving the upstream gradient, the local derivative, their\n"
        "product and the input's running gradient. Assigned names label the nodes.\n"
        "\n"
        "example:\n"
        "  agrad trace 'z = w*x + b; a = sigmoid(z); L = 0.5*(a - y)^2' w=-3 x=2 b=0.5 y=1\n",
    [CLI_STEP] =
        "usage: agrad step [--anomaly] [--ascii] EXPR name=value ...\n"
        "       agrad step -f FILE   (a derivation file)\n"
        "\n"
        "Walks the reverse sweep one node at a time. Each step shows the node, its\n"
        "upstream gradient and every edge into a non-constant input (local derivative,\n"
        "contribution, the input's running gradient). Commands, one per line on standard\n"
        "input: Enter or n = next step, p = show the previous step again (gradients are\n"
        "not undone), q = quit. A prompt is shown only when standard input is a terminal,\n"
        "so the walk can be scripted; the end of the input quits.\n"
        "\n"
        "example:\n"
        "  printf 'n\\nn\\np\\nq\\n' | agrad step 'z = w*x + b; a = sigmoid(z)' w=-3 x=2 b=0.5\n",
    [CLI_DOT] =
        "usage: agrad dot [-o FILE] [--highlight NAME] [--anomaly] EXPR name=value ...\n"
        "       agrad dot [-o FILE] -f PROGRAM   (a derivation file; entries named W[i,j])\n"
        "       agrad dot --order N [--wrt x] EXPR name=value ...\n"
        "  (--order 2: the graph of df/dx, the recorded backward pass's nodes dashed blue)\n"
        "\n"
        "Draws the graph of EXPR (after a backward pass, so gradients are shown) in\n"
        "Graphviz DOT on standard output.\n"
        "\n"
        "  -o, --output FILE  write FILE instead: .dot as text, .svg or .png through\n"
        "                     Graphviz's dot program (which must be installed)\n"
        "  --highlight NAME   draw the path from the input or assigned name NAME to the\n"
        "                     output in colour\n"
        "\n"
        "examples:\n"
        "  agrad dot 'z = w*x + b; a = sigmoid(z)' w=-3 x=2 b=0.5 | dot -Tsvg > g.svg\n"
        "  agrad dot -o neuron.png --highlight w 'sigmoid(w*x + b)' w=-3 x=2 b=0.5\n",
    [CLI_CHECK] =
        "usage: agrad check EXPR --wrt NAME --expect 'FORMULA' [options] name=value ...\n"
        "\n"
        "Compares your hand-derived derivative d EXPR / d NAME, written as FORMULA in\n"
        "the same inputs, with autodiff: at the point given (point 0) and at --points\n"
        "nearby points, where every input x becomes x + R*u*max(|x|, 1) with u uniform\n"
        "in [-1, 1] (seeded). Both are recorded once and replayed at every point. Prints\n"
        "a table (point, inputs, autodiff, formula, relative error) and a verdict that\n"
        "names the worst point. Points where EXPR is not finite are skipped.\n"
        "\n"
        "  --wrt NAME        the input to differentiate by (required)\n"
        "  --expect FORMULA  your derivative (required); it may leave inputs unused\n"
        "  --points N        nearby points besides the given one (default 20)\n"
        "  --seed S          seed of the nearby points (default 1)\n"
        "  --radius R        how far they are (default 0.25, see above)\n"
        "  --tol T           relative tolerance (default 1e-9): a and b agree when\n"
        "                    |a-b| <= T*max(|a|,|b|) ...\n"
        "  --atol A          ... or |a-b| <= A (default 1e-12, for values near 0)\n"
        "\n"
        "With -f FILE (or - for stdin), or a PROGRAM text without --wrt/--expect,\n"
        "checks every claim of a derivation file instead, each with its own verdict:\n"
        "agrees, DISAGREES (with the disagreeing entries, both values, and what the\n"
        "claim is close to: transpose, a factor -1/2/1/2, a missing batch sum, a name\n"
        "slip), OVERFLOWS (the claimed formula is not finite where autodiff is).\n"
        "Inputs that are data (declared 'data', or one-hot literals) stay fixed; the\n"
        "others move; two more points straddle each kink near the given point. The\n"
        "tolerance is relative to the size of the gradients: |a-b| <= T*max(|a|,|b|)\n"
        "+ A*(largest |entry|) + the claim's own rounding bound.\n"
        "  -f, --file FILE   the derivation file (- for standard input)\n"
        "  --json            the report as one JSON object\n"
        "\n"
        "exit status: 0 the formula agrees everywhere, 1 it disagrees somewhere, 2 usage.\n"
        "\n"
        "examples:\n"
        "  agrad check 'sigmoid(z)' --wrt z --expect 'sigmoid(z)*(1-sigmoid(z))' z=0.5\n"
        "  agrad check 'x^y' --wrt y --expect 'x^y*log(x)' x=2 y=3 --points 100\n"
        "  agrad check -f examples/derivations/001_output_and_hidden.txt\n",
    [CLI_HESSIAN] =
        "usage: agrad hessian [-f FILE | PROGRAM] [--wrt X] [--json] [name=value ...]\n"
        "\n"
        "Prints the Hessian d2f/dx_i dx_j of the program's scalar output with respect to\n"
        "the entries of X, or of every input that is not data: the gradient is recorded\n"
        "as nodes (the engine's recorded backward pass), then one reverse sweep per\n"
        "entry gives a row. Rows and columns are labelled with the entries' names.\n"
        "\n"
        "  --wrt X    the value to differentiate by twice (an input or an intermediate)\n"
        "  --json     {\"output\": f, \"value\": v, \"wrt\": [names], \"hessian\": [[...]]}\n"
        "\n"
        "examples:\n"
        "  agrad hessian 'sin(x)*exp(y)' x=1 y=2\n"
        "  agrad hessian 'w: 3; x = [1, 2, 3]; L = 0.5*(sum(w*x) - 1)^2' --wrt w   (x x^T)\n"
        "In derivation files, d(f, x) is a value (nestable: d(d(f, x), x)) and claims may\n"
        "be of second order: claim d2L/dw2 = X.T @ diag(p*(1 - p)) @ X.\n",
    [CLI_JACOBIAN] =
        "usage: agrad jacobian [-f FILE | PROGRAM] --wrt X [--of F] [--json] [name=value ...]\n"
        "\n"
        "Prints d F / d X of a program in the derivation language as a matrix: F is the\n"
        "output (the last statement) unless --of names another value. F scalar gives X's\n"
        "shape; F a vector of n and X a vector of m give the n x m Jacobian, row i being\n"
        "d F_i. One reverse sweep per entry of F.\n"
        "\n"
        "  --wrt X    the value to differentiate by (an input or an intermediate)\n"
        "  --of F     the value to differentiate (default: the output)\n"
        "  --json     {\"of\": F, \"wrt\": X, \"rows\": n, \"cols\": m, \"values\": [[...]]}\n"
        "\n"
        "example (F5, the softmax Jacobian):\n"
        "  agrad jacobian 'x = [1, 2, 0.5]; s = softmax(x)' --wrt x\n",
    [CLI_GRADCHECK] =
        "usage: agrad gradcheck [--tol T] [--atol A] [--anomaly] EXPR name=value ...\n"
        "\n"
        "Compares autodiff with central finite differences (f(x+h) - f(x-h))/2h,\n"
        "h = cbrt(eps)*max(|x|, 1), for every input, by replaying the tape.\n"
        "\n"
        "  --tol T   an input passes when its relative error is <= T (default 1e-6) ...\n"
        "  --atol A  ... or its absolute error is <= A (default 1e-8)\n"
        "\n"
        "exit status: 0 all inputs pass, 1 one does not, 2 usage.\n"
        "\n"
        "example:\n"
        "  agrad gradcheck 'z = w*x + b; 0.5*(sigmoid(z) - y)^2' w=-3 x=2 b=0.5 y=1\n",
};

void cli_help(FILE *f, cli_cmd cmd)
{
    fputs(cmd < CLI_NCMD ? cmd_help[cmd] : overview, f);
    if (cmd < CLI_NCMD)
        return;
    /* the functions from lang's one table, so help cannot drift from it */
    fputs("\nfunctions:", f);
    size_t col = 10;
    for (size_t k = 0; lg_function(k); k++) {
        size_t n = strlen(lg_function(k));
        if (col + n + 1 > 80) {
            fputs("\n ", f);
            col = 1;
        }
        fprintf(f, " %s", lg_function(k));
        col += n + 1;
    }
    fputs("\n", f);
}
