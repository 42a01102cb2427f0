"""Every message of the gateway has its Danish text (Danish is the default language), and the catalogue is
up to date with the sources: a message added to the code or a template is in it, with its Danish text."""

import importlib.util
import subprocess
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "gateway" / "gateway"
CATALOGUE = PACKAGE / "translations" / "da" / "LC_MESSAGES" / "messages.po"


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _extracted(tmp_path: Path):
    """The messages of the sources, extracted exactly as ``make translations`` extracts them."""
    spec = importlib.util.spec_from_file_location("translations_tool", ROOT / "deploy" / "tools" / "translations.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    mapping, pot = tmp_path / "babel.cfg", tmp_path / "messages.pot"
    mapping.write_text(tool.MAPPING)
    try:
        tool.pybabel("extract", "-F", str(mapping), *tool.KEYWORDS, "--no-location", "-o", str(pot), str(PACKAGE))
    except subprocess.CalledProcessError as err:
        raise AssertionError(err.stderr.decode()) from err
    return _read(pot)


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(strings)


def test_every_gateway_message_has_danish_text():
    missing = [message.id for message in _read(CATALOGUE) if message.id and not _translated(message)]
    assert missing == []


def test_the_danish_catalogue_has_every_message_of_the_sources(tmp_path):
    catalogue = _read(CATALOGUE)
    missing = []
    for message in _extracted(tmp_path):
        if not message.id:
            continue
        known = catalogue.get(message.id, context=message.context)
        if known is None or not _translated(known):
            missing.append((message.context, message.id))
    assert missing == [], "run `make translations` and write the Danish text of these"
