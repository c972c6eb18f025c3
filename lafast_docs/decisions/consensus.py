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

from lafast_docs.consultation.rounds import find_round, list_rounds
from lafast_docs.consultation.submissions import list_submissions
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
    round: str = ""  # the round it was recorded for ("" in records made before lafast knew)

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
                str(data.get("round") or ""),
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
    round_id: str | None = None,
) -> Consensus:
    """Record a committee decision for one round (the newest unless named): it confirms the
    named decisions, or all accepted ones of that round (never those of earlier rounds)."""
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
    rnd = find_round(ws, slug, round_id)
    if all_accepted:
        decided = disposition.current(rnd.folder)
        ids = sorted(cid for cid, d in decided.items() if d.decision in disposition.APPLY)
        if not ids:
            raise ConsensusError(
                f"In der {rnd.id} gibt es keine angenommenen Anmerkungen, die zu bestätigen wären.",
                hint="Erst entscheiden (offen: „lafast comments list "
                + f"{slug} --decision offen“)"
                + ("; eine andere Runde wählen Sie mit --round N." if rnd.number > 1 else "."),
            )
    else:
        ids = list(dict.fromkeys(c.strip().upper() for c in confirms or [] if c.strip()))
        known = _decided_by_id(ws, slug)
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
        "round": rnd.id,
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
        f"Konsens {org.name} vom {date:%d.%m.%Y} zu {slug} ({rnd.id}): {len(ids)} "
        "Entscheidung(en) bestätigt",
    )
    return Consensus(path, gremium, date, tuple(people), tuple(ids), note.strip(), rnd.id)


def _decided_by_id(ws: Workspace, slug: str) -> dict[str, disposition.Decision | None]:
    """Every comment id of the document (all rounds) -> its current decision, if any."""
    known: dict[str, disposition.Decision | None] = {}
    for rnd in list_rounds(ws, slug):
        decided = disposition.current(rnd.folder)
        for sub in list_submissions(rnd.folder):
            for c in sub.comments:
                known[c["id"]] = decided.get(c["id"])
    return known


def required_gremien(ws: Workspace, doc_type: str) -> list[str]:
    return ws.config.consensus.get(doc_type, [])


def confirmations(ws: Workspace, slug: str) -> dict[str, list[Consensus]]:
    """comment id -> consensus records confirming it, each once, oldest first.

    Records written before consensus was kept per round (no `round`) confirmed every accepted
    comment of the document again at each meeting: such a repetition by the same Gremium of
    an id it had already confirmed is not a new consensus and is left out."""
    result: dict[str, list[Consensus]] = {}
    for c in sorted(list_consensus(ws, slug), key=lambda k: (k.date, k.path.name)):
        for cid in dict.fromkeys(c.confirms):
            earlier = result.setdefault(cid, [])
            if not c.round and any(k.gremium == c.gremium for k in earlier):
                continue
            earlier.append(c)
    return result
