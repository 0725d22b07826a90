#!/usr/bin/env python3
"""Edit-to-served benchmark for `docket serve` (and `hugo server`).

usage: bench/serve_bench.py GEN_CORPUS_PY [--size 10000] [--edits 20]
                            [--peer docket|hugo] [--docket target/release/docket]
                            [--hugo PATH] [--hugo-flags "..."] [--work DIR]

Generates the corpus (once) with GEN_CORPUS_PY. For docket, copies this
repository's themes/ beside it (the portal needs its templates), starts
`docket serve --port 0` on it and waits for the first build. For Hugo,
starts `hugo server` on the corpus's equivalent Hugo site on a free port
(fast render on, Hugo's default; --hugo-flags adds flags such as
--disableFastRender) and waits for its first build. Then, for each of
EDITS public English articles, both peers the same way: finds the page
of the article's category listing that lists it (page 1, then following
rel="next" links: listings are paginated), fetches the article's page and
that listing page once (as a writer who has them open), rewrites the
article's title in place (the old title with a marker appended, so the
article keeps its place in the listing) and measures the time from the
write until (a) the page and (b) the listing page are served with the new
title, polling over HTTP as fast as it can. The listing is docket's
/categories/<category>/ and Hugo's section page /<category>/ (the same
articles: the corpus puts each article in its category's folder).
Prints medians and a Markdown row.
"""
import argparse
import http.client
import os
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
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
        try:
            status, body = get(port, path)
        except (OSError, http.client.HTTPException):
            continue  # a server may drop connections while it rebuilds
        if status == 200 and needle in body:
            return time.perf_counter()
    sys.exit(f"timed out waiting for {needle!r} at {path}")


def listing_page(port, first, url):
    """The page of the listing starting at `first` that links to `url`
    (following rel="next" links), else `first`."""
    page, seen = first, set()
    while page not in seen:
        seen.add(page)
        status, body = get(port, page)
        if status != 200:
            break
        if f'href="{url}"' in body:
            return page
        m = re.search(r'<a rel="next" href="([^"]+)"', body) or \
            re.search(r'<a href="([^"]+)"[^>]*rel="next"', body)
        if not m:
            break
        page = m.group(1)
    return first


def retitled(text, marker):
    """`text` with `marker` appended to its title (an earlier marker
    replaced), so the article keeps its place in title-sorted listings."""
    m = re.search(r'^title: "?(.*?)"?$', text, re.M)
    old = re.sub(r" \(bench edit [0-9 ]+\)$", "", m.group(1) if m else "")
    title = f"{old} ({marker})".replace('"', "'")
    return re.sub(r'^title: .*$', lambda _: f'title: "{title}"', text, count=1, flags=re.M)


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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_docket(args, repo, corpus):
    site = os.path.join(corpus, "docket")
    shutil.rmtree(os.path.join(site, "themes"), ignore_errors=True)
    shutil.copytree(os.path.join(repo, "themes"), os.path.join(site, "themes"))
    proc = subprocess.Popen([os.path.abspath(args.docket), "serve", "--site", site, "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if m:
            # Keep draining stdout so the server never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, site, int(m.group(1)), "/categories/{}/"
    proc.kill()
    sys.exit("docket serve did not print its address")


def start_hugo(args, corpus):
    site = os.path.join(corpus, "hugo")
    port = free_port()
    cmd = [args.hugo, "server", "--source", site, "--bind", "127.0.0.1", "--port", str(port),
           "--logLevel", "error"] + shlex.split(args.hugo_flags)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.perf_counter() + 600
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            sys.exit(f"hugo server exited with {proc.returncode}: {' '.join(cmd)}")
        try:
            if get(port, "/")[0] == 200:
                return proc, site, port, "/{}/"
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    sys.exit("hugo server did not answer")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("generator")
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--pause", type=float, default=3.0, help="seconds between edits")
    ap.add_argument("--peer", choices=["docket", "hugo"], default="docket")
    ap.add_argument("--docket", default="target/release/docket")
    ap.add_argument("--hugo", default="hugo", help="the hugo binary")
    ap.add_argument("--hugo-flags", default="", help="extra flags for hugo server")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "docket-serve-bench"))
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    corpus = os.path.join(args.work, f"corpus-{args.size}")
    if not os.path.isdir(os.path.join(corpus, "docket")):
        subprocess.run([sys.executable, args.generator, str(args.size), corpus], check=True,
                       stdout=subprocess.DEVNULL)

    started = time.perf_counter()
    if args.peer == "docket":
        proc, site, port, listing = start_docket(args, repo, corpus)
        tool = "docket serve"
    else:
        proc, site, port, listing = start_hugo(args, corpus)
        tool = " ".join(["hugo server"] + shlex.split(args.hugo_flags))
    print(f"first build and start: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    try:
        page_ms, list_ms = [], []
        for k, (path, url, category) in enumerate(candidates(site)[: args.edits]):
            list_url = listing_page(port, listing.format(category), url)
            # The writer has both pages open.
            get(port, url)
            get(port, list_url)
            text = open(path, encoding="utf-8").read()
            marker = f"bench edit {k} {time.time_ns()}"
            edited = retitled(text, marker)
            t0 = time.perf_counter()
            with open(path, "w", encoding="utf-8") as f:
                f.write(edited)
            deadline = t0 + 120
            t_page = wait_for(port, url, marker, deadline)
            t_list = wait_for(port, list_url, marker, deadline)
            page_ms.append((t_page - t0) * 1000)
            list_ms.append((t_list - t0) * 1000)
            print(f"edit {k:2}: page {page_ms[-1]:7.1f} ms, listing {list_ms[-1]:7.1f} ms",
                  file=sys.stderr)
            time.sleep(args.pause)  # let background work (search index) settle
    finally:
        proc.terminate()
        proc.wait()
    page, listing_median = statistics.median(page_ms), statistics.median(list_ms)
    print(f"median of {len(page_ms)} edits: page {page:.0f} ms, category listing {listing_median:.0f} ms"
          f" (page {min(page_ms):.0f}-{max(page_ms):.0f} ms)")
    print(f"| {args.size} | {tool} | {page:.0f} ms | {listing_median:.0f} ms |")


if __name__ == "__main__":
    main()
