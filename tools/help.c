/*
 * help.c: `agrad --help` and `agrad CMD --help`: every option and an
 * example per command. The texts here are the documentation of the command
 * line; keep them in step with the option table in cli.c.
 */
#include "cli.h"

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
    "  help CMD   the help of one command (also: agrad CMD --help)\n"
    "\n"
    "options for every command:\n"
    "  --anomaly  anomaly mode: a NaN or infinity names the node (and the column of\n"
    "             EXPR) that produced it, and agrad exits 1\n"
    "  -h, --help this text, or the command's\n"
    "  --         end of options (for an EXPR that starts with '-')\n"
    "\n"
    "the expression language:\n"
    "  numbers 2 1e-3 .5; names [A-Za-z_][A-Za-z0-9_]*; + - * / and ^ (power, right-\n"
    "  associative: 2^3^2 = 512; x^2 with a number exponent records powc); unary minus\n"
    "  binds looser than ^ (-x^2 = -(x^2)); parentheses; functions exp log sqrt abs sin\n"
    "  cos tanh sigmoid relu softplus leaky_relu(x[, slope = 0.01]) pow(x, y) min(a, b)\n"
    "  max(a, b); statements 'name = expr;' whose names label the nodes in traces and\n"
    "  graphs; the last statement is the output; '#' comments to the end of the line.\n"
    "  Every input must be used, and every name used must be an input or assigned.\n"
    "\n"
    "exit status: 0 success; 1 check/gradcheck disagreement or an anomaly; 2 usage or\n"
    "expression error (parse errors show a caret under the column); 3 a failure\n"
    "(out of memory, a file that cannot be written).\n"
    "\n"
    "examples:\n"
    "  agrad grad 'z = w*x + b; a = sigmoid(z); 0.5*(a - y)^2' w=-3 x=2 b=0.5 y=1\n"
    "  agrad grad --json 'x^y' x=2 y=3\n"
    "  agrad check 'sigmoid(z)' --wrt z --expect 'sigmoid(z)*(1-sigmoid(z))' z=0.5\n"
    "  printf 'n\\nn\\nq\\n' | agrad step 'a = sigmoid(w*x); a^2' w=1 x=2\n";

static const char *const cmd_help[CLI_NCMD] = {
    [CLI_GRAD] =
        "usage: agrad grad [--json] [--anomaly] EXPR name=value ...\n"
        "\n"
        "Prints the value of EXPR and its derivative with respect to every input, in the\n"
        "order the inputs were given (%.17g: every digit of the double).\n"
        "\n"
        "  --json     print exactly one JSON object instead:\n"
        "               {\"value\": V, \"grad\": {\"x\": GX, \"y\": GY}}\n"
        "             keys in input order, numbers with %.17g; JSON has no NaN or\n"
        "             infinity, so those are the strings \"NaN\", \"Infinity\", \"-Infinity\"\n"
        "  --anomaly  stop at the first NaN/infinity and name the node that made it\n"
        "\n"
        "example:\n"
        "  agrad grad --json 'z = w*x + b; sigmoid(z)' w=-3 x=2 b=0.5\n",
    [CLI_TRACE] =
        "usage: agrad trace [--anomaly] EXPR name=value ...\n"
        "\n"
        "Runs the reverse sweep and prints the chain-rule ledger: one line per edge, in\n"
        "sweep order, each giving the upstream gradient, the local derivative, their\n"
        "product and the input's running gradient. Assigned names label the nodes.\n"
        "\n"
        "example:\n"
        "  agrad trace 'z = w*x + b; a = sigmoid(z); L = 0.5*(a - y)^2' w=-3 x=2 b=0.5 y=1\n",
    [CLI_STEP] =
        "usage: agrad step [--anomaly] EXPR name=value ...\n"
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
        "exit status: 0 the formula agrees everywhere, 1 it disagrees somewhere, 2 usage.\n"
        "\n"
        "examples:\n"
        "  agrad check 'sigmoid(z)' --wrt z --expect 'sigmoid(z)*(1-sigmoid(z))' z=0.5\n"
        "  agrad check 'x^y' --wrt y --expect 'x^y*log(x)' x=2 y=3 --points 100\n",
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
}
