"""common.py: what the interop scripts share (make interop runs them).

- safetensors files read and written with struct and json alone (Debian
  ships no safetensors package): an 8-byte little-endian header length, a
  JSON header {name: {dtype, shape, data_offsets}}, then the raw bytes;
- the C programs: $AGRAD_BUILD/agrad and $AGRAD_BUILD/interop/ih (ih.c);
- torch in float64 on one thread, and the relative-error check.
"""
import json
import os
import struct
import subprocess
import sys

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

BUILD = os.environ.get("AGRAD_BUILD", "build")
FAILURES = []


def st_save(path, tensors):
    """tensors: list of (name, torch tensor) -> F64 safetensors at path."""
    header, blobs, off = {}, [], 0
    for name, t in tensors:
        data = t.detach().contiguous().to(torch.float64).flatten().tolist()
        blob = struct.pack("<%dd" % len(data), *data)
        header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [off, off + len(blob)]}
        blobs.append(blob)
        off += len(blob)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)  # pad to 8 bytes, as the format recommends
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def st_load(path):
    """An F64 safetensors file -> {name: tensor}."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F64", (name, info["dtype"])
        a, b = info["data_offsets"]
        vals = struct.unpack_from("<%dd" % ((b - a) // 8), raw, 8 + n + a)
        out[name] = torch.tensor(vals).reshape(info["shape"])
    return out


def run(args, stdin=""):
    """Run a C program; its stdout, or stop with its stderr."""
    p = subprocess.run(args, input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("interop: %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p.stdout


def ih(*args, stdin=""):
    return run([os.path.join(BUILD, "interop", "ih")] + [str(a) for a in args], stdin)


def rel(a, b, floor=0.0):
    """|a - b| / max(|a|, |b|, floor); 0 for equal values."""
    a, b = float(a), float(b)
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b), floor)


def expect(ok, msg):
    if not ok:
        FAILURES.append(msg)
        if len(FAILURES) <= 10:
            print("interop: FAIL " + msg)


def finish(name, summary):
    """Print the script's one-line summary; exit 1 after any failure."""
    if FAILURES:
        print("interop: %s: %d failure(s)" % (name, len(FAILURES)))
        sys.exit(1)
    print("interop: %s: %s" % (name, summary))


def sequential(arch):
    """torch.nn.Sequential for ih's ARCH string "N_IN,SIZE:ACT,...": Linear
    then the activation module (none for linear), PyTorch's numbering."""
    acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid,
            "leaky_relu": lambda: torch.nn.LeakyReLU(0.01)}
    parts = arch.split(",")
    n, mods = int(parts[0]), []
    for p in parts[1:]:
        size, act = p.split(":")
        mods.append(torch.nn.Linear(n, int(size)))
        if act != "linear":
            mods.append(acts[act]())
        n = int(size)
    return torch.nn.Sequential(*mods).double()
