"""An index of comment ids per round, so that finding one comment does not read them all.

For each round folder `comments/<slug>/runde-N/` the index lists every comment id with the
submission file that holds it and what lists filter on (Randnummer, kind, organisation,
anchoring). It is a cache in the repository's private folder
(`.git/lafast/kennungen/<slug>/runde-N.json`): never committed, never pushed, rebuilt when
missing, unreadable or stale. Stale means any submission file of the round was added, removed
or changed (size or modification time differ from what the index recorded). It is never
trusted blindly: a hit is confirmed in the submission file itself, and a miss is confirmed by
rebuilding the indexes before lafast says an id does not exist.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.consultation.model import doc_code
from lafast_docs.consultation.submissions import (
    NOT_SUBMISSIONS,
    Stored,
    list_submissions,
    load_submission,
)
from lafast_docs.errors import CommentNotFound, SubmissionBroken
from lafast_docs.storage import yamlio
from lafast_docs.workspace import Workspace

FORMAT = "lafast-kennungen/1"


@dataclass(frozen=True)
class Entry:
    """One comment as the index knows it."""

    id: str
    file: str  # the submission file's name in the round folder
    rn: int | None
    kind: str
    org: str
    state: str


def private_dir(root: Path) -> Path:
    """`.git/lafast` of the workspace at `root`: lafast's caches, never committed or pushed
    (in a linked worktree, where `.git` is a file naming the folder, that folder's)."""
    git = root / ".git"
    if git.is_file():
        first = git.read_text("utf-8").splitlines()[0]
        git = (root / first.removeprefix("gitdir:").strip()).resolve()
    return git / "lafast"


def round_cache(round_folder: Path, kind: str, suffix: str) -> Path:
    """A cache file for a round folder `<root>/comments/<slug>/runde-N`."""
    root = round_folder.parents[2]
    return private_dir(root) / kind / round_folder.parent.name / f"{round_folder.name}{suffix}"


def checked_data(cache: Path, text: str) -> Any | None:
    """The data of `text` as read and found valid before (see `remember_checked`), or None.
    Keyed by the text's SHA-256: a file changed in any way is read and checked anew."""
    try:
        kept = json.loads(cache.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("sha256") != _digest(text):
        return None
    return kept.get("data")


def remember_checked(cache: Path, text: str, data: Any) -> None:
    """Keep the data of `text`, checked against its schema, so that reading it again need
    neither parse the YAML nor check it (JSON reads ten times faster)."""
    try:
        kept = json.dumps({"sha256": _digest(text), "data": data}, ensure_ascii=False)
    except (TypeError, ValueError):
        return  # values JSON cannot hold (dates): read from the YAML each time
    with contextlib.suppress(OSError):
        write_cache(cache, kept)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _stamp(folder: Path) -> dict[str, list[int]]:
    """What the index depends on: every submission file with its size and modification time."""
    stamp = {}
    for path in folder.glob("*.yaml"):
        if path.name in NOT_SUBMISSIONS:
            continue
        st = path.stat()
        stamp[path.name] = [st.st_size, st.st_mtime_ns]
    return stamp


def write_cache(path: Path, text: str) -> None:
    """A cache file: temp file + rename (not journaled, it can always be rebuilt)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def round_index(folder: Path, *, rebuild: bool = False) -> list[Entry]:
    """The index of one round folder, rebuilt (and stored) when missing or stale."""
    cache = round_cache(folder, "kennungen", ".json")
    stamp = _stamp(folder) if folder.is_dir() else {}
    if not rebuild:
        try:
            data = json.loads(cache.read_text("utf-8"))
            if data.get("format") == FORMAT and data.get("files") == stamp:
                entries = [Entry(*row) for row in data["ids"]]
                if all(e.file in stamp for e in entries):  # names only files of the folder
                    return entries
        except (OSError, ValueError, TypeError):
            pass  # missing or broken: rebuilt below
    entries = [
        Entry(
            str(c["id"]),
            sub.path.name,
            c["anchor"].get("rn"),
            str(c["kind"]),
            sub.org,
            str(c["anchor"].get("state") or ""),
        )
        for sub in list_submissions(folder)
        for c in sub.comments
    ]
    # the stamp taken before reading: a file changed meanwhile makes the index stale next time
    data = {"format": FORMAT, "files": stamp, "ids": [list(vars(e).values()) for e in entries]}
    with contextlib.suppress(OSError):  # read-only: answer from what was read, uncached
        write_cache(cache, json.dumps(data, ensure_ascii=False))
    return entries


STORED_FORMAT = "lafast-einreichungen/1"


def stored_submissions(folder: Path) -> list[Stored]:
    """`list_submissions` of a round folder, each file's data kept in a cache of the round
    (`.git/lafast/einreichungen/<slug>/runde-N.json`) under the SHA-256 of its text: a file
    changed in any way is read anew, the others come from one JSON read instead of a YAML
    parse each (an import into a round of hundreds of answers reads them all)."""
    if not folder.is_dir():
        return []
    cache = round_cache(folder, "einreichungen", ".json")
    try:
        kept = json.loads(cache.read_text("utf-8"))
        files = kept["files"] if kept.get("format") == STORED_FORMAT else {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        files = {}
    fresh: dict[str, Any] = {}
    found = []
    for path in sorted(p for p in folder.glob("*.yaml") if p.name not in NOT_SUBMISSIONS):
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            continue
        digest = _digest(text)
        entry = files.get(path.name) if isinstance(files, dict) else None
        if isinstance(entry, dict) and entry.get("sha256") == digest and "data" in entry:
            data = entry["data"]
            fresh[path.name] = entry
        else:
            data = yamlio.load(text, path=path, error=SubmissionBroken, fast=True)
            fresh[path.name] = {"sha256": digest}
            if _same_in_json(data):  # else (a date, a number as key) read from the YAML
                fresh[path.name]["data"] = data
        if isinstance(data, dict) and data.get("format") == "lafast-submission/1":
            found.append(Stored(path, data))
    if fresh != files:
        with contextlib.suppress(OSError):
            write_cache(cache, json.dumps({"format": STORED_FORMAT, "files": fresh}))
    return found


def _same_in_json(data: Any) -> bool:
    try:
        return bool(json.loads(json.dumps(data, allow_nan=False)) == data)
    except (TypeError, ValueError):
        return False


def round_folders(ws: Workspace, slug: str) -> list[Path]:
    """The round folders of a document, oldest first."""
    doc = ws.comments_dir / slug
    if not doc.is_dir():
        return []
    folders = [p for p in doc.glob("runde-*") if p.is_dir()]
    return sorted(folders, key=lambda p: (int(n) if (n := p.name[6:]).isdigit() else 0, p.name))


def _documents_for(ws: Workspace, comment_id: str) -> list[str]:
    """The documents whose code the id carries (`AWO-MF-001` -> the ones coded MF); all when
    none is (ids from elsewhere)."""
    docs = sorted(p.name for p in ws.comments_dir.glob("*") if p.is_dir())
    parts = comment_id.split("-")
    code = parts[-2] if len(parts) >= 3 else ""
    return [d for d in docs if doc_code(d) == code] or docs


def locate(ws: Workspace, comment_id: str) -> tuple[Stored, dict[str, Any]] | None:
    """The submission and the comment with this id, or None. Two passes: the indexes as they
    are, then rebuilt from the files (so that no answer rests on a stale index)."""
    wanted = comment_id.strip().upper()
    folders = [f for slug in _documents_for(ws, wanted) for f in round_folders(ws, slug)]
    for rebuild in (False, True):
        for folder in folders:
            for e in round_index(folder, rebuild=rebuild):
                if e.id != wanted:
                    continue
                sub = load_submission(folder / e.file)
                for c in _comments(sub):
                    if sub is not None and c["id"] == wanted:
                        return sub, c
    return None


def find_comment(ws: Workspace, comment_id: str) -> tuple[Stored, dict[str, Any]]:
    found = locate(ws, comment_id)
    if found is None:
        raise CommentNotFound(
            f"Eine Anmerkung „{comment_id}“ gibt es nicht.",
            hint="„lafast comments list KURZNAME“ zeigt alle Kennungen.",
        )
    return found


@dataclass(frozen=True)
class Filter:
    """What `comments list` asks for; None or "" lets everything through."""

    rn: int | None = None
    kind: str | None = None
    org: str | None = None
    state: str | None = None

    def passes(self, rn: int | None, kind: str, org: str, state: str) -> bool:
        return (
            (self.rn is None or rn == self.rn)
            and (not self.kind or kind == self.kind)
            and (not self.org or org == self.org)
            and (not self.state or state == self.state)
        )


def select(
    ws: Workspace, slug: str, wanted: Filter, *, round_id: str | None = None
) -> Iterator[tuple[Stored, dict[str, Any]]]:
    """The stored comments of a document that pass the filter, oldest round first. Only the
    submission files that the index names are read; the filter is checked again on them."""
    for folder in round_folders(ws, slug):
        if round_id and folder.name != round_id:
            continue
        files = sorted(
            {e.file for e in round_index(folder) if wanted.passes(e.rn, e.kind, e.org, e.state)}
        )
        for name in files:
            sub = load_submission(folder / name)
            for c in _comments(sub):
                a = c["anchor"]
                if sub is not None and wanted.passes(
                    a.get("rn"), c["kind"], sub.org, a.get("state") or ""
                ):
                    yield sub, c


def _comments(sub: Stored | None) -> list[dict[str, Any]]:
    return sub.comments if sub is not None else []
