"""The new part of a reply: quoted history, our own mail and the signature cut away.

``mail-parser-reply`` knows the reply headers of Danish and English mail
clients ("Den 26. nov. 2026 kl. 10.06 skrev ...:", "On ... wrote:", Outlook's
"Fra:/Sendt:/Til:" block).  Around it we add what it misses: the line we put
above every mail that invites an answer, separator lines such as
"-----Oprindelig meddelelse-----" standing alone, reply headers that a client
wrapped over two lines, and a careful signature rule (a closing greeting is
cut only when it looks like one, so "Tak for svaret." on line two stays).
When cutting would leave nothing, the whole text is kept: losing the sender's
words is worse than keeping a quote.
"""

from __future__ import annotations

import re

from mailparser_reply.parser import EmailMessage

# The line at the top of our mails; everything from it down is our own text.
REPLY_ABOVE_MARKERS = ("Skriv dit svar over denne linje", "Please type your reply above this line")
_MARKER = re.compile(
    r"^[>\s]*[#\-=]*\s*(" + "|".join(re.escape(m) for m in REPLY_ABOVE_MARKERS) + r")\b.*$",
    re.IGNORECASE | re.MULTILINE,
)
_SEPARATOR = re.compile(
    r"^[>\s]*-{2,}\s*(Oprindelig meddelelse|Original meddelelse|Videresendt meddelelse|Videresendt besked"
    r"|Original Message|Forwarded message|Forwarded Message)\s*-{2,}\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# "Den tor. 26. nov. 2026 kl. 10.06 skrev Servicedesk <" + newline + "support@example.dk>:" (wrapped by the client)
_WRAPPED_HEADER = re.compile(
    r"^[>\s]*(Den|On)\s[^\n]{0,120}\n?[^\n]{0,120}\b(skrev|wrote)\b[^\n]{0,200}\n?[^\n]{0,120}:\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_SIGNATURE_SURE = re.compile(r"^(--|__|Sendt fra|Sent from|Hent Outlook|Get Outlook)", re.IGNORECASE)


def _cut_at(text: str, pattern: re.Pattern) -> str:
    match = pattern.search(text)
    return text[: match.start()] if match and match.start() > 0 else text


def _strip_trailing_quotes(text: str) -> str:
    lines = text.rstrip().split("\n")
    while lines and (lines[-1].lstrip().startswith(">") or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines)


def _without_signature(content: str, signature: str) -> str:
    if not signature:
        return content
    first_line = signature.strip().split("\n", 1)[0].strip().lstrip("> ")
    looks_like_closing = len(first_line) <= 40 and not first_line.endswith((".", "?", ":", ";"))
    if _SIGNATURE_SURE.match(first_line) or looks_like_closing:
        index = content.rfind(signature)
        if index > 0:
            return content[:index]
    return content


def visible_reply(text: str) -> str:
    """The sender's own new words in a mail body (plain text)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    head = _cut_at(text, _MARKER)
    head = _cut_at(head, _SEPARATOR)
    head = _cut_at(head, _WRAPPED_HEADER)
    message = EmailMessage(text=head, languages=["da", "en"], keep_hyphen_lists=True).read()
    reply = message.replies[0] if message.replies else None
    if reply is None:
        return head.strip()
    content = reply.content
    if reply.headers:
        content = content.replace(reply.headers, "", 1)
    body = _strip_trailing_quotes(_without_signature(content, reply.signatures)).strip()
    if body:
        return body
    return _strip_trailing_quotes(head).strip() or text
