"""Every message of the gateway has its Danish text (Danish is the default language)."""

from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "gateway" / "translations" / "da" / "LC_MESSAGES" / "messages.po"


def test_every_gateway_message_has_danish_text():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    missing = [message.id for message in catalogue if message.id and not message.string]
    assert missing == []
