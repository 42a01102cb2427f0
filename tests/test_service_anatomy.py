"""Every service folder is laid out the same way (docs/architecture.md, "One service")."""

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICE_DIRS = sorted(path.parent for path in (ROOT / "services").glob("*/pyproject.toml"))

MODULES = ("config", "app", "wsgi", "worker", "manage", "models", "domain", "events")
MODULES_OR_PACKAGES = ("api", "schemas", "service")
LANGUAGES = ("da", "en")
# What a service still lacks, named here until it has it; the test fails as soon as an entry is no longer true.
KNOWN_GAPS: dict[str, set[str]] = {}


def module_or_package(package: Path, name: str) -> bool:
    return (package / f"{name}.py").is_file() or (package / name / "__init__.py").is_file()


def consumes_no_events_says_so(package: Path) -> bool:
    """A service without ``consumers.py`` says why in its worker's docstring."""
    docstring = ast.get_docstring(ast.parse((package / "worker.py").read_text())) or ""
    return "consumes no events" in docstring


def anatomy_gaps(service_dir: Path) -> set[str]:
    """The parts of the common anatomy that ``service_dir`` lacks."""
    name = service_dir.name
    package = service_dir / name
    present = {
        "pyproject.toml": (service_dir / "pyproject.toml").is_file(),
        "alembic.ini": (service_dir / "alembic.ini").is_file(),
        f"{name}-manage script": _manage_script(service_dir) == f"{name}.manage:cli",
        "migrations": (package / "migrations" / "env.py").is_file()
        and any((package / "migrations" / "versions").glob("*.py")),
        "consumers": (package / "consumers.py").is_file()
        or ((package / "worker.py").is_file() and consumes_no_events_says_so(package)),
        **{module: (package / f"{module}.py").is_file() for module in MODULES},
        **{part: module_or_package(package, part) for part in MODULES_OR_PACKAGES},
        **{f"translations/{language}": any((package / "translations" / language / "LC_MESSAGES").glob("*.po"))
           for language in LANGUAGES},
        **{f"tests/{tier}": any((service_dir / "tests" / tier).glob("test_*.py")) for tier in ("unit", "integration")},
    }
    return {part for part, there in present.items() if not there}


def _manage_script(service_dir: Path) -> str | None:
    path = service_dir / "pyproject.toml"
    if not path.is_file():
        return None
    project = tomllib.loads(path.read_text())["project"]
    return project.get("scripts", {}).get(f"{service_dir.name}-manage")


def test_the_four_services_are_found():
    assert [path.name for path in SERVICE_DIRS] == ["cases", "notify", "sla", "tasks"]


@pytest.mark.parametrize("service_dir", SERVICE_DIRS, ids=lambda path: path.name)
def test_every_service_has_the_common_anatomy(service_dir):
    known = KNOWN_GAPS.get(service_dir.name, set())
    gaps = anatomy_gaps(service_dir)
    assert gaps - known == set(), f"{service_dir.name} lacks {sorted(gaps - known)} (docs/architecture.md)"
    assert known - gaps == set(), f"{service_dir.name} now has {sorted(known - gaps)}: take it out of KNOWN_GAPS"


def test_the_check_finds_what_a_service_lacks(tmp_path):
    """A service folder with nothing but its pyproject.toml lacks everything else."""
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "pyproject.toml").write_text('[project]\nname = "empty"\n')
    assert anatomy_gaps(empty) == {
        "alembic.ini", "empty-manage script", "migrations", "consumers", *MODULES, *MODULES_OR_PACKAGES,
        "translations/da", "translations/en", "tests/unit", "tests/integration",
    }
