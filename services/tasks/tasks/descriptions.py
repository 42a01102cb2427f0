"""Seed 001: "Beskriv opgaven udførligt. Det er IKKE nok blot at skrive 'se sag'."

A description must tell a colleague in another team what to do without opening the case.
Case and task numbers (``SAG 2611-0042``, ``TSK2611-7``: only with a case or task prefix, so port
ranges and dates stay) carry no description and do not count towards ``TASK_MIN_DESCRIPTION``.
Pointers and pleasantries ("se sag", "som aftalt", "tak", "see attached") are words like others
inside a real description; a text made (nearly) only of them is no description however long it is.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

from servicekit.errors import ValidationFailed

from .i18n import _

DEFAULT_PREFIXES = ("SAG", "TSK")
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


@lru_cache(maxsize=8)
def _references(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """Case and task numbers with one of ``prefixes``, spaced or not: ``SAG 2611-0042``, ``tsk2611-7``."""
    names = "|".join(sorted({re.escape(p.casefold()) for p in (*DEFAULT_PREFIXES, *prefixes)}, key=len,
                            reverse=True))
    return re.compile(r"\b(?:" + names + r")\s?\d{4}\s?-\s?\d{1,9}\b")


def _words(text: str) -> str:
    return " ".join(_NOISE.sub(" ", text).split())


def judge(text: str, min_length: int, prefixes: tuple[str, ...] = DEFAULT_PREFIXES) -> Verdict:
    """Whether ``text`` describes a task well enough for a colleague to act on it."""
    plain = " ".join((text or "").split())
    unreferenced = _references(tuple(prefixes)).sub(" ", plain.casefold())
    meaningful = _words(unreferenced)
    own_words = _words(_FILLER.sub(" ", unreferenced))
    if plain and _only_pointers(meaningful, own_words):
        return Verdict.NOT_A_DESCRIPTION
    if len(meaningful) >= min_length:
        return Verdict.OK
    return Verdict.TOO_SHORT if len(plain) < min_length else Verdict.NOT_A_DESCRIPTION


def _only_pointers(meaningful: str, own_words: str) -> bool:
    """Nothing but pointers (and bare numbers: "see ticket #1234"), or nearly: what is left beside them is
    shorter than the pointers themselves ("se vedhæftede fil og ret det")."""
    if not any(ch.isalpha() for ch in own_words):
        return True
    pointers = len(meaningful) - len(own_words)
    return len(own_words) < pointers


def require_description(text: str, min_length: int, prefixes: tuple[str, ...] = DEFAULT_PREFIXES) -> str:
    """The description, stripped; a thin one is refused with a message that says why."""
    verdict = judge(text, min_length, prefixes)
    if verdict is Verdict.OK:
        return text.strip()
    if verdict is Verdict.TOO_SHORT:
        message = _("Describe the task so a colleague can solve it without opening the case: "
                    "at least %(min)d characters.", min=min_length)
    else:
        message = _("\"%(text)s\" is not a description. Write what needs to be done, so a colleague can "
                    "solve it without opening the case.", text=" ".join(text.split())[:60])
    raise ValidationFailed(message, errors={"description": [message]})
