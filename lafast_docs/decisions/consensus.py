"""Consensus records (Konsens): a committee's decision that confirms dispositions.

`comments/<slug>/konsens/<date>-<gremium>[-n].yaml`, format `lafast-konsens/1`. Which Gremien
must confirm a change before `lafast merge` applies it is set per document type in lafast.yaml
(`document_types: fachstandard: consensus: [lag-fsa-msa]`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.consultation.submissions import iter_comments
from lafast_docs.decisions import disposition
from lafast_docs.errors import ConsensusError, LafastError
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.text.drafts import load_draft
from lafast_docs.workspace import Workspace

FORMAT = "lafast-konsens/1"


@dataclass(frozen=True)
class Consensus:
    path: Path
    gremium: str
    date: dt.date
    participants: tuple[str, ...]
    confirms: tuple[str, ...]
    note: str

    @property
    def label(self) -> str:
        return f"{self.gremium} {self.date.isoformat()}"


def folder(ws: Workspace, slug: str) -> Path:
    return ws.comments_dir / slug / "konsens"


def list_consensus(ws: Workspace, slug: str) -> list[Consensus]:
    result = []
    base = folder(ws, slug)
    for path in sorted(base.glob("*.yaml")) if base.is_dir() else []:
        data = yamlio.load(path.read_text("utf-8"), path=path, error=LafastError, fast=True)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            continue
        result.append(
            Consensus(
                path,
                str(data["gremium"]),
                data["date"],
                tuple(str(p) for p in data.get("participants") or []),
                tuple(str(c) for c in data.get("confirms") or []),
                str(data.get("note") or ""),
            )
        )
    return result


def record(
    ws: Workspace,
    slug: str,
    *,
    gremium: str,
    date: dt.date,
    participants: list[str],
    confirms: list[str] | None = None,
    all_accepted: bool = False,
    note: str = "",
) -> Consensus:
    """Record a committee decision confirming the listed (or all accepted) dispositions."""
    load_draft(ws, slug)
    org = ws.config.org(gremium)
    if org is None or org.type != "gremium":
        raise ConsensusError(
            f"„{gremium}“ ist kein Gremium im Adressbuch.",
            hint="„lafast org list“ zeigt alle Gremien (Art: Gremium).",
        )
    people = [p.strip() for p in participants if p.strip()]
    if not people:
        raise ConsensusError(
            "Die Teilnehmenden fehlen.", hint='Geben Sie --participants "Name, Name, …" an.'
        )
    if bool(confirms) == all_accepted:
        raise ConsensusError("Geben Sie entweder --confirms KENNUNG… oder --all-accepted an.")
    known: dict[str, disposition.Decision | None] = {}
    rounds = {sub.path.parent for sub, _c in iter_comments(ws, slug)}
    decided: dict[str, disposition.Decision] = {}
    for rnd in rounds:
        decided.update(disposition.current(rnd))
    for _sub, c in iter_comments(ws, slug):
        known[c["id"]] = decided.get(c["id"])
    if all_accepted:
        ids = sorted(cid for cid, d in known.items() if d and d.decision in disposition.APPLY)
        if not ids:
            raise ConsensusError(
                "Es gibt keine angenommenen Anmerkungen, die zu bestätigen wären.",
                hint="Erst entscheiden, z. B. „lafast decide "
                + (next((cid for cid, d in known.items() if d is None), "") or "KENNUNG")
                + " --accept“ (offen: „lafast comments list "
                + f"{slug} --decision offen“).",
            )
    else:
        ids = [c.strip().upper() for c in confirms or [] if c.strip()]
        unknown = [c for c in ids if c not in known]
        if unknown:
            raise ConsensusError(
                f"Unbekannte Kennung(en): {', '.join(unknown)}.",
                hint=f"„lafast comments list {slug}“ zeigt alle Kennungen.",
            )
        undecided = [c for c in ids if known[c] is None]
        if undecided:
            raise ConsensusError(
                f"Noch nicht entschieden: {', '.join(undecided)}.",
                hint="Ein Gremium bestätigt Entscheidungen: erst „lafast decide“.",
            )
    base = folder(ws, slug)
    stem = f"{date.isoformat()}-{gremium}"
    path = base / f"{stem}.yaml"
    n = 1
    while path.exists():
        n += 1
        path = base / f"{stem}-{n}.yaml"
    data: dict[str, Any] = {
        "format": FORMAT,
        "document": slug,
        "gremium": gremium,
        "date": date,
        "participants": people,
        "result": "konsens",
        "confirms": ids,
        "note": note.strip(),
        "recorded_by": ws.store.identity(),
    }
    atomic_write(path, "# Konsens – von lafast geschrieben.\n" + yamlio.dump(data, fast=True))
    ws.store.commit(
        [path],
        f"Konsens {org.name} vom {date:%d.%m.%Y} zu {slug}: {len(ids)} Entscheidung(en) bestätigt",
    )
    return Consensus(path, gremium, date, tuple(people), tuple(ids), note.strip())


def required_gremien(ws: Workspace, doc_type: str) -> list[str]:
    return ws.config.consensus.get(doc_type, [])


def confirmations(ws: Workspace, slug: str) -> dict[str, list[Consensus]]:
    """comment id -> consensus records confirming it."""
    result: dict[str, list[Consensus]] = {}
    for c in list_consensus(ws, slug):
        for cid in c.confirms:
            result.setdefault(cid, []).append(c)
    return result
