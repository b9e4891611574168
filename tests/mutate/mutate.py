#!/usr/bin/env python3
"""mutate.py: does the suite catch plausible bugs? (make mutate)

Reads tests/mutate/mutations.txt, a list of small patches (format at the
top of that file). Copies the working tree (tracked and untracked files,
not build/) to a scratch directory, builds it once and runs the suite there
(it must pass), then, one mutation at a time: replaces the exact old text
by the new text in the scratch copy, rebuilds, runs the suite, restores the
file. A mutation the suite fails on is killed; one it passes survives.

The working tree is never written. A mutation whose old text is not found
exactly once, or whose mutant does not compile, is an error: the list
cannot rot silently when the code moves. A survivor with a `= ` line
(its explanation) is explained; any other survivor or error makes the
exit status 1.

usage: mutate.py [--scratch DIR] [--jobs N] [--only ID,ID,...] [--list]
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIST = os.path.join(ROOT, "tests", "mutate", "mutations.txt")
SUITE_TIMEOUT = 300  # seconds: a mutant that loops forever counts as killed


def parse(path):
    """The mutations as dicts: id, file, what, old, new, why (explanation)."""
    muts, cur, lineno = [], None, 0
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("#") or not line.strip():
                continue
            tag, body = line[:1], line[2:] if len(line) > 1 else ""
            if tag == "@":
                head, _, what = body.partition(":")
                mid, _, fname = head.strip().partition(" ")
                cur = {"id": mid, "file": fname.strip(), "what": what.strip(),
                       "old": [], "new": [], "why": "", "line": lineno}
                muts.append(cur)
            elif cur is None or tag not in "-+=" or line[1:2] not in ("", " "):
                sys.exit(f"{path}:{lineno}: expected '@ ID FILE: what', '- old', '+ new' or '= why'")
            elif tag == "-":
                cur["old"].append(body)
            elif tag == "+":
                cur["new"].append(body)
            else:
                cur["why"] = (cur["why"] + " " + body).strip()
    ids = [m["id"] for m in muts]
    for m in muts:
        if not m["old"] or not m["file"]:
            sys.exit(f"{path}:{m['line']}: mutation {m['id']} has no file or no old text")
        if ids.count(m["id"]) > 1:
            sys.exit(f"{path}:{m['line']}: mutation id {m['id']} is used twice")
        m["old"], m["new"] = "\n".join(m["old"]), "\n".join(m["new"])
    return muts


def copy_tree(dst):
    """The working tree's files (tracked and untracked, not ignored) into dst."""
    files = subprocess.run(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard", "-z"],
                           check=True, capture_output=True).stdout.decode().split("\0")
    keep = set()
    for rel in filter(None, files):
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src):
            continue  # deleted but still tracked
        keep.add(os.path.normpath(rel))
        out = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if not os.path.exists(out) or open(src, "rb").read() != open(out, "rb").read():
            shutil.copy2(src, out)  # unchanged files keep their mtime: no rebuild
    # files the tree no longer has (a source deleted or moved) leave the copy
    # too, and so does its build (stale objects would stay in the archives)
    stale = False
    for d, dirs, names in os.walk(dst):
        if os.path.relpath(d, dst) == ".":
            dirs[:] = [x for x in dirs if x != "build"]
        for n in names:
            rel = os.path.normpath(os.path.relpath(os.path.join(d, n), dst))
            if rel not in keep:
                os.remove(os.path.join(d, n))
                stale = True
    if stale:
        shutil.rmtree(os.path.join(dst, "build"), ignore_errors=True)


def sh(cmd, cwd, log, timeout=None):
    with open(log, "w") as f:
        try:
            return subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT,
                                  timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            return "timeout"


def build_and_test(tree, jobs, log):
    """'build error', 'killed' or 'survived' for the tree as it is."""
    make = ["make", "-s", f"-j{jobs}"]
    if sh(make + ["all", "build/tests/run"], tree, log) != 0:
        return "build error"
    rc = sh(make + ["test"], tree, log, SUITE_TIMEOUT)
    return "survived" if rc == 0 else "killed"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scratch", default=os.path.join(ROOT, "build", "mutate"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true", help="check the list and print it")
    a = ap.parse_args()
    muts = parse(LIST)
    if a.only:
        want = set(a.only.split(","))
        muts = [m for m in muts if m["id"] in want]
    tree = os.path.join(a.scratch, "tree")
    os.makedirs(tree, exist_ok=True)
    copy_tree(tree)

    errors = []
    for m in muts:  # every anchor checked before anything is built
        path = os.path.join(tree, m["file"])
        n = open(path, encoding="utf-8").read().count(m["old"]) if os.path.isfile(path) else -1
        if n != 1:
            errors.append((m, f"old text found {n} times in {m['file']}" if n >= 0 else f"no file {m['file']}"))
    if a.list:
        for m in muts:
            print(f"{m['id']:5} {m['file']}: {m['what']}")
    if errors:
        for m, e in errors:
            print(f"mutate: ERROR {m['id']} (mutations.txt:{m['line']}): {e}")
        return 1
    if a.list:
        return 0

    log = os.path.join(a.scratch, "baseline.log")
    print(f"mutate: baseline build and suite in {tree}", flush=True)
    if build_and_test(tree, a.jobs, log) != "survived":
        print(f"mutate: the unmutated suite fails: see {log}")
        return 1

    results = []
    for k, m in enumerate(muts, 1):
        path = os.path.join(tree, m["file"])
        orig = open(path, encoding="utf-8").read()
        t0 = time.time()
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(orig.replace(m["old"], m["new"], 1))
            log = os.path.join(a.scratch, m["id"] + ".log")
            res = build_and_test(tree, a.jobs, log)
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(orig)
        results.append((m, res))
        note = "  (explained)" if res == "survived" and m["why"] else ""
        if res == "killed":  # the first test that failed, to see what holds the line
            fails = [l.split()[1].rstrip(":") for l in open(log, errors="replace") if l.startswith("[FAIL] ")]
            note = "  by %s%s" % (fails[0], " +%d" % (len(fails) - 1) if len(fails) > 1 else "") if fails else ""
        print(f"mutate: [{k}/{len(muts)}] {m['id']:5} {res:11} {time.time() - t0:5.1f} s  {m['what']}{note}",
              flush=True)

    killed = sum(r == "killed" for _, r in results)
    surv = [(m, r) for m, r in results if r == "survived"]
    bad = [(m, r) for m, r in results if r == "build error"]
    print(f"\nmutate: {killed} of {len(results)} mutations killed "
          f"({100.0 * killed / max(len(results), 1):.1f}%), {len(surv)} survived, {len(bad)} did not build")
    for m, _ in surv:
        print(f"  survivor {m['id']} {m['file']}: {m['what']}")
        print(f"    {'why: ' + m['why'] if m['why'] else 'UNEXPLAINED: kill it with a test or explain it (= line)'}")
    for m, _ in bad:
        print(f"  ERROR {m['id']}: the mutant does not compile (log {a.scratch}/{m['id']}.log)")
    return 1 if bad or any(not m["why"] for m, _ in surv) else 0


if __name__ == "__main__":
    sys.exit(main())
