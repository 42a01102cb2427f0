"""Use cases of organisations: one transaction each, events recorded before the commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.pagination import paginate

from ..i18n import _
from ..models import Organisation, OrganisationDomain
from . import events
from .common import commit_unique, contains
from .views import changes_between, organisation_view


def get_organisation(session: Session, organisation_id: str, *, for_update: bool = False) -> Organisation:
    org = session.get(Organisation, organisation_id, with_for_update=for_update or None,
                      populate_existing=for_update)
    if org is None:
        raise errors.NotFound(_("There is no such organisation."))
    return org


def list_organisations(session: Session, args: dict[str, Any], *, only_id: str | None = None) -> dict[str, Any]:
    query = select(Organisation).order_by(Organisation.name, Organisation.id)
    if only_id is not None:
        query = query.where(Organisation.id == only_id)
    if args.get("q"):
        query = query.where(Organisation.name.ilike(contains(args["q"]), escape="\\"))
    return paginate(session, query, args, organisation_view)


def create_organisation(session: Session, data: dict[str, Any], *, actor_id: str | None) -> dict[str, Any]:
    _check_name_free(session, data["name"])
    _check_domains_free(session, data["mail_domains"], None)
    org = Organisation(name=data["name"], case_visibility=data["case_visibility"])
    org.domains = [OrganisationDomain(domain=d) for d in data["mail_domains"]]
    session.add(org)
    session.flush()
    view = organisation_view(org)
    events.publish(session, events.ORGANISATION_CREATED, view, actor_id=actor_id)
    commit_unique(session, _("An organisation with this name or mail domain already exists."))
    return view


def update_organisation(session: Session, organisation_id: str, data: dict[str, Any], *,
                        actor_id: str | None) -> dict[str, Any]:
    org = get_organisation(session, organisation_id, for_update=True)
    before = organisation_view(org)
    if "name" in data and data["name"] != org.name:
        _check_name_free(session, data["name"])
        org.name = data["name"]
    if "case_visibility" in data:
        org.case_visibility = data["case_visibility"]
    if "mail_domains" in data and data["mail_domains"] != org.mail_domains:
        _check_domains_free(session, data["mail_domains"], org.id)
        _replace_domains(org, data["mail_domains"])
    changes = changes_between(before, organisation_view(org))
    if not changes:
        return before
    org.version += 1
    session.flush()
    view = organisation_view(org)
    events.publish(session, events.ORGANISATION_UPDATED, view, actor_id=actor_id, changes=changes)
    commit_unique(session, _("An organisation with this name or mail domain already exists."))
    return view


def organisation_for_email(session: Session, email: str) -> Organisation | None:
    """The organisation whose mail domain the address belongs to (sub-domains count too)."""
    domain = email.rpartition("@")[2].lower()
    candidates = []
    parts = domain.split(".")
    for i in range(len(parts) - 1):
        candidates.append(".".join(parts[i:]))
    if not candidates:
        return None
    rows = session.execute(
        select(OrganisationDomain.domain, OrganisationDomain.organisation_id)
        .where(OrganisationDomain.domain.in_(candidates))
    ).all()
    if not rows:
        return None
    best = max(rows, key=lambda row: len(row.domain))  # the most specific domain wins
    return session.get(Organisation, best.organisation_id)


def _replace_domains(org: Organisation, domains: list[str]) -> None:
    wanted = set(domains)
    for kept in [d for d in org.domains if d.domain not in wanted]:
        org.domains.remove(kept)
    have = set(org.mail_domains)
    org.domains.extend(OrganisationDomain(domain=d) for d in sorted(wanted - have))
    org.domains.sort(key=lambda d: d.domain)


def _check_name_free(session: Session, name: str) -> None:
    if session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise errors.Conflict(_("An organisation with this name already exists."), errors={"name": [
            _("Already in use.")]})


def _check_domains_free(session: Session, domains: list[str], organisation_id: str | None) -> None:
    if not domains:
        return
    taken = session.scalars(
        select(OrganisationDomain.domain)
        .where(OrganisationDomain.domain.in_(domains))
        .where(OrganisationDomain.organisation_id != (organisation_id or ""))
    ).all()
    if taken:
        raise errors.Conflict(_("A mail domain belongs to another organisation."),
                              errors={"mail_domains": [", ".join(sorted(taken))]})
