"""Seed 001: "Beskriv opgaven udførligt. Det er IKKE nok blot at skrive 'se sag'."

A description must tell a colleague in another team what to do without opening the case.
References to cases and tasks, greetings and pointers ("se sag", "som aftalt", "see attached")
carry no description, so they do not count towards ``TASK_MIN_DESCRIPTION``.
"""

from __future__ import annotations

import re
from enum import Enum

from servicekit.errors import ValidationFailed

from .i18n import _

_REFERENCE = re.compile(r"\b[a-zæøå]{0,8}\s?\d{4}\s?-\s?\d{1,9}\b|#\d+")
_FILLER_PHRASES = (
    # Danish pointers and pleasantries
    r"se (?:venligst )?(?:hoved)?sag(?:en)?", r"se (?:den )?vedhæftede?(?: fil(?:er)?| bilag)?",
    r"se bilag(?:et)?", r"se mail(?:en)?", r"se (?:ovenfor|nedenfor|tidligere|tråd(?:en)?|beskrivelse(?:n)?)",
    r"se (?:intern(?:e)? )?kommentar(?:er|en)?", r"som aftalt", r"som talt om", r"jf\.? (?:sag(?:en)?|aftale)",
    r"kig på (?:sagen|det)", r"tjek (?:sagen|det)", r"hej", r"tak", r"mvh", r"med venlig hilsen", r"haster",
    # English ones
    r"see (?:the )?(?:case|ticket|above|below|attached|attachment|e-?mail|mail|description)",
    r"as (?:discussed|agreed)", r"please (?:fix|check|see)", r"thanks?", r"hi", r"asap", r"urgent", r"todo",
    r"tbd", r"n/?a",
)
_FILLER = re.compile(r"\b(?:" + "|".join(_FILLER_PHRASES) + r")\b")
_NOISE = re.compile(r"[^\wæøå]+")


class Verdict(Enum):
    OK = "ok"
    TOO_SHORT = "too_short"
    NOT_A_DESCRIPTION = "not_a_description"


def _meaningful(text: str) -> str:
    lowered = " ".join(text.casefold().split())
    without = _FILLER.sub(" ", _REFERENCE.sub(" ", lowered))
    return " ".join(_NOISE.sub(" ", without).split())


def judge(text: str, min_length: int) -> Verdict:
    """Whether ``text`` describes a task well enough for a colleague to act on it."""
    plain = " ".join((text or "").split())
    meaningful = _meaningful(plain)
    if meaningful and len(meaningful) >= min_length:
        return Verdict.OK
    if plain and not meaningful:
        return Verdict.NOT_A_DESCRIPTION  # only pointers such as "se sag"
    return Verdict.TOO_SHORT if len(plain) < min_length else Verdict.NOT_A_DESCRIPTION


def require_description(text: str, min_length: int) -> str:
    """The description, stripped; a thin one is refused with a message that says why."""
    verdict = judge(text, min_length)
    if verdict is Verdict.OK:
        return text.strip()
    if verdict is Verdict.TOO_SHORT:
        message = _("Describe the task so a colleague can solve it without opening the case: "
                    "at least %(min)d characters.", min=min_length)
    else:
        message = _("\"%(text)s\" is not a description. Write what needs to be done, so a colleague can "
                    "solve it without opening the case.", text=" ".join(text.split())[:60])
    raise ValidationFailed(message, errors={"description": [message]})
