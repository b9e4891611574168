#!/usr/bin/python3
"""hess_double_backward.py: agrad's recorded gradients against PyTorch's
double backward (issue 11).

Random straight-line expressions and a small MLP are built here, run through
build/interop/hess_driver (the engine) and through torch in float64 with
torch.autograd.grad(..., create_graph=True) twice (three times for the third
order). Compared: the value, the gradient, the Hessian (expressions), one
column of third derivatives (expressions) and a Hessian-vector product (MLP).

Usage: hess_double_backward.py DRIVER [--cases N] [--seed S]
Exit 0 when everything agrees within rtol 1e-10 (plus atol 1e-12 for
entries that are 0 in one and rounding in the other), 1 otherwise; 77 when
torch is missing (the make target turns that into a failure unless
AGRAD_INTEROP_OPTIONAL is set).
"""
import json
import random
import subprocess
import sys

try:
    import torch
except ImportError:
    print("hess_double_backward: torch is not installed (Debian: python3-torch)", file=sys.stderr)
    sys.exit(77)

torch.set_default_dtype(torch.float64)
RTOL, ATOL = 1e-10, 1e-12

UNARY = {
    "neg": torch.neg, "exp": torch.exp, "sin": torch.sin, "cos": torch.cos, "tanh": torch.tanh,
    "sigmoid": torch.sigmoid, "softplus": torch.nn.functional.softplus, "relu": torch.relu,
    "abs": torch.abs, "log": torch.log, "sqrt": torch.sqrt,
}
BINARY = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
          "min": torch.minimum, "max": torch.maximum}


def random_program(rng, nx, depth):
    """Straight-line code for a random expression over nx inputs. Domains
    are kept: log and sqrt see 1 + a^2, div's denominator is 2 + tanh(b),
    pow's base is 1 + a^2, exp's argument is tanh(a) scaled."""
    prog = [["x", k] for k in range(nx)]

    def add(*ins):
        prog.append(list(ins))
        return len(prog) - 1

    def expr(d):
        if d == 0:
            return rng.randrange(nx)
        a = expr(d - 1)
        kind = rng.randrange(14)
        if kind < 4:
            return add(["add", "sub", "mul", "max"][kind], a, expr(d - 1))
        if kind == 4:
            den = add("add", add("c", 2.0), add("tanh", expr(d - 1)))
            return add("div", a, den)
        if kind == 5:
            return add(rng.choice(["sin", "cos", "tanh", "sigmoid", "softplus"]), a)
        if kind == 6:
            return add("exp", add("mul", add("c", 1.5), add("tanh", a)))
        if kind in (7, 8):
            one_plus_sq = add("add", add("c", 1.0), add("mul", a, a))
            return add("log" if kind == 7 else "sqrt", one_plus_sq)
        if kind == 9:
            return add("powc", a, rng.choice([2.0, 3.0]))
        if kind == 10:
            return add("lse", a, expr(d - 1))
        if kind == 11:
            base = add("add", add("c", 1.0), add("mul", a, a))
            return add("pow", base, add("tanh", expr(d - 1)))
        if kind == 12:
            return add("min", a, expr(d - 1))
        return add(rng.choice(["relu", "abs", "neg"]), a)

    expr(depth)
    return prog


def torch_nodes(prog, x):
    """every node of the program, in order"""
    nodes = []
    for ins in prog:
        op = ins[0]
        if op == "x":
            v = x[ins[1]]
        elif op == "c":
            v = torch.tensor(ins[1])
        elif op == "powc":
            v = torch.pow(nodes[ins[1]], ins[2])
        elif op == "lse":
            v = torch.logsumexp(torch.stack([nodes[ins[1]], nodes[ins[2]]]), 0)
        elif op in UNARY:
            v = UNARY[op](nodes[ins[1]])
        else:
            v = BINARY[op](nodes[ins[1]], nodes[ins[2]])
        nodes.append(v)
    return nodes


def torch_expr(case):
    x = torch.tensor(case["x"], requires_grad=True)
    y = torch_nodes(case["prog"], x)[-1]
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    rows = [torch.autograd.grad(g[i], x, create_graph=True, allow_unused=True)[0] for i in range(len(case["x"]))]
    rows = [r if r is not None else torch.zeros_like(x) for r in rows]
    third = torch.zeros_like(x)
    if rows[0].requires_grad:
        t3 = torch.autograd.grad(rows[0][0], x, allow_unused=True)[0]
        third = t3 if t3 is not None else third
    return {"y": y.item(), "grad": g.tolist(), "hess": [r.tolist() for r in rows], "third": third.tolist()}


