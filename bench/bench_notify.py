"""Notify on PostgreSQL: events to notices, mails to a local SMTP server, a page of in-app notices."""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

from common import Stopwatch, fresh_database, rate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services/notify/tests"))

from notify_support import MailCatcher, case_data, event, team_data, user_data

from notify.app import MIGRATIONS_DIR
from notify.consumers import build_handlers
from notify.gateway import GatewayClient
from notify.mail.compose import Composer
from notify.mail.outbound import MailSender
from notify.mail.smtp import SmtpTarget
from notify.service.notices import NoticeSettings
from notify.service.notifications import list_notifications
from servicekit.db import Database
from servicekit.migrations import upgrade
from servicekit.worker import EventDispatcher

EVENTS = 2000


def main() -> None:
    with fresh_database("bench_notify") as url:
        upgrade(url, MIGRATIONS_DIR)
        database = Database(url)
        dispatcher = EventDispatcher("notify", database, build_handlers(NoticeSettings(mail_from="sd@sd.example")))
        requester, follower = user_data("Anne", "anne@kunde.example"), user_data("Bo", "bo@kunde.example")
        agents = [user_data(f"Agent {i}", f"agent{i}@sd.example", roles=("agent",)) for i in range(5)]
        team = team_data("Support", [a["id"] for a in agents])
        for data, kind in [*((u, "user.created") for u in (requester, follower, *agents)), (team, "team.created")]:
            dispatcher(event(kind, data))

        with Stopwatch() as handling:
            for number in range(EVENTS):
                case = case_data(requester_id=requester["id"], follower_ids=[follower["id"]], team_id=team["id"],
                                 version=2, actor_id=requester["id"], number=f"SAG 2611-{number:04d}")
                case["message"] = {"id": str(uuid.uuid4()), "author_id": requester["id"], "visibility": "external",
                                   "body": "Printeren virker stadig ikke.", "via": "portal"}
                dispatcher(event("case.message_added", case))
        print(f"  requester messages to notices (5 agents each):  {rate(EVENTS, handling.seconds)}")

        catcher = MailCatcher()
        catcher.start()
        sender = MailSender(database, Composer(mail_from="sd@sd.example", reply_to="sag@sd.example",
                                               public_url="https://sd.example", case_prefix="SAG",
                                               time_zone="Europe/Copenhagen"),
                            SmtpTarget.from_url(catcher.url), GatewayClient("http://127.0.0.1:9", None),
                            mail_from="sd@sd.example", retry_delays=(1.0,), give_up_after=3600, batch_size=50)
        with Stopwatch() as sending:
            while sender.send_due():
                pass
        catcher.stop()
        print(f"  mails rendered and sent over SMTP (50 a round):  {rate(len(catcher.received), sending.seconds)}")

        with database.transaction() as session:
            started = time.perf_counter()
            for page in range(1, 51):
                list_notifications(session, agents[0]["id"], unread_only=True, limit=50, offset=(page - 1) * 50)
            per_page = (time.perf_counter() - started) / 50 * 1000
        print(f"  one page of 50 unread notices out of {EVENTS}:      {per_page:.1f} ms")
        database.dispose()
