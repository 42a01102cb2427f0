"""The files a mail about a message carries, fetched through the gateway when the mail is sent.

A mail carries the message's files of the visibilities its rule names (``domain.KIND_FILES``: a reply
to the requester only external ones), as the case's attachment list says them to be now.  Files that
together pass ``max_bytes`` are not attached but named, with a link to each on the case; a file the
case no longer has (not listed, or 404) is named as gone.  A gateway that cannot answer now raises,
so the mail waits for its files instead of going without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..gateway import Attachment, CaseFile, GatewayRefused, NotifyGateway


@dataclass(frozen=True)
class MailFiles:
    """What a mail does with its message's files."""

    attached: tuple[Attachment, ...] = ()
    linked: tuple[CaseFile, ...] = ()  # together too large to attach: named with a link to each on the case
    gone: tuple[str | None, ...] = field(default=())  # names of files the case no longer has (None: name unknown)

    def __bool__(self) -> bool:
        return bool(self.attached or self.linked or self.gone)


NO_FILES = MailFiles()


def files_for_mail(gateway: NotifyGateway, case_id: str, file_ids: Sequence[str], *,
                   visibilities: Sequence[str], max_bytes: int | None) -> MailFiles:
    """The files named by ``file_ids`` that a mail may show, attached or (past ``max_bytes``) linked.

    Raises ``GatewayUnavailable`` or ``GatewayRefused`` when the case's files cannot be read now.
    """
    wanted = list(dict.fromkeys(str(i) for i in file_ids))
    listed = gateway.case_files(case_id, set(wanted))
    shown = [listed[i] for i in wanted if i in listed and listed[i].visibility in visibilities]
    gone: list[str | None] = [None for i in wanted if i not in listed]
    if max_bytes is not None and sum(f.size for f in shown) > max_bytes:
        return MailFiles(linked=tuple(shown), gone=tuple(gone))
    attached = []
    for case_file in shown:
        try:
            content = gateway.file_content(case_id, case_file.id)
        except GatewayRefused as err:
            if err.status_code != 404:
                raise
            gone.append(case_file.filename)
            continue
        attached.append(Attachment(case_file.filename, case_file.content_type, content))
    return MailFiles(attached=tuple(attached), gone=tuple(gone))
