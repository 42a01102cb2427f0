"""Cutting quoted history and signatures from replies, in Danish and English."""

from __future__ import annotations

import pytest

from notify.mail.html import html_to_text
from notify.mail.replies import visible_reply

NEW = "Tak, nu virker printeren igen."


@pytest.mark.parametrize("quoted", [
    "Den tor. 26. nov. 2026 kl. 10.06 skrev Servicedesk <sag@sd.example>:\n> Kære Anne\n> Vi har løst sagen.",
    "Den tor. 26. nov. 2026 kl. 10.06 skrev Servicedesk Statens Administration <\nsag@sd.example>:\n> Kære Anne",
    "Den 26-11-2026 kl. 10:06 skrev Servicedesk <sag@sd.example>:\n> Kære Anne",
    "Fra: Servicedesk <sag@sd.example>\nSendt: 26. november 2026 10:06\nTil: Anne\nEmne: [SAG 2611-0042] x\n\nKære",
    "-----Oprindelig meddelelse-----\nFra: Servicedesk\nSendt: 26. november 2026\nTil: Anne\nEmne: x\n\nGammelt",
    "-----Oprindelig meddelelse-----\nGammel tekst uden hoveder",
    "-----Original Message-----\nFrom: Servicedesk\nSent: Thursday\nTo: Anne\nSubject: x\n\nOld",
    "On Thu, Nov 26, 2026 at 10:06 AM Servicedesk <sag@sd.example> wrote:\n> Dear Anne",
    "##- Skriv dit svar over denne linje -##\nKære Anne\nVi har løst sagen.",
    "> ##- Please type your reply above this line -##\n> Dear Anne",
])
def test_the_quoted_history_is_cut(quoted):
    assert visible_reply(f"{NEW}\n\n{quoted}\n") == NEW


@pytest.mark.parametrize("signature", [
    "Med venlig hilsen\nAnne Hansen\nKontorchef, Styrelsen",
    "Mvh\nAnne",
    "-- \nAnne Hansen\nTlf. 12 34 56 78",
    "Sendt fra min iPhone",
    "Best regards\nAnne",
])
def test_a_signature_is_cut(signature):
    assert visible_reply(f"{NEW}\n\n{signature}") == NEW


def test_words_that_merely_start_like_a_greeting_stay():
    text = "Hej\nTak for svaret. Jeg prøver igen i morgen.\nHilsen fra Aarhus er med i printen."
    assert visible_reply(text) == text


def test_a_list_with_dashes_is_not_taken_for_a_signature():
    text = "Det drejer sig om:\n- printeren\n- scanneren"
    assert visible_reply(text) == text


def test_a_mail_that_is_only_a_quote_keeps_its_text_rather_than_losing_everything():
    assert visible_reply("> gammel tekst\n> mere") == "> gammel tekst\n> mere"


def test_html_mail_turns_blockquotes_into_quotes_and_drops_markup():
    html = ("<html><head><style>p{color:red}</style></head><body><div>Tak, nu virker printeren igen.</div>"
            "<div>Den tor. 26. nov. 2026 kl. 10.06 skrev Servicedesk &lt;sag@sd.example&gt;:</div>"
            "<blockquote>Kære Anne<br><b>Vi</b> har løst sagen.<script>alert(1)</script></blockquote></body></html>")
    text = html_to_text(html)
    assert "alert" not in text and "<b>" not in text and "color" not in text
    assert "> Kære Anne" in text
    assert visible_reply(text) == NEW
