#!/usr/bin/env python3
"""The SMTP server of sidecar/tests/smtp_tls.rs: aiosmtpd with TLS and AUTH.

Modes: `starttls` (STARTTLS offered and required before anything else),
`implicit` (TLS from the first byte, as for smtps://), `plain` (no TLS
offered at all, as when an attacker strips STARTTLS; AUTH still offered).
AUTH PLAIN/LOGIN accepts only the user and password given. Recipients
given with --reject are refused for good (550, as for an unknown user).
Each message is saved to a maildir. Runs until killed.
"""

import argparse
import ssl
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler(Mailbox):
    """A maildir that refuses some recipients with a permanent error."""

    def __init__(self, maildir, reject):
        super().__init__(maildir)
        self.reject = {r.lower() for r in reject}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--mode", choices=["starttls", "implicit", "plain"], required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--reject", action="append", default=[])
    a = p.parse_args()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == a.user.encode()
            and auth_data.password == a.password.encode()
        )
        return AuthResult(success=ok, handled=False)

    # aiosmtpd counts only STARTTLS as TLS, so AUTH is offered before TLS
    # in the implicit mode (where the socket is TLS from the start) and in
    # the plain mode (where an attacker would want the password).
    kwargs = {"authenticator": authenticator, "auth_require_tls": a.mode == "starttls"}
    if a.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)
        if a.mode == "starttls":
            kwargs["tls_context"] = context
            kwargs["require_starttls"] = True
        else:
            kwargs["ssl_context"] = context
    controller = Controller(Handler(a.maildir, a.reject), hostname="127.0.0.1", port=a.port, **kwargs)
    controller.start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
