#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) that keeps every message it accepts as files: the SMTP client's
test server, and the mail sink of the local demo.

    smtp_sink.py --port P --dir DIR [--tls-cert C --tls-key K] [--require-starttls]
                 [--implicit-tls] [--auth USER:PASS] [--reject-rcpt SUBSTRING]
                 [--late-reply-rcpt SUBSTRING:SECONDS]

Listens on 127.0.0.1 (--port 0 lets the kernel choose) and prints `ready <port>` once it does.
Each message becomes DIR/<n>-<timestamp>.eml, the raw bytes as received (after the SMTP layer
removed dot-stuffing), and DIR/<n>-<timestamp>.json: the envelope (mail_from, rcpt_tos) and what
Python's standard e-mail parser reads from the message (subject, from, to, date, message_id, and
each text part decoded), so tests check the message with a parser that is not ours.

--tls-cert/--tls-key offer STARTTLS (--require-starttls refuses mail before it) or, with
--implicit-tls, speak TLS from the first byte (port 465 style). --auth requires AUTH PLAIN or
LOGIN with these credentials (after TLS when TLS is configured). --reject-rcpt answers 550 to
recipients containing SUBSTRING. --late-reply-rcpt keeps the first message to a recipient
containing SUBSTRING but answers it only after SECONDS (a server that took a mail and then was
slow to say so: the client's time-out fires and it sends again). SIGTERM or SIGINT stops it.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import logging
import pathlib
import signal
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_arguments():
    parser = argparse.ArgumentParser(description="Keep every mail received over SMTP as files.")
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--dir", required=True, help="folder for the .eml files and their .json envelopes")
    parser.add_argument("--tls-cert", help="PEM certificate (chain) of the server")
    parser.add_argument("--tls-key", help="PEM private key of the server")
    parser.add_argument("--require-starttls", action="store_true", help="refuse mail before STARTTLS")
    parser.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte instead of STARTTLS")
    parser.add_argument("--auth", metavar="USER:PASS", help="require AUTH with these credentials")
    parser.add_argument("--reject-rcpt", metavar="SUBSTRING", help="answer 550 to recipients containing it")
    parser.add_argument("--late-reply-rcpt", metavar="SUBSTRING:SECONDS",
                        help="keep the first mail to recipients containing SUBSTRING, answer it SECONDS late")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the process that started it ends (a test run's shared sink)")
    arguments = parser.parse_args()
    if bool(arguments.tls_cert) != bool(arguments.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if (arguments.require_starttls or arguments.implicit_tls) and not arguments.tls_cert:
        parser.error("--require-starttls and --implicit-tls need --tls-cert and --tls-key")
    if arguments.auth and ":" not in arguments.auth:
        parser.error("--auth takes USER:PASS")
    if arguments.late_reply_rcpt:
        substring, _, seconds = arguments.late_reply_rcpt.rpartition(":")
        try:
            arguments.late_reply_rcpt = (substring, float(seconds))
        except ValueError:
            parser.error("--late-reply-rcpt takes SUBSTRING:SECONDS")
    return arguments


def summary(raw):
    """What the standard library's parser reads from the message: headers decoded, text parts decoded."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        try:
            text = part.get_content()
        except (LookupError, ValueError) as error:
            text = f"<undecodable: {error}>"
        parts.append({"content_type": part.get_content_type(), "text": text})
    return {
        "subject": str(message.get("subject", "")),
        "from": str(message.get("from", "")),
        "to": str(message.get("to", "")),
        "date": str(message.get("date", "")),
        "message_id": str(message.get("message-id", "")),
        "content_type": message.get_content_type(),
        "parts": parts,
        "defects": [type(defect).__name__ for defect in message.defects],
    }


class Sink:
    """aiosmtpd's handler: refuses the recipients it was told to, writes the rest to files."""

    def __init__(self, directory, reject_rcpt, late_reply_rcpt):
        self.directory = directory
        self.reject_rcpt = reject_rcpt
        self.late_reply_rcpt = late_reply_rcpt
        self.answered_late = set()
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_rcpt and self.reject_rcpt in address:
            return "550 5.1.1 Recipient refused by smtp_sink --reject-rcpt"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = self.directory / f"{self.count}-{time.strftime('%Y%m%dT%H%M%S')}"
        raw = envelope.original_content or envelope.content
        stem.with_suffix(".eml").write_bytes(raw)
        record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}
        try:
            record.update(summary(raw))
        except Exception as error:  # a sink keeps the raw bytes even when they do not parse
            record["parse_error"] = repr(error)
        stem.with_suffix(".json").write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        print(f"mail {self.count}: {envelope.mail_from} -> {', '.join(envelope.rcpt_tos)}: "
              f"{record.get('subject', '?')!r} ({stem}.eml)", flush=True)
        if self.late_reply_rcpt:
            substring, seconds = self.late_reply_rcpt
            late = [address for address in envelope.rcpt_tos
                    if substring in address and address not in self.answered_late]
            if late:
                self.answered_late.update(late)
                await asyncio.sleep(seconds)
        return "250 2.0.0 Message accepted for delivery"


def authenticator(user, password):
    expected = LoginPassword(user.encode(), password.encode())

    def check(server, session, envelope, mechanism, auth_data):
        # handled=False: aiosmtpd then answers 535 itself (handled=True would leave the client waiting).
        return AuthResult(success=isinstance(auth_data, LoginPassword) and auth_data == expected, handled=False)

    return check


async def watch_parent(parent, stop):
    """Sets `stop` once the process that started the sink has ended (the sink is re-parented)."""
    while os.getppid() == parent:
        await asyncio.sleep(1)
    stop.set()


async def serve(arguments):
    directory = pathlib.Path(arguments.dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    context = None
    if arguments.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(arguments.tls_cert, arguments.tls_key)
    options = {"hostname": "smtp-sink.localhost", "ident": "Gatehouse smtp_sink"}
    if arguments.auth:
        user, password = arguments.auth.split(":", 1)
        options.update(authenticator=authenticator(user, password), auth_required=True,
                       auth_require_tls=context is not None)
    if context and not arguments.implicit_tls:
        options.update(tls_context=context, require_starttls=arguments.require_starttls)
    handler = Sink(directory, arguments.reject_rcpt, arguments.late_reply_rcpt)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, **options), "127.0.0.1", arguments.port,
                                      ssl=context if arguments.implicit_tls else None)
    port = server.sockets[0].getsockname()[1]
    mode = "implicit TLS" if arguments.implicit_tls else ("STARTTLS" if context else "plain text")
    print(f"smtp_sink: SMTP on 127.0.0.1:{port} ({mode}{', AUTH required' if arguments.auth else ''}); "
          f"mail goes to {directory}", file=sys.stderr, flush=True)
    print(f"ready {port}", flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if arguments.exit_with_parent:
        loop.create_task(watch_parent(os.getppid(), stop))
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    # aiosmtpd logs a warning about its own deprecated attribute on every AUTH; the sink's output is for people.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    asyncio.run(serve(parse_arguments()))
