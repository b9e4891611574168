"""train_from_torch.py DIR: a model initialised in PyTorch and saved as
safetensors (written with struct and json, common.st_save) loads in C and
trains N full-batch steps to the same losses as PyTorch, to 1e-9 relative,
with SGD, SGD with momentum 0.9 and Adam (defaults betas (0.9, 0.999),
eps 1e-8); the final parameters agree to 1e-9 relative too.
Loss: mean squared error, F.mse_loss."""
import os
import sys

import torch

from common import expect, finish, ih, rel, sequential, st_save

ARCH = "2,8:tanh,8:relu,1:linear"
STEPS = 25
out_dir = sys.argv[1]
torch.manual_seed(14)
X = torch.rand(64, 2) * 4 - 2
Y = (torch.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2).unsqueeze(1)
data = "".join("%.17g %.17g %.17g\n" % (x[0], x[1], y[0]) for x, y in zip(X.tolist(), Y.tolist()))

init = sequential(ARCH)  # PyTorch's own initialisation (Kaiming uniform)
path = os.path.join(out_dir, "torch_init.safetensors")
st_save(path, list(init.state_dict().items()))

worst = 0.0
for name, opt, lr, mu in [("sgd", "sgd", 0.1, 0.0), ("momentum", "sgd", 0.05, 0.9), ("adam", "adam", 0.01, 0.0)]:
    net = sequential(ARCH)
    net.load_state_dict(init.state_dict(), strict=True)
    if opt == "adam":
        o = torch.optim.Adam(net.parameters(), lr=lr)
    else:
        o = torch.optim.SGD(net.parameters(), lr=lr, momentum=mu)
    t_loss = []
    for _ in range(STEPS):
        o.zero_grad()
        loss = torch.nn.functional.mse_loss(net(X), Y)
        loss.backward()
        o.step()
        t_loss.append(loss.item())
    lines = ih("train", path, ARCH, opt, lr, mu, STEPS, stdin=data).splitlines()
    c_loss = [float(l.split()[1]) for l in lines if l.startswith("loss ")]
    expect(len(c_loss) == STEPS, "%s: %d C losses" % (name, len(c_loss)))
    for k, (a, b) in enumerate(zip(c_loss, t_loss)):
        worst = max(worst, rel(a, b))
        expect(rel(a, b) <= 1e-9, "%s step %d: agrad loss %.17g, torch %.17g" % (name, k, a, b))
    expect(c_loss[-1] < 0.8 * c_loss[0], "%s: the loss did not fall (%g -> %g)" % (name, c_loss[0], c_loss[-1]))
    final = dict(net.state_dict())
    n_params = 0
    for l in lines:
        if l.startswith("loss "):
            continue
        pname, *vals = l.split()
        want = final[pname].flatten().tolist()
        expect(len(vals) == len(want), "%s: tensor %s has %d values in C" % (name, pname, len(vals)))
        for a, b in zip(map(float, vals), want):
            n_params += 1
            expect(rel(a, b) <= 1e-9, "%s: final %s: agrad %.17g, torch %.17g" % (name, pname, a, b))
    expect(n_params == sum(p.numel() for p in net.parameters()), "%s: %d final parameters from C" % (name, n_params))
finish("torch-initialised model trained in C", "SGD, momentum, Adam: %d steps each, max loss rel err %.1e" % (STEPS, worst))
