"""Extract, merge and compile the message catalogues (Danish and English) of every package.

    python deploy/tools/translations.py            # all packages
    python deploy/tools/translations.py cases      # one package

Message ids are English. Write the Danish text in ``<package>/translations/da/LC_MESSAGES/*.po``,
then run this again to compile the ``.mo`` files that are committed beside them.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "servicekit": (ROOT / "libs/servicekit/servicekit", "servicekit"),
    "cases": (ROOT / "services/cases/cases", "messages"),
    "tasks": (ROOT / "services/tasks/tasks", "messages"),
    "notify": (ROOT / "services/notify/notify", "messages"),
    "sla": (ROOT / "services/sla/sla", "messages"),
    "gateway": (ROOT / "gateway/gateway", "messages"),
}
LANGUAGES = ("da", "en")
MAPPING = """\
[python: **.py]
[jinja2: **/templates/**.html]
[jinja2: **/templates/**.txt]
"""
KEYWORDS = ["-k", "_l", "-k", "N_", "-k", "lazy_gettext", "-k", "ngettext:1,2"]


def pybabel(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), *args], check=True, capture_output=True)


def refresh(package_dir: Path, domain: str) -> None:
    translations = package_dir / "translations"
    with tempfile.TemporaryDirectory() as tmp:
        mapping, pot = Path(tmp) / "babel.cfg", Path(tmp) / "messages.pot"
        mapping.write_text(MAPPING)
        pybabel("extract", "-F", str(mapping), *KEYWORDS, "--no-location", "--sort-output", "-o", str(pot),
                str(package_dir))
        for lang in LANGUAGES:
            po = translations / lang / "LC_MESSAGES" / f"{domain}.po"
            if po.exists():
                pybabel("update", "-D", domain, "-i", str(pot), "-d", str(translations), "-l", lang,
                        "--no-fuzzy-matching", "--ignore-obsolete")
            else:
                pybabel("init", "-D", domain, "-i", str(pot), "-d", str(translations), "-l", lang)
            pybabel("compile", "-D", domain, "-d", str(translations), "-l", lang, "--use-fuzzy")
    untranslated = missing_danish(translations / "da" / "LC_MESSAGES" / f"{domain}.po")
    if untranslated:
        print(f"{package_dir.name}: {len(untranslated)} message(s) still need Danish text")


def missing_danish(po: Path) -> list[str]:
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    return [m.id for m in catalog if m.id and not m.string]


def main(names: list[str]) -> None:
    for name in names or PACKAGES:
        package_dir, domain = PACKAGES[name]
        refresh(package_dir, domain)


if __name__ == "__main__":
    main(sys.argv[1:])
