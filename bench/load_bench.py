#!/usr/bin/env python3
"""Load benchmark of `docket sidecar` with wrk, against nginx as reference.

usage: bench/load_bench.py [--docket target/release/docket] [--duration 30]
                           [--connections 64] [--threads 2] [--runs 1]
                           [--tickets 100000] [--reply-customers 64]
                           [--scenarios nginx,internal,tickets,replies]
                           [--work DIR] [--keep]

What it does, in order:

1. Installs `wrk` and `nginx` with apt-get when either is missing.
2. Builds `cargo build --release` unless `--docket` names a binary.
3. Copies this repository's example site (content/, themes/) into a temp
   folder with a docket.toml of its own and runs `docket build`, so there is
   an internal bundle with internal articles.
4. Creates the accounts with `docket agent add` / `docket customer add`
   (`--password-stdin`) and imports the tickets with `docket ticket import`
   from a generated JSON file: 100,000 tickets in all, exactly 50 of them
   for the "My Tickets" customer, some for each reply customer, the rest
   spread over many other requesters.
5. Starts `docket sidecar --site DIR` on a free loopback port and signs in
   over HTTP like a browser (GET /login for the CSRF token and anonymous
   session, POST /login with an Origin header, GET /api/session for the new
   session's CSRF token).
6. Starts nginx (no root daemon: `daemon off`, temp prefix and config) on
   another free loopback port, serving the same internal bundle.
7. Runs wrk (`--latency`, a Lua `done()` printing JSON) for each scenario:
   nginx and the sidecar on the same internal article, a customer's
   `/my/tickets`, and customers posting replies (form body with the `csrf`
   field, session cookie, Origin header; rotating over the reply customers
   and their tickets). After the reply run it counts the new messages in the
   database: every answered reply must be there.
8. Prints a Markdown table and exits 1 when any request failed (status
   >= 400, socket errors, or replies missing from the database).

Standard library only (Python 3.11).
"""
import argparse
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "load test password 1"
AGENT = "load-agent@example.com"
LIST_CUSTOMER = "load-list@example.com"
LIST_TICKETS = 50
SCENARIOS = ["nginx", "internal", "tickets", "replies"]


# ---------------------------------------------------------------- setup


def ensure_tools():
    """apt-get install wrk and nginx, only when one of them is missing."""
    missing = [p for p, exe in (("wrk", "wrk"), ("nginx", "nginx")) if not find_exe(exe)]
    if not missing:
        return
    print(f"installing {' '.join(missing)} with apt-get", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "install", "-y", *missing], env=env).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", *missing], env=env, check=True)


def find_exe(name):
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/sbin", "/usr/local/sbin"):
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK):
            return path
    return None


def docket_binary(arg):
    if arg:
        return os.path.abspath(arg)
    subprocess.run(["cargo", "build", "--release", "--locked"], cwd=REPO, check=True)
    return os.path.join(REPO, "target", "release", "docket")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_site(work, port, reply_customers):
    """The example site's content and themes with a docket.toml for the run."""
    site = os.path.join(work, "site")
    os.makedirs(site)
    for folder in ("content", "themes"):
        shutil.copytree(os.path.join(REPO, folder), os.path.join(site, folder))
    # The sign-ins below all come from 127.0.0.1; the per-client login limit
    # (30 per 15 minutes by default) would refuse most of them. This is the
    # documented `rate_limit_per_client` key, raised for this one site.
    per_client = max(30, reply_customers + 20)
    with open(os.path.join(site, "docket.toml"), "w", encoding="utf-8") as f:
        f.write(
            f"""[site]
title = "Load Test Help"
base_url = "http://127.0.0.1:{port}"
default_language = "en"

[languages.ja]
title = "Load Test Help (ja)"

[sidecar]
listen = "127.0.0.1:{port}"
database = "load.db"
rate_limit_per_client = {per_client}

[sidecar.mail]
outbox = "outbox"
from = "support@example.com"
"""
        )
    return site


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def build_site(docket, site):
    run([docket, "build", "--site", site], stdout=subprocess.DEVNULL)
    internal = os.path.join(site, "internal")
    public = os.path.join(site, "public")
    # An article only the internal bundle has (tagged internal).
    for dirpath, _, files in sorted(os.walk(internal)):
        if "index.html" not in files:
            continue
        rel = os.path.relpath(dirpath, internal)
        if rel == "." or rel.count(os.sep) < 2:
            continue
        if not os.path.exists(os.path.join(public, rel, "index.html")):
            return "/" + rel.replace(os.sep, "/") + "/"
    sys.exit("no internal-only article found in the built site")


