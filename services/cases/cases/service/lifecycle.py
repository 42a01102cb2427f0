"""Resolving, closing, reopening and merging a case: the status machine applied with its side rules."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekit import errors
from servicekit.auth import Identity

from .. import events
from ..domain import (
    Closer,
    MergeParty,
    Status,
    check_manual_transition,
    check_may_close,
    check_mergeable,
    closer_of,
    owning_team_after,
    reopen_status,
    resolution_route,
)
from ..i18n import _
from ..models import Attachment, Case, Follower, Message
from . import directory
from .changes import Changes, commit_change, handover_of, reopen_into, set_handover
from .common import SYSTEM, Options, follower_ids, is_participant, require_editor, visible_to
from .messages import add_message, set_solution
from .tasks import open_blocking_tasks


def resolve(session: Session, opts: Options, actor: Identity, case: Case, changes: Changes, *,
            solution: str | None = None, visibility: str | None = None) -> None:
    """Mark the case as resolved; a handed-over case goes back to the team and agent that handed it over."""
    require_editor(actor, case)
    if case.status == Status.RESOLVED:
        _refuse_another_solution(session, case, solution)
        return
    check_manual_transition(case.status, Status.RESOLVED)
    creator = directory.find_user(session, case.created_by)
    back = resolution_route(handover_of(case), directory.in_team(actor, session, case.handed_over_from_team_id),
                            case.created_by, directory.is_staff_user(creator))
    if solution:
        message = add_message(session, opts, actor, case, solution, visibility or ("internal" if back else "external"),
                              via="api", check_status=False)
        set_solution(case, message, changes)
    if back is not None:
        changes.set(case, "team_id", back.team_id)
        changes.set(case, "assignee_id", back.assignee_id)
        set_handover(case, None, changes)
    changes.set(case, "status", Status.RESOLVED.value)
    changes.set(case, "resolved_at", changes.at)


def _refuse_another_solution(session: Session, case: Case, solution: str | None) -> None:
    """Resolving a resolved case again changes nothing; a new solution with it would be lost, so it is refused
    (the same solution again is a repeated request, and answered as done)."""
    current = session.get(Message, case.solution_message_id) if case.solution_message_id else None
    if solution and (current is None or current.body != solution):
        raise errors.InvalidTransition(_("The case is already resolved. To give another solution, write it as a "
                                         "message and mark that as the solution."))


def close(session: Session, opts: Options, actor: Identity, case: Case, changes: Changes) -> None:
    """Close for good; closing a closed case changes nothing (idempotent)."""
    if case.status == Status.CLOSED:
        return
    closer = _closer(actor, case)
    handover = handover_of(case)
    owner = owning_team_after(case.owning_team_id, handover)
    check_may_close(case.status, closer, owner, handover is not None, directory.in_team(actor, session, owner))
    refuse_with_open_blocking_tasks(session, case, actor)
    changes.set(case, "status", Status.CLOSED.value)
    changes.set(case, "closed_at", changes.at)


def _closer(actor: Identity, case: Case) -> Closer:
    if actor.is_staff and actor is not SYSTEM:
        require_editor(actor, case)
    return closer_of(system=actor is SYSTEM, staff=actor.is_staff, admin=actor.is_admin or actor.is_service,
                     requester=actor.user_id == case.requester_id)


def refuse_with_open_blocking_tasks(session: Session, case: Case, actor: Identity) -> None:
    tasks = open_blocking_tasks(session, case.id)
    if not tasks:
        return
    if not actor.is_staff:
        raise errors.Conflict(_("The case cannot be closed yet: work on it must be finished first."))
    names = ", ".join(task.number or task.id for task in tasks)
    raise errors.Conflict(
        _("The case cannot be closed while these tasks are open: %(tasks)s.", tasks=names),
        tasks=[{"id": t.id, "number": t.number, "subject": t.subject, "status": t.status} for t in tasks],
    )


def reopen(session: Session, opts: Options, actor: Identity, case: Case, changes: Changes,
           reason: str | None = None, target: str | None = None) -> None:
    """Back to work from resolved: by default in progress, or the open status chosen by hand."""
    if actor.is_staff:
        require_editor(actor, case)
    elif not is_participant(actor, case, follower_ids(session, case.id)):
        raise errors.Forbidden(_("Only the requester, a follower or staff may reopen the case."))
    destination = reopen_status(case.status)
    reopen_into(case, changes, Status(target) if target else destination, reason)


def change_status(session: Session, opts: Options, actor: Identity, case: Case, changes: Changes,
                  target: str) -> None:
    """A status chosen by hand (PATCH, bulk): resolving, closing and reopening keep their own rules."""
    if target == case.status:
        return
    if target == Status.RESOLVED:
        resolve(session, opts, actor, case, changes)
    elif target == Status.CLOSED:
        close(session, opts, actor, case, changes)
    else:
        check_manual_transition(case.status, target)
        if case.status == Status.RESOLVED:
            reopen(session, opts, actor, case, changes, target=target)
        else:
            changes.set(case, "status", target)


def merge(session: Session, opts: Options, actor: Identity, source: Case, into_id: str) -> Case:
    """Move the messages, attachments and followers into ``into_id`` and close the source as merged.

    Closing the source obeys every rule of closing (blocking tasks, the owning team).
    """
    require_editor(actor, source)
    if str(into_id) == source.id:
        raise errors.ValidationFailed(_("A case cannot be merged into itself."),
                                      errors={"into_id": [_("A case cannot be merged into itself.")]})
    target = session.scalars(select(Case).where(Case.id == str(into_id), visible_to(actor))
                             .with_for_update(of=Case)).first()
    if target is None:
        raise errors.NotFound(_("There is no such case, or you may not see it."))
    check_mergeable(_party(source), _party(target))
    source_changes = Changes()
    close(session, opts, actor, source, source_changes)
    source_changes.set(source, "merged_into_id", target.id)
    source_changes.add_event(events.CASE_MERGED, into_id=target.id)
    target_followers = follower_ids(session, target.id)
    moved = _move_conversation(session, source, target)
    added = _carry_followers(session, actor, source, target, target_followers)
    commit_change(session, opts, source, actor, source_changes)
    target_changes = Changes()
    target_changes.note("merged_from", None, source.number)
    if added:
        target_changes.note("follower_ids", target_followers, sorted([*target_followers, *added]))
    target_changes.add_event(events.CASE_UPDATED, merged_from={"id": source.id, "number": source.number, **moved})
    commit_change(session, opts, target, actor, target_changes)
    return target


def _party(case: Case) -> MergeParty:
    return MergeParty(status=case.status, organisation_id=case.organisation_id, requester_id=case.requester_id)


def _move_conversation(session: Session, source: Case, target: Case) -> dict[str, list[str]]:
    """Move the source's messages and attachments; their ids, for the target's event."""
    moved = {}
    for key, model in (("message_ids", Message), ("attachment_ids", Attachment)):
        moved[key] = sorted(session.scalars(update(model).where(model.case_id == source.id)
                                            .values(case_id=target.id).returning(model.id)
                                            .execution_options(synchronize_session=False)))
    return moved


def _carry_followers(session: Session, actor: Identity, source: Case, target: Case,
                     target_followers: list[str]) -> list[str]:
    candidates = follower_ids(session, source.id)
    if source.requester_id:
        candidates.append(source.requester_id)
    added = []
    for user_id in dict.fromkeys(candidates):
        if user_id not in target_followers and user_id != target.requester_id:
            session.add(Follower(case_id=target.id, user_id=user_id, added_by=actor.user_id))
            added.append(user_id)
    return added
