#!/usr/bin/env python3
"""Upload benchmark of `docket sidecar`: throughput of one 10 MB file and
peak memory of the sidecar during 8 concurrent uploads.

usage: bench/upload_bench.py [--docket target/debug/docket] [--runs 5]
                             [--sizes 1,10]

What it does:

1. Makes a site in a temp folder (this repository's theme, a docket.toml
   with generous reply limits), adds a customer with
   `docket customer add --password-stdin` and imports one ticket.
2. Starts `docket sidecar --site DIR` on a free loopback port and signs in
   over HTTP like a browser.
3. Throughput: posts a reply with one 10 MB text file (`multipart/form-data`,
   each file's content unique, so nothing is deduplicated) `--runs` times,
   one after another; reports the median MB/s of the whole request
   (upload, spooling, checks, hashing, the write to SQLite, the redirect).
4. Memory: for each size in `--sizes` (MB), a fresh sidecar takes 8
   uploads of that size at once (8 threads); the sidecar's peak RSS
   (`VmHWM` in /proc/PID/status) is read after its start and after the
   uploads. Peak RSS must not grow with the file size: the body is
   streamed to a spool file, never held whole.

Standard library only.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "correct horse battery"
EMAIL = "carol@example.com"
BOUNDARY = "docketBenchBoundary"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_site(docket, work):
    site = tempfile.mkdtemp(dir=work)
    shutil.copytree(os.path.join(ROOT, "themes"), os.path.join(site, "themes"))
    port = free_port()
    with open(os.path.join(site, "docket.toml"), "w") as f:
        f.write(
            f'[site]\ntitle = "Upload bench"\n\n[sidecar]\nlisten = "127.0.0.1:{port}"\n'
            "password_memory_kib = 8\npassword_iterations = 1\n"
            "rate_limit_replies = 100000\nbody_timeout_seconds = 120\n"
        )
    subprocess.run([docket, "customer", "add", EMAIL, "--password-stdin", "--site", site],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    tickets = os.path.join(site, "t.json")
    with open(tickets, "w") as f:
        json.dump([{"subject": "Bench", "requester": EMAIL, "status": "open",
                    "created_at": "2026-01-05T10:00:00Z",
                    "messages": [{"from": "customer", "body": "hi",
                                  "created_at": "2026-01-05T10:00:00Z"}]}], f)
    out = subprocess.run([docket, "ticket", "import", tickets, "--site", site],
                         text=True, check=True, capture_output=True).stdout
    return site, port, out.split()[0]


class Sidecar:
    def __init__(self, docket, site, port):
        self.port = port
        self.proc = subprocess.Popen([docket, "sidecar", "--site", site],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the sidecar did not start")

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, resp.getheaders(), data

    def peak_rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def cookie_of(headers):
    for k, v in headers:
        if k.lower() == "set-cookie" and v.startswith("docket_session="):
            return v.split(";")[0].split("=", 1)[1]
    return None


def csrf_of(body):
    return re.search(rb'name="csrf" value="([0-9a-f]+)"', body).group(1).decode()


def sign_in(side):
    _, headers, body = side.request("GET", "/login")
    anon = cookie_of(headers)
    form = f"email={EMAIL.replace('@', '%40')}&password={PASSWORD.replace(' ', '+')}&csrf={csrf_of(body)}&next="
    status, headers, _ = side.request("POST", "/login", form, {
        "Cookie": f"docket_session={anon}", "Origin": f"http://127.0.0.1:{side.port}",
        "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 303, status
    return cookie_of(headers)


def file_body(size, tag):
    line = b"2026-12-04 12:00:00 INFO bench line of a log file, nothing to see here\n"
    head = f"unique {tag} {time.time_ns()}\n".encode()
    return head + (line * (size // len(line) + 1))[: size - len(head)]


def reply(side, cookie, reference, csrf, content):
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'.encode(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="body"\r\n\r\nbench\r\n'.encode(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="bench.log"\r\n\r\n'.encode(),
        content, f"\r\n--{BOUNDARY}--\r\n".encode(),
    ]
    status, _, body = side.request("POST", f"/my/tickets/{reference}/reply", b"".join(parts), {
        "Cookie": f"docket_session={cookie}", "Origin": f"http://127.0.0.1:{side.port}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    if status != 303:
        raise SystemExit(f"upload failed: {status} {body[:300]!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docket", default=os.path.join(ROOT, "target/debug/docket"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1,10")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="docket-upload-bench-")
    mb = 1_000_000
    try:
        site, port, ref = make_site(args.docket, work)
        side = Sidecar(args.docket, site, port)
        cookie = sign_in(side)
        csrf = csrf_of(side.request("GET", f"/my/tickets/{ref}", headers={"Cookie": f"docket_session={cookie}"})[2])
        speeds = []
        for i in range(args.runs):
            content = file_body(10 * mb, i)
            start = time.perf_counter()
            reply(side, cookie, ref, csrf, content)
            speeds.append(len(content) / mb / (time.perf_counter() - start))
        side.stop()
        print(f"| one 10 MB upload | median {statistics.median(speeds):.1f} MB/s "
              f"(min {min(speeds):.1f}, max {max(speeds):.1f}, {args.runs} runs) |")
        for size in [int(s) for s in args.sizes.split(",")]:
            site, port, ref = make_site(args.docket, work)
            side = Sidecar(args.docket, site, port)
            cookie = sign_in(side)
            csrf = csrf_of(side.request("GET", f"/my/tickets/{ref}", headers={"Cookie": f"docket_session={cookie}"})[2])
            before = side.peak_rss_kib()
            bodies = [file_body(size * mb, f"c{i}") for i in range(8)]
            threads = [threading.Thread(target=reply, args=(side, cookie, ref, csrf, b)) for b in bodies]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            took = time.perf_counter() - start
            after = side.peak_rss_kib()
            side.stop()
            print(f"| 8 concurrent uploads of {size} MB | {took:.2f} s; peak RSS {before / 1024:.1f} MiB "
                  f"after start, {after / 1024:.1f} MiB after the uploads |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
