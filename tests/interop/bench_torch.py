"""bench_torch.py DATA_DIR EXPORT_DIR BENCH_JSON [REPS]: the benchmark's W1
and W2 training (bench/bench.c) in PyTorch, float64 on one thread, from
agrad's initial weights and data order (bench_export.c), timed the way the
bench times agrad (median of REPS runs of the training loop, setup
excluded). Prints PyTorch's time beside agrad's from BENCH_JSON (bench
--json of the same make run), agrad's ratios to PyTorch and to the
hand-written floor, and fails when a final loss differs from agrad's by
more than 1e-9 (relative to max(|loss|, 1), as bench.c compares).

W1: MLP(2, [16, 16, 1]) relu, L = mean_i relu(1 - y_i s_i) + 1e-4 sum p^2,
    100 full-batch SGD steps with lr_k = 1 - 0.9 k / 100.
W2: MLP(64, [64, 64, 10]) relu, softmax cross-entropy (mean over the
    batch), 45 batches of 32 in the exported order, SGD lr 0.1.
The final loss is that of the last step's forward pass, as in bench.c."""
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from common import sequential, st_load

data_dir, exp_dir, bench_json = sys.argv[1:4]
reps = int(sys.argv[4]) if len(sys.argv) > 4 else 5


def load_csv(path):
    rows = []
    with open(path) as f:
        next(f)  # header
        for line in f:
            rows.append([float(c) for c in line.strip().split(",")])
    t = torch.tensor(rows)
    return t[:, :-1].contiguous(), t[:, -1].contiguous()


def w1(state, x, y):
    net = sequential("2,16:relu,16:relu,1:linear")
    net.load_state_dict(state, strict=True)
    params = list(net.parameters())
    t0 = time.perf_counter()
    for k in range(100):
        s = net(x).squeeze(1)
        loss = torch.relu(1 - y * s).mean() + 1e-4 * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        lr = 1.0 + (0.1 - 1.0) * k / 100  # nn_schedule_lr, linear from 1.0 to 0.1
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
    return time.perf_counter() - t0, loss.item()


def w2(state, x, labels, order):
    net = sequential("64,64:relu,64:relu,10:linear")
    net.load_state_dict(state, strict=True)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    batches = [(x[order[b:b + 32]], labels[order[b:b + 32]]) for b in range(0, len(order), 32)]
    t0 = time.perf_counter()
    for xb, lb in batches:
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(xb), lb)
        loss.backward()
        opt.step()
    return time.perf_counter() - t0, loss.item()


mx, my = load_csv(os.path.join(data_dir, "moons.csv"))
dx, dy = load_csv(os.path.join(data_dir, "digits.csv"))
with open(os.path.join(exp_dir, "w2_order.txt")) as f:
    order = torch.tensor([int(l) for l in f])
s1 = st_load(os.path.join(exp_dir, "w1_init.safetensors"))
s2 = st_load(os.path.join(exp_dir, "w2_init.safetensors"))
with open(bench_json) as f:
    agrad = json.load(f)

runs = {"W1": lambda: w1(s1, mx, my), "W2": lambda: w2(s2, dx, dy.long(), order)}
print("agrad vs PyTorch %s (float64, %d thread): medians of %d runs of the training loop"
      % (torch.__version__, torch.get_num_threads(), reps))
print("%-4s %10s %10s %10s %10s %10s %10s %9s %9s %12s" % ("", "torch ms", "record ms", "replay ms", "hand ms",
      "rec/torch", "rep/torch", "rec/hand", "rep/hand", "loss diff"))
fail = False
for name, fn in runs.items():
    if name not in agrad:
        continue
    out = [fn() for _ in range(reps)]
    t, loss = statistics.median(o[0] for o in out), out[-1][1]
    a = agrad[name]
    diff = abs(loss - a["final_loss"]) / max(abs(a["final_loss"]), 1.0)
    print("%-4s %10.3f %10.3f %10.3f %10.3f %10.2f %10.2f %9.2f %9.2f %12.1e" % (
        name, 1e3 * t, 1e3 * a["record_s"], 1e3 * a["replay_s"], 1e3 * a["hand_s"], a["record_s"] / t,
        a["replay_s"] / t, a["ratio_record"], a["ratio_replay"], diff))
    if not diff <= 1e-9:
        print("bench: %s: PyTorch's final loss %.17g, agrad's %.17g" % (name, loss, a["final_loss"]))
        fail = True
print("(rec/torch < 1: agrad recording every step is faster than PyTorch; final losses agree within 1e-9)")
sys.exit(1 if fail else 0)
