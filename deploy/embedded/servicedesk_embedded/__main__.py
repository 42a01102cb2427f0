"""``servicedesk-embedded``: start the whole system on this machine, with demo data on first start."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from servicekit.logs import configure_logging

from .demo import DEMO_PASSWORD, demo_logins, load_demo_data_once
from .mailsink import MailSink
from .system import EmbeddedSystem, port_of

log = logging.getLogger("servicedesk.embedded")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="servicedesk-embedded", description=__doc__)
    parser.add_argument("--data-dir", default=os.environ.get("SERVICEDESK_DATA_DIR", "var"),
                        help="where the SQLite files, keys, attachments and kept mails live (default: ./var)")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo data on first start")
    args = parser.parse_args(argv)
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"), os.environ.get("LOG_FORMAT", "text"))
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line-by-line SMTP dialogue
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())

    data_dir = Path(args.data_dir)
    sink = None
    if not os.environ.get("SMTP_URL"):
        sink = MailSink(data_dir.resolve() / "mail", int(os.environ.get("MAIL_SINK_PORT", "1025")))
        sink.start()
    admin_password = os.environ.get("ADMIN_PASSWORD") or (DEMO_PASSWORD if not args.no_demo else None)
    environ = dict(os.environ)
    if admin_password:
        environ["ADMIN_PASSWORD"] = admin_password
    system = EmbeddedSystem(data_dir, base_environ=environ, smtp_url=sink.url if sink else None)
    system.build()
    system.start()
    if not args.no_demo:
        loader = threading.Thread(target=load_demo_data_once, args=(system, admin_password), daemon=True)
        loader.start()
        while loader.is_alive() and not stopped.wait(0.2):
            pass
    if not stopped.is_set():
        print_welcome(system, sink, show_demo=not args.no_demo and not os.environ.get("ADMIN_PASSWORD"))
    failure = wait_for_a_signal_or_a_failure(stopped, system)
    system.stop()
    if sink:
        sink.stop()
    if failure:
        sys.exit(1)


def wait_for_a_signal_or_a_failure(stopped: threading.Event, system: EmbeddedSystem) -> str | None:
    """Run until SIGTERM or SIGINT (None), or until a worker stops by itself: then the whole process stops,
    with the reason, as a worker process of the real deployment would."""
    while not stopped.wait(0.5):
        if failure := system.failure():
            log.error("stopping: a worker failed (%s)", failure)
            return failure
    log.info("stopping")
    return None


def print_welcome(system: EmbeddedSystem, sink: MailSink | None, show_demo: bool) -> None:
    gateway = f"http://127.0.0.1:{port_of('gateway', system.base)}"
    print(f"\nservicedesk is running: {gateway}  (Ctrl+C stops it)", flush=True)
    if show_demo:
        print(f"\nDemo log-ins, all with the password {DEMO_PASSWORD!r} (local use only):", flush=True)
        for who, email, role in demo_logins():
            print(f"  {email:34} {who:22} {role}", flush=True)
    if sink:
        print(f"outgoing mail is kept in {sink.folder}", flush=True)


if __name__ == "__main__":
    main()
