#!/usr/bin/env python3
"""Build-time benchmark: docket against Hugo and Zola on the same articles.

usage: bench/build_bench.py GEN_CORPUS_PY [--sizes 1000 10000] [--runs 5]
                            [--docket target/release/docket] [--work DIR]

GEN_CORPUS_PY is the corpus generator (it writes the same knowledge base as a
docket, a Hugo and a Zola site). Peers missing from PATH are skipped with a
note. Runs alternate between tools; each run starts from a fresh output
folder. Wall time and peak RSS come from GNU time. Prints a Markdown table
(medians, fastest run, CPU time, peak RSS, and each row's wall time as a
multiple of docket's full build: 2.0 means twice as long as docket) to
standard output.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile


def measure(cmd, cwd=None):
    """Runs cmd under GNU time; returns (wall s, peak RSS MiB, CPU s = user + system)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        full = ["/usr/bin/time", "-f", "%e %M %U %S", "-o", t.name] + cmd
        proc = subprocess.run(full, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
        wall, rss_kib, user, system = t.read().split()[-4:]
        return float(wall), int(rss_kib) / 1024, float(user) + float(system)


def set_aside(out, work):
    """Moves `out` out of the way (deleting 20,000 files takes a minute on
    some disks and slows the next run's writes); deleted at the end."""
    if os.path.exists(out):
        trash = os.path.join(work, "trash")
        os.makedirs(trash, exist_ok=True)
        os.rename(out, os.path.join(trash, f"{len(os.listdir(trash))}"))


def tools(corpus, out, docket):
    """The commands to compare, each writing into a fresh `out`."""
    found = {
        "docket": [docket, "build", "--site", f"{corpus}/docket", "--out", out, "--no-cache"],
    }
    for name in ["hugo"]:
        if shutil.which(name):
            found[name] = [name, "--quiet", "--source", f"{corpus}/hugo", "--destination", out]
        else:
            print(f"note: {name} not found on PATH, skipped", file=sys.stderr)
    if shutil.which("zola"):
        found["zola"] = ["zola", "--root", f"{corpus}/zola", "build", "--output-dir", out, "--force"]
    else:
        print("note: zola not found on PATH, skipped", file=sys.stderr)
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("generator")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--docket", default="target/release/docket")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "docket-bench"))
    args = ap.parse_args()
    docket = os.path.abspath(args.docket)

    rows = []
    for size in args.sizes:
        corpus = os.path.join(args.work, f"corpus-{size}")
        if not os.path.isdir(os.path.join(corpus, "docket")):
            subprocess.run([sys.executable, args.generator, str(size), corpus], check=True,
                           stdout=subprocess.DEVNULL)
        out = os.path.join(args.work, "out")
        cmds = tools(corpus, out, docket)
        results = {name: [] for name in cmds}
        for _ in range(args.runs):
            for name, cmd in cmds.items():
                set_aside(out, args.work)
                results[name].append(measure(cmd))
        # Rebuild with nothing changed: docket with its cache, output kept.
        cached = [docket, "build", "--site", f"{corpus}/docket", "--out", out]
        set_aside(out, args.work)
        measure(cached)
        unchanged = [measure(cached) for _ in range(args.runs)]
        base = statistics.median(w for w, _, _ in results["docket"])
        for name, runs in results.items():
            walls = [w for w, _, _ in runs]
            wall = statistics.median(walls)
            rss = statistics.median(r for _, r, _ in runs)
            cpu = statistics.median(c for _, _, c in runs)
            rows.append((size, name, wall, min(walls), cpu, rss, wall / base, wall / size * 1000))
        walls = [w for w, _, _ in unchanged]
        rows.append((size, "docket, nothing changed (cache)", statistics.median(walls), min(walls),
                     statistics.median(c for _, _, c in unchanged),
                     statistics.median(r for _, r, _ in unchanged),
                     statistics.median(walls) / base, None))

    shutil.rmtree(os.path.join(args.work, "trash"), ignore_errors=True)
    print("| articles | tool | wall (median) | wall (min) | CPU (user+sys) | peak RSS | × docket full build | ms per article |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size, name, wall, fastest, cpu, rss, ratio, per in rows:
        per_s = f"{per:.3f}" if per is not None else ""
        print(f"| {size} | {name} | {wall:.2f} s | {fastest:.2f} s | {cpu:.2f} s | {rss:.0f} MiB "
              f"| {ratio:.2f} | {per_s} |")


if __name__ == "__main__":
    main()
