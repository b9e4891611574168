"""exprs.py: 200 random expressions over x, y, z, each differentiated by
agrad (agrad grad --json EXPR x=.. y=.. z=..) and by torch.autograd, to
1e-12 relative. Expressions are trees of depth <= 4 over + - * /, powers,
the elementwise functions and min/max; arguments are kept in each
function's domain by construction (log and sqrt of s^2 + 1, division by
s^2 + 1). Pure relative error, no floor: with these seeds no derivative
cancels far enough to need one (a new seed that does should say why)."""
import json
import os
import random

import torch
import torch.nn.functional as F

from common import BUILD, expect, finish, rel, run

rng = random.Random(1014)
NAMES = ["x", "y", "z"]
USED, TIES = set(), []  # the inputs the expression drawn uses; min/max ties met

UNARY = {  # agrad spelling -> torch function
    "exp": torch.exp, "sin": torch.sin, "cos": torch.cos, "tanh": torch.tanh,
    "sigmoid": torch.sigmoid, "softplus": lambda t: torch.logaddexp(t, torch.zeros(())),
    "abs": torch.abs, "relu": torch.relu, "leaky_relu": lambda t: F.leaky_relu(t, 0.01),
    "neg": torch.neg,
}


def gen(depth):
    """(agrad text, torch builder) of a random expression."""
    if depth == 0 or rng.random() < 0.2:
        if rng.random() < 0.8:
            n = rng.choice(NAMES)
            USED.add(n)
            return n, lambda v, n=n: v[n]
        c = round(rng.uniform(-2, 2), 3)
        return repr(c), lambda v, c=c: torch.tensor(c)
    kind = rng.choice(["bin", "bin", "un", "un", "pow", "dom", "minmax"])
    a, fa = gen(depth - 1)
    if kind == "un":
        f = rng.choice(list(UNARY))
        if f == "exp":  # keep it bounded: exp of a tanh
            return "exp(tanh(%s))" % a, lambda v: torch.exp(torch.tanh(fa(v)))
        if f == "neg":
            return "(-(%s))" % a, lambda v: -fa(v)
        return "%s(%s)" % (f, a), lambda v, f=f: UNARY[f](fa(v))
    if kind == "pow":
        k = rng.choice([2, 3])
        return "(%s)^%d" % (a, k), lambda v: fa(v) ** k
    if kind == "dom":
        f = rng.choice(["log", "sqrt"])
        tf = torch.log if f == "log" else torch.sqrt
        return "%s((%s)^2 + 1)" % (f, a), lambda v: tf(fa(v) ** 2 + 1)
    b, fb = gen(depth - 1)
    if kind == "minmax":
        f = rng.choice(["min", "max"])
        tf = torch.minimum if f == "min" else torch.maximum

        def mm(v):
            l, r = fa(v), fb(v)
            if l.item() == r.item():
                TIES.append(text)  # agrad sends a tie's gradient to a (documented), torch splits it
            return tf(l, r)
        text = "%s(%s, %s)" % (f, a, b)
        return text, mm
    op = rng.choice("+-*/")
    if op == "/":
        return "(%s) / ((%s)^2 + 1)" % (a, b), lambda v: fa(v) / (fb(v) ** 2 + 1)
    tops = {"+": torch.add, "-": torch.sub, "*": torch.mul}
    return "(%s) %s (%s)" % (a, op, b), lambda v: tops[op](fa(v), fb(v))


worst, done, tries = 0.0, 0, 0
while done < 200 and tries < 2000:
    tries += 1
    USED.clear()
    del TIES[:]
    text, build = gen(rng.randint(1, 4))
    used = sorted(USED)
    if not used:
        continue  # agrad wants every input used, and at least one input
    vals = {n: round(rng.uniform(-2, 2), 6) for n in used}
    tv = {n: torch.tensor(v, requires_grad=True) for n, v in vals.items()}
    out = build(tv)
    if TIES or not torch.isfinite(out) or abs(out.item()) > 1e100:
        continue
    gs = torch.autograd.grad(out, [tv[n] for n in used], allow_unused=True)
    want = {n: (0.0 if g is None else g.item()) for n, g in zip(used, gs)}
    args = [os.path.join(BUILD, "agrad"), "grad", "--json", text] + ["%s=%r" % (n, v) for n, v in vals.items()]
    got = json.loads(run(args))
    done += 1
    expect(rel(got["value"], out.item()) <= 1e-12, "%s at %s: value %r, torch %r" % (text, vals, got["value"], out.item()))
    for n in used:
        e = rel(got["grad"][n], want[n])
        worst = max(worst, e)
        expect(e <= 1e-12, "%s at %s: d/d%s agrad %r, torch %r (rel %.2g)" % (text, vals, n, got["grad"][n], want[n], e))
expect(done == 200, "only %d expressions drawn" % done)
finish("random expressions", "%d expressions, max rel err %.1e" % (done, worst))
