"""moons_to_torch.py MODEL: a model trained in C (examples/moons --save
MODEL) loads into PyTorch's Sequential(Linear(2,16), ReLU(), Linear(16,16),
ReLU(), Linear(16,1)) with strict keys, and gives the outputs agrad's
forward gives (ih forward) on the 100 moons points and 100 random ones, to
1e-12 relative."""
import sys

import torch

from common import expect, finish, ih, rel, sequential, st_load

ARCH = "2,16:relu,16:relu,1:linear"
model_path = sys.argv[1]
net = sequential(ARCH)
net.load_state_dict(st_load(model_path), strict=True)  # raises on a missing or extra key

pts = []
with open("examples/data/moons.csv") as f:
    for line in f:
        cells = line.strip().split(",")
        try:
            pts.append([float(cells[0]), float(cells[1])])
        except ValueError:
            continue  # the header
torch.manual_seed(0)
pts += (torch.rand(100, 2) * 6 - 3).tolist()
c_out = [float(r) for r in ih("forward", model_path, ARCH, stdin="".join("%.17g %.17g\n" % tuple(p) for p in pts)).split()]
with torch.no_grad():
    t_out = net(torch.tensor(pts)).flatten().tolist()
expect(len(c_out) == len(t_out) == len(pts), "%d C outputs, %d torch outputs" % (len(c_out), len(t_out)))
worst = 0.0
for k, (a, b) in enumerate(zip(c_out, t_out)):
    e = rel(a, b)
    worst = max(worst, e)
    expect(e <= 1e-12, "point %d %s: agrad %.17g, torch %.17g" % (k, pts[k], a, b))
finish("moons model in torch", "strict load, %d outputs, max rel err %.1e" % (len(pts), worst))
