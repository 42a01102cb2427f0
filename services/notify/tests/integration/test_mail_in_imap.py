"""IMAP polling against a real IMAP server (pymap) that the test starts."""

from __future__ import annotations

import imaplib
import json
import shutil
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from notify_cast import meet_the_cast
from notify_support import free_port, wait_for

PYMAP = Path(sys.executable).parent / "pymap"
USER, PASSWORD, FOLDER = "demouser", "demopass", "Servicedesk"


@pytest.fixture
def imap_server():
    if not PYMAP.exists() and not shutil.which("pymap"):
        pytest.fail("pymap is missing: `make install` installs it (requirements-dev.txt)")
    port = free_port()
    process = subprocess.Popen([str(PYMAP), "--port", str(port), "--host", "127.0.0.1", "dict", "--demo-data"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def client():
        try:
            imap = imaplib.IMAP4("127.0.0.1", port, timeout=5)
        except OSError:
            return None
        imap.login(USER, PASSWORD)
        return imap

    imap = wait_for(client, timeout=20)
    assert imap, "the IMAP server did not start"
    imap.create(FOLDER)
    yield port, imap
    imap.logout()
    process.terminate()
    process.wait(10)


def append(imap, sender: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "sag@sd.example", subject
    message.set_content(body)
    imap.append(FOLDER, "", imaplib.Time2Internaldate(time.time()), message.as_bytes())


def unseen(imap) -> int:
    imap.select(FOLDER)
    _, found = imap.search(None, "UNSEEN")
    return len((found[0] or b"").split())


def test_polled_mail_is_published_and_marked_seen_and_a_mail_that_must_wait_stays_unseen(
        start_notify, mail_catcher, imap_server, published):
    port, imap = imap_server
    append(imap, "Anne Hansen <anne@kunde.example>", "SV: [SAG 2611-0042] printer",
           "Den virker nu.\n\nDen tor. 26. nov. 2026 kl. 10.06 skrev Servicedesk <sag@sd.example>:\n> Kære Anne")
    append(imap, "ny@ukendt.example", "Hjælp", "Jeg er ny her.")  # unknown sender, gateway away: must wait
    notify = start_notify(mail_catcher.url, IMAP_URL=f"imap://{USER}:{PASSWORD}@127.0.0.1:{port}/{FOLDER}",
                          IMAP_POLL_SECONDS="0.3")
    meet_the_cast(notify)

    events = wait_for(lambda: [json.loads(m.body)["data"] for m in published()], timeout=30)
    assert [(e["from_email"], e["body"], e["case_number"]) for e in events] == [
        ("anne@kunde.example", "Den virker nu.", "SAG 2611-0042")]
    assert wait_for(lambda: unseen(imap) == 1), "the taken mail is marked seen, the waiting one is not"
