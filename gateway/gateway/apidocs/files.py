"""The documents as committed files: ``docs/openapi.json`` and ``docs/asyncapi.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .merge import merge_asyncapi, merge_openapi
from .sources import DESCRIPTION, TITLE, VERSION, in_process_documents

PUBLIC_SERVER = "http://localhost:8080"


def repository_documents() -> dict[str, dict[str, Any]]:
    openapi, asyncapi = in_process_documents()
    return {
        "openapi.json": merge_openapi(openapi, title=TITLE, version=VERSION, description=DESCRIPTION,
                                      server_url=PUBLIC_SERVER),
        "asyncapi.json": merge_asyncapi(asyncapi, title=f"{TITLE} events", version=VERSION),
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_documents(out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in repository_documents().items():
        path = out / name
        path.write_text(render(document), encoding="utf-8")
        written.append(path)
    return written