def add_account(docket, site, role, email):
    run(
        [docket, role, "add", email, "--password-stdin", "--site", site],
        input=PASSWORD + "\n",
        text=True,
        stdout=subprocess.DEVNULL,
    )


def reply_customer(i):
    return f"load-reply-{i:03}@example.com"


def make_tickets(total, reply_customers, per_reply_customer):
    """The import records and, in file order, each record's requester."""
    requesters = [LIST_CUSTOMER] * LIST_TICKETS
    for i in range(reply_customers):
        requesters += [reply_customer(i)] * per_reply_customer
    rest = total - len(requesters)
    if rest < 0:
        sys.exit("--tickets is too small for the customers asked for")
    # The rest: 5 tickets each for many other requesters.
    requesters += [f"other-{n // 5:06}@example.org" for n in range(rest)]
    statuses = ["new", "open", "pending", "resolved", "closed"]
    base = 1_700_000_000
    records = []
    for n, requester in enumerate(requesters):
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + n * 60))
        records.append(
            {
                "subject": f"Load ticket {n}",
                "requester": requester,
                "status": statuses[n % 5],
                "created_at": at,
                "messages": [
                    {"from": "customer", "body": f"Question number {n}.", "created_at": at}
                ],
            }
        )
    return records, requesters


def import_tickets(docket, site, work, records):
    path = os.path.join(work, "tickets.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(records, f)
    out = run(
        [docket, "ticket", "import", path, "--site", site],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ).stdout
    refs = out.split()
    if len(refs) != len(records):
        sys.exit(f"import printed {len(refs)} references for {len(records)} tickets")
    return refs


# ---------------------------------------------------------------- HTTP


class Browser:
    """Just enough of a browser: one cookie, Origin on posts."""

    def __init__(self, port):
        self.port = port
        self.cookie = None

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {}
        if self.cookie:
            headers["Cookie"] = f"docket_session={self.cookie}"
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            for name, value in resp.getheaders():
                if name.lower() == "set-cookie" and value.startswith("docket_session="):
                    self.cookie = value.split(";", 1)[0].split("=", 1)[1] or None
            return resp.status, resp.getheader("Location"), text
        finally:
            conn.close()

    def sign_in(self, email):
        status, _, page = self.request("GET", "/login")
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
        if status != 200 or not token:
            sys.exit(f"GET /login: {status}, no CSRF token")
        form = {"csrf": token.group(1), "next": "", "email": email, "password": PASSWORD}
        status, location, _ = self.request("POST", "/login", form)
        if status != 303:
            sys.exit(f"POST /login as {email}: {status}")
        status, _, text = self.request("GET", "/api/session")
        session = json.loads(text)
        if status != 200 or not session.get("authenticated"):
            sys.exit(f"not signed in as {email}: {text}")
        return self.cookie, session["csrf"]


def wait_http(port, path, deadline_s=60, proc=None):
    deadline = time.time() + deadline_s
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            sys.exit(f"server exited early with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing answered on port {port}")


def start_sidecar(docket, site, work):
    log = open(os.path.join(work, "sidecar.log"), "w")
    proc = subprocess.Popen(
        [docket, "sidecar", "--site", site], stdout=log, stderr=subprocess.STDOUT
    )
    return proc, log


def start_nginx(work, root, port, article):
    # nginx started as root serves with workers running as `nobody`, which
    # cannot enter mkdtemp's 0700 folder: every request would be a cheap
    # 403. Open the folders on the way to the bundle for reading.
    folder = root
    while True:
        os.chmod(folder, os.stat(folder).st_mode | 0o055)
        if os.path.samefile(folder, work):
            break
        folder = os.path.dirname(folder)
    prefix = os.path.join(work, "nginx")
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w", encoding="utf-8") as f:
        # Close to Debian's default nginx.conf: worker per core, sendfile,
        # keep-alive, an access log.
        f.write(
            f"""daemon off;
master_process on;
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location /internal/ {{
            alias {root}/;
        }}
    }}
}}
"""
        )
    nginx = find_exe("nginx")
    proc = subprocess.Popen([nginx, "-p", prefix, "-c", conf], stderr=subprocess.DEVNULL)
    wait_http(port, "/internal/", proc=proc)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", f"/internal{article}")
    status = conn.getresponse().status
    conn.close()
    if status != 200:
        stop(proc)
        sys.exit(f"nginx answered {status} for the reference article, not 200")
    return proc


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- wrk

DONE_LUA = r"""
local threads = {}
statuses = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do
      counts[tostring(code)] = (counts[tostring(code)] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%s": %d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'LOADJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, "status_errors": %d, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status,
    table.concat(parts, ", ")))
end
"""


def lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def get_script(cookie):
    head = "wrk.method = \"GET\"\n"
    if cookie:
        head += f'wrk.headers["Cookie"] = {lua_string("docket_session=" + cookie)}\n'
    return head + DONE_LUA


def reply_script(port, posts):
    """Each request posts the next (cookie, csrf, ref) of `posts`, so the
    replies rotate over the customers and their tickets."""
    rows = ",\n".join(
        "  {%s, %s, %s}" % (lua_string(c), lua_string(t), lua_string(r)) for c, t, r in posts
    )
    return (
        f"""local posts = {{
{rows}
}}
local origin = "http://127.0.0.1:{port}"
local n = 0

function init(args)
  -- threads start at different places in the list
  n = math.random(#posts)
end

function request()
  n = n % #posts + 1
  local p = posts[n]
  local body = "csrf=" .. p[2] .. "&body=Load+test+reply+number+" .. n .. "%2C+thanks%21"
  return wrk.format("POST", "/my/tickets/" .. p[3] .. "/reply", {{
    ["Cookie"] = "docket_session=" .. p[1],
    ["Origin"] = origin,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }}, body)
end
"""
        + DONE_LUA
    )


def run_wrk(work, name, url, script, args):
    path = os.path.join(work, f"{name}.lua")
    with open(path, "w", encoding="utf-8") as f:
        f.write(script)
    cmd = [
        find_exe("wrk"),
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        path,
        url,
    ]
    print("$ " + " ".join(cmd), file=sys.stderr)
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    with open(os.path.join(work, f"{name}.wrk.txt"), "a", encoding="utf-8") as f:
        f.write(out)
    line = next((l for l in out.splitlines() if l.startswith("LOADJSON ")), None)
    if line is None:
        sys.exit(f"wrk printed no summary:\n{out}")
    result = json.loads(line[len("LOADJSON "):])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["socket_errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    # Failed responses: wrk's own count (status > 399) and, to be sure,
    # anything outside 2xx/3xx in the per-status counts.
    bad = sum(n for code, n in result["statuses"].items() if not 200 <= int(code) < 400)
    result["http_errors"] = max(result["status_errors"], bad)
    result["failed"] = 0
    return result


def customer_messages(db_path):
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT COUNT(*) FROM ticket_messages WHERE author_role = 'customer' AND author_account_id IS NOT NULL"
        ).fetchone()[0]
    finally:
        conn.close()


# ---------------------------------------------------------------- report


def ms(us):
    return f"{us / 1000:.2f} ms"


def table(rows, nginx_rps):
    lines = [
        "| scenario | req/s | p50 | p99 | non-2xx/3xx | socket errors | requests | notes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, r in rows:
        notes = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
        if name == "internal" and nginx_rps:
            notes += f"; {r['rps'] / nginx_rps:.2f}× nginx"
        if r.get("missing") is not None:
            notes += f"; replies missing in DB: {r['missing']}"
        lines.append(
            f"| {LABELS[name]} | {r['rps']:,.0f} | {ms(r['p50_us'])} | {ms(r['p99_us'])} | "
            f"{r['http_errors']} | {r['socket_errors']} | {r['requests']:,} | {notes} |"
        )
    return "\n".join(lines)


LABELS = {
    "nginx": "nginx, internal article",
    "internal": "sidecar, agent GET internal article",
    "tickets": "sidecar, customer GET /my/tickets (50 of 100k)",
    "replies": "sidecar, customers POST reply",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docket", help="docket binary (default: cargo build --release)")
    ap.add_argument("--duration", type=int, default=30, help="seconds per scenario")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--runs", type=int, default=1, help="repeat all scenarios")
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--reply-customers", type=int, default=64)
    ap.add_argument("--reply-tickets", type=int, default=4, help="tickets per reply customer")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--work", help="work folder (default: a temp folder)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        sys.exit(f"unknown scenarios: {', '.join(sorted(unknown))}")

    ensure_tools()
    docket = docket_binary(args.docket)
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix="docket-load-")
    os.makedirs(work, exist_ok=True)
    procs = []
    try:
        port, nginx_port = free_port(), free_port()
        site = write_site(work, port, args.reply_customers)
        t0 = time.time()
        article = build_site(docket, site)
        add_account(docket, site, "agent", AGENT)
        add_account(docket, site, "customer", LIST_CUSTOMER)
        for i in range(args.reply_customers):
            add_account(docket, site, "customer", reply_customer(i))
        records, requesters = make_tickets(args.tickets, args.reply_customers, args.reply_tickets)
        refs = import_tickets(docket, site, work, records)
        del records
        print(
            f"site, {len(refs):,} tickets and {args.reply_customers + 2} accounts ready in "
            f"{time.time() - t0:.1f} s; internal article {article}",
            file=sys.stderr,
        )

        sidecar, log = start_sidecar(docket, site, work)
        procs.append(sidecar)
        wait_http(port, "/healthz", proc=sidecar)
        agent_cookie, _ = Browser(port).sign_in(AGENT)
        list_cookie, _ = Browser(port).sign_in(LIST_CUSTOMER)
        refs_of = {}
        for ref, requester in zip(refs, requesters):
            refs_of.setdefault(requester, []).append(ref)
        posts = []
        for i in range(args.reply_customers):
            cookie, csrf = Browser(port).sign_in(reply_customer(i))
            posts += [(cookie, csrf, r) for r in refs_of[reply_customer(i)]]

        # Check each scenario once by hand before loading it.
        checker = Browser(port)
        checker.cookie = agent_cookie
        status, _, page = checker.request("GET", "/internal" + article)
        if status != 200 or "<html" not in page:
            sys.exit(f"GET /internal{article} as the agent: {status}")
        checker.cookie = list_cookie
        status, _, page = checker.request("GET", "/my/tickets")
        if status != 200 or page.count("/my/tickets/") < 25:
            sys.exit(f"GET /my/tickets: {status}")

        nginx = None
        if "nginx" in scenarios:
            nginx = start_nginx(work, os.path.join(site, "internal"), nginx_port, article)
            procs.append(nginx)

        db_path = os.path.join(site, "load.db")
        results = {name: [] for name in scenarios}
        for run_no in range(args.runs):
            for name in scenarios:
                if name == "nginx":
                    r = run_wrk(work, name, f"http://127.0.0.1:{nginx_port}/internal{article}", get_script(None), args)
                elif name == "internal":
                    r = run_wrk(work, name, f"http://127.0.0.1:{port}/internal{article}", get_script(agent_cookie), args)
                elif name == "tickets":
                    r = run_wrk(work, name, f"http://127.0.0.1:{port}/my/tickets", get_script(list_cookie), args)
                else:
                    before = customer_messages(db_path)
                    r = run_wrk(work, name, f"http://127.0.0.1:{port}/", reply_script(port, posts), args)
                    time.sleep(0.5)
                    added = customer_messages(db_path) - before
                    answered = sum(n for code, n in r["statuses"].items() if code == "303")
                    # Every 303 must be in the database; replies still in
                    # flight when wrk stopped may add up to one per connection.
                    r["missing"] = max(0, answered - added)
                    r["failed"] = r["missing"]
                results[name].append(r)
                print(
                    f"run {run_no + 1} {name}: {r['rps']:,.0f} req/s, p50 {ms(r['p50_us'])}, "
                    f"p99 {ms(r['p99_us'])}, errors {r['http_errors'] + r['socket_errors']}",
                    file=sys.stderr,
                )

        rows = []
        for name in scenarios:
            for r in results[name]:
                rows.append((name, r))
        nginx_rps = statistics.median(r["rps"] for r in results["nginx"]) if "nginx" in results else None
        print(f"\n{args.connections} connections, {args.threads} wrk threads, {args.duration} s per scenario, "
              f"{args.runs} run(s), nproc {os.cpu_count()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
        print(table(rows, nginx_rps))
        if nginx_rps and "internal" in results:
            internal = statistics.median(r["rps"] for r in results["internal"])
            print(f"\ninternal / nginx (medians): {internal / nginx_rps:.2f}")
        errors = sum(
            r["http_errors"] + r["socket_errors"] + r["failed"] for rs in results.values() for r in rs
        )
        if errors:
            print(f"\n{errors} failed requests", file=sys.stderr)
            return 1
        return 0
    finally:
        for proc in reversed(procs):
            stop(proc)
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
        elif args.keep or args.work:
            print(f"work folder kept: {work}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
