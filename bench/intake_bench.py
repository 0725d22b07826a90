#!/usr/bin/env python3
"""Inbound mail throughput: messages per second through `docket mail receive`
and through IMAP intake.

usage: bench/intake_bench.py [--docket target/release/docket]
                             [--messages 500] [--work DIR]

Generates MESSAGES realistic inquiries (plain text, a multipart
alternative with an HTML part, and ISO-2022-JP Japanese mail, each from its
own sender, so each opens a ticket, queues an acknowledgement and notifies
the agents). Then:

1. `docket mail receive`: one process per message, as an MTA's pipe
   transport runs it, first one after another, then four at a time (the
   concurrency of the Postfix example in docs/mail.md), each into a fresh
   site.
2. IMAP: starts Dovecot (Debian's dovecot-imapd) on a free port with its
   own configuration (as `nobody` when run as root), delivers the
   messages into its Maildir, starts `docket sidecar` reading it over
   imaps:// and times from the sidecar's start until every message is
   stored, and from the first stored message to the last.

Prints the figures and a Markdown table for BENCHMARKS.md.
"""
import argparse
import base64
import concurrent.futures
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def message(n):
    sender = f"customer{n}@example.net"
    kind = n % 3
    head = (
        f"From: Customer {n} <{sender}>\r\nTo: support@example.com\r\n"
        f"Date: Fri, 04 Dec 2026 09:{n % 60:02d}:00 +0000\r\n"
        f"Message-ID: <bench-{n}-{time.time_ns()}@example.net>\r\nMIME-Version: 1.0\r\n"
    )
    text = (
        f"Hello,\r\n\r\nmy printer number {n} says it is offline although it is on.\r\n"
        "I restarted it twice and checked the cable.\r\n\r\n" + "Details: " + "x" * 600 + "\r\n\r\nThanks,\r\nCustomer\r\n"
    )
    if kind == 0:
        return (head + f"Subject: Printer {n} offline\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text).encode()
    if kind == 1:
        html = "<p>" + text.replace("\r\n", "<br>") + "</p>"
        return (
            head + f"Subject: Invoice {n}\r\nContent-Type: multipart/alternative; boundary=b{n}\r\n\r\n"
            f"--b{n}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
            f"--b{n}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b{n}--\r\n"
        ).encode()
    body = f"お世話になっております。\r\nプリンター{n}がオフラインのままです。\r\nよろしくお願いいたします。\r\n"
    return (
        head.encode()
        + f"Subject: =?ISO-2022-JP?B?{base64.b64encode('プリンター'.encode('iso2022_jp')).decode()}?= {n}\r\n".encode()
        + b"Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
        + body.encode("iso2022_jp")
    )


def make_site(work, name, extra=""):
    site = os.path.join(work, name)
    shutil.rmtree(site, ignore_errors=True)
    os.makedirs(site)
    shutil.copytree(os.path.join(REPO, "themes"), os.path.join(site, "themes"))
    port = free_port()
    with open(os.path.join(site, "docket.toml"), "w") as f:
        f.write(
            f'[site]\ntitle = "Bench"\n\n[sidecar]\nlisten = "127.0.0.1:{port}"\n'
            "password_memory_kib = 8\npassword_iterations = 1\n"
            '\n[sidecar.mail]\nnotify = "agents@example.com"\n' + extra
        )
    return site


def stored(site):
    try:
        with sqlite3.connect(os.path.join(site, "docket.db"), timeout=5) as c:
            return c.execute("SELECT count(*) FROM inbound_mail").fetchone()[0]
    except sqlite3.Error:
        return 0


def receive_all(docket, site, messages, workers):
    def one(raw):
        r = subprocess.run([docket, "mail", "receive", "--site", site], input=raw, capture_output=True)
        if r.returncode != 0:
            sys.exit(f"mail receive failed ({r.returncode}): {r.stderr.decode()}")

    # The first message creates and migrates the database; not timed.
    one(messages[0])
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, messages[1:]))
    elapsed = time.perf_counter() - start
    assert stored(site) == len(messages), "not every message was stored"
    return (len(messages) - 1) / elapsed


