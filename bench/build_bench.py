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
import time

# ext4 without a journal (as on this machine kind) checks, for every new
# inode, whether the one it is about to reuse was deleted in the last 60 s
# (300 s while its block is still dirty), and that check reads inode
# tables: creating ~45,000 files right after deleting as many spent 10-25 s
# of system time instead of 1-2 s. So outputs are only set aside during a
# series, and a series waits until the last cleanup is this long past.
QUIET_AFTER_DELETE = 300


def measure(cmd, cwd=None):
    """Runs cmd under GNU time; returns (wall s, peak RSS MiB, CPU s = user + system).

    Flushes the page cache's dirty data first: the file system allocates
    blocks for written files when it writes them back (ext4's delayed
    allocation), so without this a run pays for the previous runs' output
    as well as its own."""
    os.sync()
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


def wait_after_cleanup(work):
    """Sleeps until QUIET_AFTER_DELETE seconds have passed since this
    script last deleted its outputs (see the note at the top)."""
    try:
        since = time.time() - os.path.getmtime(os.path.join(work, "last-cleanup"))
    except OSError:
        return
    if since < QUIET_AFTER_DELETE:
        wait = QUIET_AFTER_DELETE - since
        print(f"note: waiting {wait:.0f} s after the last cleanup (ext4 inode reuse check)",
              file=sys.stderr)
        time.sleep(wait)


def clean_up(work):
    """Deletes the outputs set aside, and notes when."""
    shutil.rmtree(os.path.join(work, "trash"), ignore_errors=True)
    with open(os.path.join(work, "last-cleanup"), "w"):
        pass


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

    os.makedirs(args.work, exist_ok=True)
    wait_after_cleanup(args.work)
    rows = []
    for size in args.sizes:
        corpus = os.path.join(args.work, f"corpus-{size}")
        if not os.path.isdir(os.path.join(corpus, "docket")):
            subprocess.run([sys.executable, args.generator, str(size), corpus], check=True,
                           stdout=subprocess.DEVNULL)
        out = os.path.join(args.work, "out")
        cmds = tools(corpus, out, docket)
        results = {name: [] for name in cmds}
        for run in range(1, args.runs + 1):
            for name, cmd in cmds.items():
                set_aside(out, args.work)
                wall, rss, cpu = measure(cmd)
                results[name].append((wall, rss, cpu))
                print(f"{size} {name} run {run}: {wall:.2f} s wall, {cpu:.2f} s CPU, {rss:.0f} MiB",
                      file=sys.stderr)
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

    clean_up(args.work)
    print("| articles | tool | wall (median) | wall (min) | CPU (user+sys) | peak RSS | × docket full build | ms per article |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size, name, wall, fastest, cpu, rss, ratio, per in rows:
        per_s = f"{per:.3f}" if per is not None else ""
        print(f"| {size} | {name} | {wall:.2f} s | {fastest:.2f} s | {cpu:.2f} s | {rss:.0f} MiB "
              f"| {ratio:.2f} | {per_s} |")


if __name__ == "__main__":
    main()
