#!/usr/bin/env python3
"""Edit-to-served benchmark for `docket serve`.

usage: bench/serve_bench.py GEN_CORPUS_PY [--size 10000] [--edits 20]
                            [--docket target/release/docket] [--work DIR]

Generates the corpus (once) with GEN_CORPUS_PY, copies this repository's
themes/ beside it (the portal needs its templates), starts
`docket serve --port 0` on it and waits for the first build. Then, for each
of EDITS public English articles, rewrites its title in place and measures
the time from the write until (a) the article's page and (b) its category
listing are served with the new title, polling over HTTP as fast as it can.
Prints medians and a Markdown row.
"""
import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def wait_for(port, path, needle, deadline):
    while time.perf_counter() < deadline:
        status, body = get(port, path)
        if status == 200 and needle in body:
            return time.perf_counter()
    sys.exit(f"timed out waiting for {needle!r} at {path}")


def candidates(site):
    """Public English articles without slug/url overrides: (file, url, category)."""
    content = os.path.join(site, "content")
    found = []
    for dirpath, _, files in os.walk(content):
        for name in sorted(files):
            if not name.endswith(".md") or name.startswith("_index") or name.count(".") > 1:
                continue
            path = os.path.join(dirpath, name)
            text = open(path, encoding="utf-8").read()
            front = text.split("---", 2)[1] if text.startswith("---") else ""
            if re.search(r"^(slug|url|tags):", front, re.M) or re.search(r"^draft: true", front, re.M):
                continue
            cat = re.search(r'^category: "?([^"\n]+)"?', front, re.M)
            if not cat or name == "index.md":
                continue
            rel = os.path.relpath(path, content)[:-3]
            found.append((path, "/" + rel + "/", cat.group(1)))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("generator")
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--pause", type=float, default=8.0, help="seconds between edits")
    ap.add_argument("--docket", default="target/release/docket")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "docket-serve-bench"))
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    corpus = os.path.join(args.work, f"corpus-{args.size}")
    if not os.path.isdir(os.path.join(corpus, "docket")):
        subprocess.run([sys.executable, args.generator, str(args.size), corpus], check=True,
                       stdout=subprocess.DEVNULL)
    site = os.path.join(corpus, "docket")
    shutil.rmtree(os.path.join(site, "themes"), ignore_errors=True)
    shutil.copytree(os.path.join(repo, "themes"), os.path.join(site, "themes"))

    started = time.perf_counter()
    proc = subprocess.Popen([os.path.abspath(args.docket), "serve", "--site", site, "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    port = None
    for line in proc.stdout:
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        sys.exit("docket serve did not print its address")
    print(f"first build and start: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    try:
        page_ms, list_ms = [], []
        for k, (path, url, category) in enumerate(candidates(site)[: args.edits]):
            text = open(path, encoding="utf-8").read()
            marker = f"Bench edit {k} {time.time_ns()}"
            edited = re.sub(r'^title: .*$', f'title: "{marker}"', text, count=1, flags=re.M)
            t0 = time.perf_counter()
            with open(path, "w", encoding="utf-8") as f:
                f.write(edited)
            deadline = t0 + 60
            t_page = wait_for(port, url, marker, deadline)
            t_list = wait_for(port, f"/categories/{category}/", marker, deadline)
            page_ms.append((t_page - t0) * 1000)
            list_ms.append((t_list - t0) * 1000)
            print(f"edit {k:2}: page {page_ms[-1]:7.1f} ms, listing {list_ms[-1]:7.1f} ms",
                  file=sys.stderr)
            time.sleep(args.pause)  # let the search index catch up
    finally:
        proc.terminate()
        proc.wait()
    page, listing = statistics.median(page_ms), statistics.median(list_ms)
    print(f"median of {len(page_ms)} edits: page {page:.0f} ms, category listing {listing:.0f} ms")
    print(f"| {args.size} | docket serve | {page:.0f} ms | {listing:.0f} ms |")


if __name__ == "__main__":
    main()
