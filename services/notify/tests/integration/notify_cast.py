"""The cast of the integration tests, made known to notify through real user and team events."""

from __future__ import annotations

from dataclasses import dataclass

from notify_support import event, team_data, user_data, wait_for
from sqlalchemy import func, select

from notify.models import DirectoryTeam, DirectoryUser


@dataclass
class Cast:
    requester: dict
    follower: dict
    agent: dict
    colleague: dict
    approver: dict
    team: dict

    def email(self, who: str) -> str:
        return getattr(self, who)["email"]


def meet_the_cast(notify, *, team_mailbox: str | None = None) -> Cast:
    """Publish users and a team (as the gateway would) and wait until notify knows them."""
    requester = user_data("Anne Hansen", "anne@kunde.example")
    follower = user_data("Bo Jensen", "bo@kunde.example", language="en")
    agent = user_data("Carl Agent", "carl@sd.example", roles=("agent",))
    colleague = user_data("Dorte Kollega", "dorte@sd.example", roles=("agent",))
    approver = user_data("Eva Godkender", "eva@sd.example", roles=("agent",))
    team = team_data("Kundebetjening", [agent["id"], colleague["id"]], email=team_mailbox)
    people = [requester, follower, agent, colleague, approver]
    notify.publish(*(event("user.created", p, source="gateway") for p in people),
                   event("team.created", team, source="gateway"))

    def known():
        with notify.database.transaction() as session:
            users = session.scalar(select(func.count()).select_from(DirectoryUser))
            teams = session.scalar(select(func.count()).select_from(DirectoryTeam))
        return users == len(people) and teams == 1

    assert wait_for(known), "notify never learnt the users and the team"
    return Cast(requester, follower, agent, colleague, approver, team)