def torch_mlp(case):
    sizes, p = case["sizes"], torch.tensor(case["p"], requires_grad=True)
    xs, labels, v = torch.tensor(case["xs"]), case["labels"], torch.tensor(case["v"])
    a, off = xs, 0
    for layer in range(1, len(sizes)):
        n_in, n_out = sizes[layer - 1], sizes[layer]
        w = p[off:off + n_in * n_out].reshape(n_out, n_in)
        b = p[off + n_in * n_out:off + n_in * n_out + n_out]
        off += n_in * n_out + n_out
        z = a @ w.T + b
        a = torch.tanh(z) if layer + 1 < len(sizes) else z
    loss = torch.nn.functional.cross_entropy(a, torch.tensor(labels), reduction="sum")
    (g,) = torch.autograd.grad(loss, p, create_graph=True)
    (hv,) = torch.autograd.grad(g @ v, p)
    return {"y": loss.item(), "grad": g.tolist(), "hvp": hv.tolist()}


def close(a, b):
    if isinstance(a, list):
        return len(a) == len(b) and all(close(p, q) for p, q in zip(a, b))
    return abs(a - b) <= ATOL + RTOL * max(abs(a), abs(b))


def near_kink(prog, x):
    """relu/abs/max/min exactly at a tie would compare conventions, not
    derivatives (PyTorch splits max's tie gradient in half): skip those."""
    nodes = torch_nodes(prog, torch.tensor(x))
    for ins in prog:
        op = ins[0]
        if op in ("relu", "abs") and abs(nodes[ins[1]].item()) < 1e-9:
            return True
        if op in ("max", "min") and abs(nodes[ins[1]].item() - nodes[ins[2]].item()) < 1e-9:
            return True
    return False


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    driver, n, seed = args[0], 60, 11
    if "--cases" in args:
        n = int(args[args.index("--cases") + 1])
    if "--seed" in args:
        seed = int(args[args.index("--seed") + 1])
    rng = random.Random(seed)
    cases = []
    while len(cases) < n:
        nx = rng.randrange(1, 4)
        prog = random_program(rng, nx, rng.randrange(2, 5))
        x = [rng.uniform(-1.5, 1.5) for _ in range(nx)]
        if not near_kink(prog, x):
            cases.append({"kind": "expr", "x": x, "prog": prog})
    for rep in range(4):
        sizes = [3, 5, 4, 3] if rep % 2 == 0 else [2, 6, 2]
        npar = sum(sizes[i] * sizes[i + 1] + sizes[i + 1] for i in range(len(sizes) - 1))
        cases.append({"kind": "mlp", "sizes": sizes, "p": [rng.uniform(-1, 1) for _ in range(npar)],
                      "xs": [[rng.uniform(-2, 2) for _ in range(sizes[0])] for _ in range(5)],
                      "labels": [rng.randrange(sizes[-1]) for _ in range(5)],
                      "v": [rng.uniform(-1, 1) for _ in range(npar)]})
    run = subprocess.run([driver], input=json.dumps(cases), capture_output=True, text=True)
    if run.returncode != 0:
        print(f"hess_double_backward: {driver} failed: {run.stderr}", file=sys.stderr)
        return 1
    ours = json.loads(run.stdout)
    bad = 0
    for i, (case, got) in enumerate(zip(cases, ours)):
        want = torch_expr(case) if case["kind"] == "expr" else torch_mlp(case)
        for key, w in want.items():
            if not close(got[key], w):
                bad += 1
                print(f"case {i} ({case['kind']}) {key}: agrad {got[key]}\n  torch {w}\n  {case.get('prog', '')}",
                      file=sys.stderr)
    n_expr = sum(c["kind"] == "expr" for c in cases)
    print(f"hess_double_backward: {len(cases)} cases ({n_expr} random expressions, {len(cases) - n_expr} MLPs): "
          f"{'all agree with torch double backward' if bad == 0 else f'{bad} DISAGREE'} "
          f"(rtol {RTOL:g}, atol {ATOL:g})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
