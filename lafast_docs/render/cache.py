"""Content-hash cache: an unchanged document is not rendered again.

The key covers everything that determines an output: every file in the draft's folder, the
template files, the organisation's settings, the title-block context (version, Stand, commit)
and the versions of lafast, pandoc and WeasyPrint. The manifest `.lafast-cache.json` in the
output folder records key and SHA-256 per output file, so a changed or deleted output is
rendered again too.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from lafast_docs import __version__
from lafast_docs.errors import GitError
from lafast_docs.external import resources
from lafast_docs.storage.files import atomic_write
from lafast_docs.text import references
from lafast_docs.text.drafts import Draft
from lafast_docs.workspace import Workspace

MANIFEST = ".lafast-cache.json"


@functools.cache
def tool_versions() -> str:
    found = []
    for dist in ("pypandoc-binary", "weasyprint", "pydyf"):
        try:
            found.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            found.append(f"{dist}=?")
    return ";".join(found)


def private_dir(ws: Workspace) -> Path | None:
    """`.git/lafast` of the workspace, where renders keep what they can reuse; None where there
    is no repository (a final version is rendered from the approved commit's files in a
    temporary folder): nothing is kept then."""
    try:
        return ws.store.git_dir() / "lafast"
    except GitError:
        return None


def folder_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(f.relative_to(folder).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def cache_key(ws: Workspace, draft: Draft, context: dict[str, Any], fmt: str) -> str:
    parts = {
        "format": fmt,
        "lafast": __version__,
        "tools": tool_versions(),
        "draft": folder_digest(draft.folder),
        "templates": resources.templates_digest(ws, draft.type),
        "context": context,
        "register": references.register_digest(draft),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _read(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text("utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def is_fresh(out_dir: Path, target: Path, key: str) -> bool:
    entry = _read(out_dir).get(target.name)
    if not isinstance(entry, dict) or entry.get("key") != key or not target.is_file():
        return False
    return bool(entry.get("sha256") == hashlib.sha256(target.read_bytes()).hexdigest())


def record(out_dir: Path, target: Path, key: str) -> None:
    data = _read(out_dir)
    data[target.name] = {"key": key, "sha256": hashlib.sha256(target.read_bytes()).hexdigest()}
    atomic_write(out_dir / MANIFEST, json.dumps(data, indent=2, sort_keys=True))
