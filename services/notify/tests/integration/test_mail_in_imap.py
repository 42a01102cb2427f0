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


def append(imap, sender: str, subject: str, body: str, return_path: str | None = None) -> None:
    message = EmailMessage()
    if return_path is not None:
        message["Return-Path"] = return_path  # as the delivering server writes it
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


def poller_for(start_notify, mail_catcher, port):
    notify = start_notify(mail_catcher.url, IMAP_URL=f"imap://{USER}:{PASSWORD}@127.0.0.1:{port}/{FOLDER}",
                          IMAP_POLL_SECONDS="0.3")
    meet_the_cast(notify)
    return notify


def inbound_rows(notify):
    from sqlalchemy import select

    from notify.models import InboundMail

    with notify.database.transaction() as session:
        return [(r.from_email, r.outcome, r.reason) for r in session.scalars(select(InboundMail))]


def test_a_bounce_is_known_by_its_empty_return_path_and_not_published(start_notify, mail_catcher, imap_server,
                                                                       published):
    port, imap = imap_server
    append(imap, "Anne Hansen <anne@kunde.example>", "Ikke leveret: Ny henvendelse", "Modtageren findes ikke.",
           return_path="<>")
    notify = poller_for(start_notify, mail_catcher, port)
    [row] = wait_for(lambda: inbound_rows(notify), timeout=30)
    assert row == ("anne@kunde.example", "ignored", "automatic mail naming no case (null sender (bounce))")
    assert published() == []
    assert wait_for(lambda: unseen(imap) == 0)


def test_a_mail_that_cannot_be_taken_stays_unseen_and_the_round_goes_on_with_the_next(
        start_notify, mail_catcher, imap_server, published):
    port, imap = imap_server
    append(imap, "anne@kunde.example", "[SAG 2611-0042] første", "Først.")
    # a NUL in the subject (as an encoded word): PostgreSQL cannot store it, so taking this mail fails
    imap.append(FOLDER, "", imaplib.Time2Internaldate(time.time()),
                b"From: anne@kunde.example\r\nTo: sag@sd.example\r\nSubject: [SAG 2611-0042] =?utf-8?q?ul=00?=\r\n"
                b"Message-ID: <nul-i-emnet@kunde.example>\r\n\r\nKan ikke gemmes.\r\n")
    append(imap, "bo@kunde.example", "[SAG 2611-0042] tredje", "Til sidst.")
    poller_for(start_notify, mail_catcher, port)

    events = wait_for(lambda: len(published()) == 2 and [json.loads(m.body)["data"] for m in published()],
                      timeout=30)
    assert sorted(e["body"] for e in events) == ["Først.", "Til sidst."]
    assert wait_for(lambda: unseen(imap) == 1), "the mail that failed is left for a later round"