def dovecot(work):
    root = os.path.join(work, "dovecot")
    shutil.rmtree(root, ignore_errors=True)
    for sub in ["run", "state", "home/support/Maildir/new", "home/support/Maildir/cur", "home/support/Maildir/tmp"]:
        os.makedirs(os.path.join(root, sub))
    # A throwaway CA and a localhost certificate it signs.
    with open(f"{root}/san.ext", "w") as f:
        f.write("subjectAltName=DNS:localhost\n")
    for cmd in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=bench CA",
         "-keyout", f"{root}/ca.key", "-out", f"{root}/ca.pem"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
         "-keyout", f"{root}/key.pem", "-out", f"{root}/req.csr"],
        ["x509", "-req", "-in", f"{root}/req.csr", "-CA", f"{root}/ca.pem", "-CAkey", f"{root}/ca.key",
         "-CAcreateserial", "-days", "1", "-extfile", f"{root}/san.ext", "-out", f"{root}/cert.pem"],
    ):
        subprocess.run(["openssl"] + cmd, check=True, capture_output=True)
    with open(f"{root}/passwd", "w") as f:
        f.write("support:{PLAIN}benchpass::::::\n")
    as_root = os.getuid() == 0
    if as_root:
        import pwd
        pw = pwd.getpwnam("nobody")
        user, group, uid, gid = "nobody", "nogroup", pw.pw_uid, pw.pw_gid
    else:
        import grp
        import pwd
        user, uid, gid = pwd.getpwuid(os.getuid()).pw_name, os.getuid(), os.getgid()
        group = grp.getgrgid(gid).gr_name
    port = free_port()
    conf = f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
first_valid_gid = {gid}
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
"""
    with open(f"{root}/dovecot.conf", "w") as f:
        f.write(conf)
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    cmd = [binary, "-F", "-c", f"{root}/dovecot.conf"]
    if as_root:
        subprocess.run(["chown", "-R", "nobody:nogroup", root], check=True)
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                sys.exit("dovecot did not start: " + open(f"{root}/dovecot.log").read())
            time.sleep(0.05)
    return proc, root, port


def imap_run(docket, work, messages):
    proc, root, port = dovecot(work)
    try:
        maildir = f"{root}/home/support/Maildir"
        for n, raw in enumerate(messages):
            name = f"{int(time.time())}.M{n}.bench"
            with open(f"{maildir}/tmp/{name}", "wb") as f:
                f.write(raw)
            os.rename(f"{maildir}/tmp/{name}", f"{maildir}/new/{name}")
        site = make_site(
            work,
            "site-imap",
            f'\n[sidecar.mail.inbound]\nimap_url = "imaps://support:benchpass@localhost:{port}/INBOX"\n'
            f'ca_file = "{root}/ca.pem"\n',
        )
        start = time.perf_counter()
        sidecar = subprocess.Popen([docket, "sidecar", "--site", site], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            first = None
            deadline = time.time() + 600
            while True:
                n = stored(site)
                if n and first is None:
                    first = time.perf_counter()
                if n >= len(messages):
                    break
                if time.time() > deadline:
                    sys.exit(f"IMAP intake stored {n} of {len(messages)}")
                time.sleep(0.01)
            end = time.perf_counter()
        finally:
            sidecar.terminate()
            sidecar.wait()
        return len(messages) / (end - start), (len(messages) - 1) / (end - first)
    finally:
        proc.terminate()
        proc.wait()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--docket", default=os.path.join(REPO, "target/release/docket"))
    p.add_argument("--messages", type=int, default=500)
    p.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "docket-intake-bench"))
    a = p.parse_args()
    docket = os.path.abspath(a.docket)
    os.makedirs(a.work, exist_ok=True)
    messages = [message(n) for n in range(a.messages)]
    rows = []
    for workers in (1, 4):
        rate = receive_all(docket, make_site(a.work, f"site-pipe-{workers}"), messages, workers)
        print(f"mail receive, {workers} at a time: {rate:.0f} messages/s", file=sys.stderr)
        rows.append((f"`docket mail receive`, {workers} process{'es' if workers > 1 else ''} at a time", f"{rate:.0f}"))
    overall, steady = imap_run(docket, a.work, messages)
    print(f"IMAP: {overall:.0f} messages/s from the sidecar's start, {steady:.0f} once fetching", file=sys.stderr)
    rows.append(("IMAP (imaps://, Dovecot on loopback), from the sidecar's start", f"{overall:.0f}"))
    rows.append(("IMAP, first stored message to last", f"{steady:.0f}"))
    print(f"\n| path ({a.messages} messages) | messages/s |\n| --- | ---: |")
    for path, rate in rows:
        print(f"| {path} | {rate} |")


if __name__ == "__main__":
    main()
