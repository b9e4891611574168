#!/bin/sh
# demo.sh: the agrad tour (make demo). Runs, from the repository root:
#   1. one neuron's chain-rule ledger, with F8's closed form beside it;
#   2. micrograd's moons demo, writing its pictures into BUILD/demo/;
#   3. agrad check on the sigmoid's derivative (F1), if BUILD/agrad exists;
#   4. note 004's batched derivation checked claim by claim, as written, and
#      note 002's slip caught with its diagnosis (agrad check -f);
#   5. second order: sigma'' from the command line, Newton's method beside
#      gradient descent (examples/newton);
#   6. a short digits training with its confusion matrix and a saved model.
# usage: sh examples/demo.sh [BUILD]   (BUILD defaults to build)
# Every step runs even when an earlier one fails; the exit status is 1 when
# any failed (a missing agrad is only reported); a step that must report a
# mistake fails when it does not. About 5 seconds in all.
B=${1:-build}
EX=$B/examples
failed=
mkdir -p "$B/demo" || exit 1

say() { printf '\n==== %s\n\n' "$*"; }
run() {
    "$@" || { rc=$?; echo "!! $1 exited with status $rc"; failed="$failed $1"; }
}

say "1. One neuron: z = w1 x1 + b, a = σ(z), C = ½(a - y)²  (note 004, F8 in docs/formulas.md)"
graph=neuron.dot
command -v dot >/dev/null && graph=neuron.svg   # rendered when Graphviz is there
run "$EX/neuron" --dot "$B/demo/$graph"

say "2. micrograd's moons: MLP(2, [16, 16, 1]), hinge loss, 100 SGD steps"
run "$EX/moons" --svg "$B/demo" --save "$B/demo/moons.safetensors"
echo "(open $B/demo/moons_boundary.svg and $B/demo/moons_loss.svg in a browser)"

say "3. Checking a hand derivation: d/dz σ(z) = σ(z)(1 - σ(z))  (F1)"
if [ -x "$B/agrad" ]; then
    run "$B/agrad" check 'sigmoid(z)' --wrt z --expect 'sigmoid(z)*(1-sigmoid(z))' z=0.5
else
    echo "($B/agrad is not built: skipping this step)"
fi

say "4. A derivation as written: note 004's batched layers (F13), then note 002's slip"
if [ -x "$B/agrad" ]; then
    run "$B/agrad" check -f examples/derivations/004_batched.txt
    echo
    # the slip must be caught: agrad check exits 1 when a claim disagrees
    "$B/agrad" check -f examples/derivations/002_slip_sigma_prime_z1.txt
    [ $? -eq 1 ] || { echo "!! the slip of note 002 was not caught"; failed="$failed slip"; }
else
    echo "($B/agrad is not built: skipping this step)"
fi

say "5. Second order: sigma'' = s(1 - s)(1 - 2s), and Newton's method (logistic regression, digits 3 vs 8)"
if [ -x "$B/agrad" ]; then
    run "$B/agrad" grad --order 2 'sigmoid(z)' z=0.5
    printf 'z = 0.5\ns = sigmoid(z)\nclaim d2s/dz2 = s*(1 - s)*(1 - 2*s)\n' | run "$B/agrad" check -f -
fi
run "$EX/newton" --steps 8

say "6. Handwritten digits: MLP(64, [64, 64, 10]), softmax cross-entropy, 10 epochs"
run "$EX/digits" --epochs 10 --save "$B/demo/digits.safetensors"

if [ -n "$failed" ]; then
    say "Done, but these failed:$failed"
    exit 1
fi
say "Done. Next: make web (the page: build/web/agrad.html), make fashion (Fashion-MNIST, about a minute)"
