"""Node tools the tests use (installed from their package-lock.json on first use)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from servicekit.testing.servers import on_ci

HERE = Path(__file__).parent


def node_for(folder: str, package: str) -> str:
    """The node binary, with ``folder``'s packages installed; skips (fails on CI) without node and npm."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        if on_ci():
            pytest.fail("CI=true and no node/npm for the test tools", pytrace=False)
        pytest.skip("node and npm are needed for this test")
    if not (HERE / folder / "node_modules" / package).exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE / folder, check=True,
                       timeout=600)
    return node


def asyncapi_errors(document: dict, tmp_path: Path) -> list[dict]:
    """The errors the AsyncAPI initiative's parser finds in ``document`` (warnings left out)."""
    node = node_for("asyncapi", "@asyncapi/parser")
    path = tmp_path / "asyncapi.json"
    path.write_text(json.dumps(document))
    result = subprocess.run([node, str(HERE / "asyncapi" / "validate.mjs"), str(path)], capture_output=True,
                            text=True, timeout=120)
    diagnostics = json.loads(result.stdout or "[]")
    return [d for d in diagnostics if d["severity"] == 0]
