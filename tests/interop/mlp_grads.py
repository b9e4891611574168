"""mlp_grads.py DIR: the gradients of 100 random MLPs (depth 1-4, widths
1-8, activations relu, leaky_relu, tanh, sigmoid, linear; weights and
biases U(-1, 1); L = 1/2 sum (out - y)^2) from agrad (ih grad) against
torch.autograd, to 1e-12 relative, no floor (relu's exact zeros are zeros
on both sides; with these seeds no gradient cancels far enough to need one)."""
import os
import random
import sys

import torch

from common import expect, finish, ih, rel, sequential, st_save

ACTS = ["relu", "leaky_relu", "tanh", "sigmoid", "linear"]
out_dir = sys.argv[1]
rng = random.Random(1414)
torch.manual_seed(1414)
worst, count = 0.0, 0
for case in range(100):
    n_in = rng.randint(1, 8)
    layers = ["%d:%s" % (rng.randint(1, 8), rng.choice(ACTS)) for _ in range(rng.randint(1, 4))]
    arch = ",".join([str(n_in)] + layers)
    net = sequential(arch)
    with torch.no_grad():
        for p in net.parameters():
            p.uniform_(-1, 1)
    path = os.path.join(out_dir, "mlp_%d.safetensors" % case)
    st_save(path, list(net.state_dict().items()))
    x = torch.rand(n_in) * 4 - 2
    n_out = int(layers[-1].split(":")[0])
    y = torch.rand(n_out) * 2 - 1
    loss = 0.5 * ((net(x) - y) ** 2).sum()
    grads = dict(zip([n for n, _ in net.named_parameters()], torch.autograd.grad(loss, list(net.parameters()))))
    stdin = " ".join("%.17g" % v for v in x.tolist()) + "\n" + " ".join("%.17g" % v for v in y.tolist()) + "\n"
    lines = ih("grad", path, arch, stdin=stdin).splitlines()
    expect(rel(float(lines[0].split()[1]), loss.item()) <= 1e-12, "case %d %s: loss %s vs %.17g" % (case, arch, lines[0], loss.item()))
    seen = set()
    for l in lines[1:]:
        name, *vals = l.split()
        seen.add(name)
        want = grads[name].flatten().tolist()
        expect(len(vals) == len(want), "case %d: %s has %d gradients in C" % (case, name, len(vals)))
        for k, (a, b) in enumerate(zip(map(float, vals), want)):
            e = rel(a, b)
            worst, count = max(worst, e), count + 1
            expect(e <= 1e-12, "case %d %s: d/d%s[%d]: agrad %.17g, torch %.17g (rel %.2g)" % (case, arch, name, k, a, b, e))
    expect(seen == set(grads), "case %d: tensors %s in C, %s in torch" % (case, sorted(seen), sorted(grads)))
expect(count > 0, "no gradient compared")
finish("random MLP gradients", "100 networks, %d gradients, max rel err %.1e" % (count, worst))
