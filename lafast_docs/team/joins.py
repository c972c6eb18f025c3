"""Structural joins of lafast's own files when two colleagues changed them at the same time.

Decisions (`abwaegung.yaml`): the union of both histories, in time order; the last entry counts,
as always. When both decided differently on the same comment, that is a real contradiction: it
is reported (both decisions stay in the history) so that someone decides again.
Consensus records (`konsens/*.yaml`): both kept; the colleague's gets the next free name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from lafast_docs.decisions.disposition import DECISIONS, FORMAT
from lafast_docs.errors import SyncError
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.workspace import Workspace

DISPOSITION_HEADER = (
    "# Abwägung – von lafast geschrieben; ändern mit „lafast decide“ oder "
    "„lafast disposition import“.\n"
)


@dataclass(frozen=True)
class Contradiction:
    comment_id: str
    mine: str  # label of the own decision
    theirs: str  # label of the colleague's decision
    by: str  # the colleague
    path: str

    def describe(self) -> str:
        return (
            f"{self.comment_id}: Sie haben „{self.mine}“ entschieden, "
            f"{self.by or 'jemand anderes'} zugleich „{self.theirs}“ – bitte klären und mit "
            f"„lafast decide {self.comment_id} …“ "
            "neu entscheiden (bis dahin gilt die spätere)."
        )


def joinable(path: str) -> bool:
    p = PurePosixPath(path)
    return p.name == "abwaegung.yaml" or (p.parent.name == "konsens" and p.suffix == ".yaml")


def join(ws: Workspace, path: str, *, local_stage: int) -> list[Contradiction]:
    """Resolve a conflicted lafast file in the index and work tree. `local_stage` is the index
    stage holding this clone's side (2 in a merge, 3 in a rebase)."""
    if PurePosixPath(path).name == "abwaegung.yaml":
        return _join_decisions(ws, path, local_stage)
    _join_consensus(ws, path, local_stage)
    return []


def _load(text: str | None, path: str) -> dict[str, Any]:
    if not text:
        return {}
    data = yamlio.load(text, path=Path(path), error=SyncError, fast=True)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SyncError(f"{path} hat auf einer Seite ein unbekanntes Format.")
    return data


def _entries(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {str(c): [dict(e) for e in es or []] for c, es in (data.get("decisions") or {}).items()}


def _join_decisions(ws: Workspace, path: str, local_stage: int) -> list[Contradiction]:
    store = ws.store
    base = _entries(_load(store.conflict_side(path, 1), path))
    local = _load(store.conflict_side(path, local_stage), path)
    other = _load(store.conflict_side(path, 5 - local_stage), path)
    merged: dict[str, list[dict[str, Any]]] = {}
    contradictions = []
    sides = (_entries(local), _entries(other))
    # git's stage order (2, 3): in a rebase the own, replayed decisions come last, as they did
    for data in sides if local_stage == 2 else sides[::-1]:
        for cid, entries in data.items():
            have = merged.setdefault(cid, [])
            have.extend(e for e in entries if e not in have)
    for cid in sorted(set(sides[0]) & set(sides[1])):
        new = [[e for e in side[cid] if e not in base.get(cid, [])] for side in sides]
        if new[0] and new[1] and new[0][-1]["decision"] != new[1][-1]["decision"]:
            mine, theirs = new[0][-1], new[1][-1]
            contradictions.append(
                Contradiction(
                    cid,
                    DECISIONS.get(str(mine["decision"]), str(mine["decision"])),
                    DECISIONS.get(str(theirs["decision"]), str(theirs["decision"])),
                    str(theirs.get("by") or "").split(" <")[0],
                    path,
                )
            )
    head = local or other
    out = {
        "format": FORMAT,
        "document": head.get("document", ""),
        "round": head.get("round", ""),
        "decisions": {
            cid: sorted(entries, key=lambda e: str(e.get("at", "")))
            for cid, entries in sorted(merged.items())
        },
    }
    atomic_write(ws.root / path, DISPOSITION_HEADER + yamlio.dump(out, fast=True))
    store.stage(path)
    return contradictions


def _join_consensus(ws: Workspace, path: str, local_stage: int) -> None:
    """Two records under one name (same Gremium, same day): keep both."""
    local = ws.store.conflict_side(path, local_stage)
    other = ws.store.conflict_side(path, 5 - local_stage)
    target = ws.root / path
    atomic_write(target, local or other or "")
    ws.store.stage(path)
    if local and other and local != other:
        n = 2
        stem = target.stem
        while (free := target.with_name(f"{stem}-{n}.yaml")).exists():
            n += 1
        atomic_write(free, other)
        ws.store.stage(free.relative_to(ws.root).as_posix())
