"""Disposition (Abwägung): a decision with a reason on every comment, with its history.

Stored per round in `comments/<slug>/<round>/abwaegung.yaml` (format `lafast-abwaegung/1`):
for every comment id the list of decisions in the order they were made; the last one counts.
Changing a decision appends, it never overwrites.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.consultation.idindex import (
    checked_data,
    find_comment,
    remember_checked,
    round_cache,
)
from lafast_docs.consultation.model import require_valid, validate
from lafast_docs.errors import DecisionError, DispositionFileError, LafastError, Problem
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.workspace import Workspace

FILE = "abwaegung.yaml"
FORMAT = "lafast-abwaegung/1"
SCHEMA = "abwaegung.schema.json"
DECISIONS = {
    "angenommen": "angenommen",
    "teilweise": "teilweise angenommen",
    "abgelehnt": "abgelehnt",
    "zurueckgestellt": "zurückgestellt",
    "doppelung": "Doppelung",
    "zurueckgezogen": "zurückgezogen",
    "kenntnis": "zur Kenntnis genommen",
}
APPLY = ("angenommen", "teilweise")  # decisions whose proposals are merged into the text


@dataclass(frozen=True)
class Decision:
    comment_id: str
    decision: str
    reason: str
    text: str  # for "teilweise": the wording that is accepted instead of the proposal
    duplicate_of: str
    by: str
    at: str
    via: str = ""  # where a bulk decision came from, e.g. "abwaegung.xlsx, Zeile 7"
    replaces: str = ""  # for "teilweise": the passage `text` replaces (when the comment has none)

    @property
    def label(self) -> str:
        label = DECISIONS[self.decision]
        return f"{label} {self.duplicate_of}" if self.duplicate_of else label

    def as_data(self) -> dict[str, Any]:
        data = {"decision": self.decision, "reason": self.reason, "by": self.by, "at": self.at}
        if self.text:
            data["text"] = self.text
        if self.duplicate_of:
            data["duplicate_of"] = self.duplicate_of
        if self.via:
            data["via"] = self.via
        if self.replaces:
            data["replaces"] = self.replaces
        return data

    def same_as(self, other: Decision) -> bool:
        """The same decision, whoever made it when."""
        return (self.decision, self.reason, self.text, self.duplicate_of, self.replaces) == (
            other.decision,
            other.reason,
            other.text,
            other.duplicate_of,
            other.replaces,
        )


def _path(round_folder: Path) -> Path:
    return round_folder / FILE


def load(round_folder: Path) -> dict[str, list[Decision]]:
    path = _path(round_folder)
    if not path.is_file():
        return {}
    text = path.read_text("utf-8")
    cache = round_cache(round_folder, "abwaegung", ".json")
    data = checked_data(cache, text)
    problems = []
    if data is None:
        data = yamlio.load(text, path=path, error=LafastError, fast=True)
        problems = validate(data, SCHEMA)
        if not problems:
            remember_checked(cache, text, data)
    if problems:
        raise DispositionFileError(
            "Die Abwägungsdatei entspricht nicht ihrem Format.",
            path=path,
            problems=[Problem(p) for p in problems[:10]],
            hint="Stellen Sie sie mit git aus einer früheren Fassung wieder her "
            "(„git checkout -- DATEI“); ändern Sie sie nur mit lafast.",
        )
    result: dict[str, list[Decision]] = {}
    for cid, entries in (data.get("decisions") or {}).items():
        result[str(cid)] = [
            Decision(
                str(cid),
                str(e["decision"]),
                str(e.get("reason") or ""),
                str(e.get("text") or ""),
                str(e.get("duplicate_of") or ""),
                str(e.get("by") or ""),
                str(e.get("at") or ""),
                str(e.get("via") or ""),
                str(e.get("replaces") or ""),
            )
            for e in entries
        ]
    return result


def current(round_folder: Path) -> dict[str, Decision]:
    return {cid: entries[-1] for cid, entries in load(round_folder).items() if entries}


def _write(
    round_folder: Path,
    decisions: dict[str, list[Decision]],
    slug: str,
    round_id: str,
    changed: set[str],
) -> Path:
    """Write the round's file. What `load` read was checked already; the schema checks the
    histories of the `changed` ids (the ones given new entries) before anything is written."""
    path = _path(round_folder)
    histories = {cid: [d.as_data() for d in entries] for cid, entries in sorted(decisions.items())}
    data = {"format": FORMAT, "document": slug, "round": round_id, "decisions": histories}
    new = {**data, "decisions": {c: histories[c] for c in sorted(changed)}}
    require_valid(new, SCHEMA, what=f"Die Abwägung ({path.name})")
    text = (
        "# Abwägung – von lafast geschrieben; ändern mit „lafast decide“ oder "
        "„lafast disposition import“.\n" + yamlio.dump(data, fast=True)
    )
    atomic_write(path, text)
    remember_checked(round_cache(round_folder, "abwaegung", ".json"), text, data)
    return path


def validate_decision(
    decision: str, *, reason: str, text: str, duplicate_of: str, replaces: str = ""
) -> None:
    if decision not in DECISIONS:
        raise DecisionError(
            f"Unbekannte Entscheidung „{decision}“.", hint="Möglich: " + ", ".join(DECISIONS)
        )
    if decision != "angenommen" and not reason.strip():
        raise DecisionError(
            "Die Begründung fehlt.",
            hint='Geben Sie --reason "…" an (nur bei „angenommen“ nicht nötig).',
        )
    if decision == "teilweise" and not text.strip():
        raise DecisionError(
            "Bei „teilweise angenommen“ fehlt die übernommene Formulierung.",
            hint='Geben Sie sie mit --text "…" an.',
        )
    if replaces.strip() and decision != "teilweise":
        raise DecisionError(
            "Die ersetzte Textstelle (--replaces) gibt es nur bei „teilweise angenommen“.",
            hint='Entscheiden Sie mit --partly --text "…" --replaces "…".',
        )
    if decision == "doppelung" and not duplicate_of.strip():
        raise DecisionError(
            "Bei einer Doppelung fehlt die Kennung der anderen Anmerkung.",
            hint="Geben Sie --duplicate-of KENNUNG an.",
        )


def decide(
    ws: Workspace,
    comment_id: str,
    decision: str,
    *,
    reason: str = "",
    text: str = "",
    duplicate_of: str = "",
    replaces: str = "",
    commit: bool = True,
) -> Decision:
    """Record one decision (appended to the comment's history) and commit. `replaces`: for
    „teilweise“, the passage of the text that `text` replaces (for a comment that names only a
    Randnummer, e.g. from a spreadsheet)."""
    validate_decision(
        decision, reason=reason, text=text, duplicate_of=duplicate_of, replaces=replaces
    )
    sub, comment = find_comment(ws, comment_id)
    if duplicate_of:
        find_comment(ws, duplicate_of)  # must exist
        if duplicate_of.upper() == comment["id"]:
            raise DecisionError("Eine Anmerkung kann keine Doppelung ihrer selbst sein.")
    folder = sub.path.parent
    decisions = load(folder)
    entry = make(ws, comment["id"], decision, reason, text, duplicate_of, replaces=replaces)
    history = decisions.setdefault(comment["id"], [])
    if history and history[-1].same_as(entry) and history[-1].by == entry.by:
        return history[-1]  # a rerun (e.g. after a crash) records it once
    history.append(entry)
    path = _write(folder, decisions, sub.data["document"], sub.data["round"], {comment["id"]})
    if commit:
        ws.store.commit([path], f"Abwägung {comment['id']}: {entry.label}")
    return entry


def make(
    ws: Workspace,
    comment_id: str,
    decision: str,
    reason: str = "",
    text: str = "",
    duplicate_of: str = "",
    via: str = "",
    *,
    replaces: str = "",
) -> Decision:
    """A new decision by the current user, now."""
    return Decision(
        comment_id,
        decision,
        reason.strip(),
        text.strip(),
        duplicate_of.strip().upper(),
        ws.store.identity(),
        dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        via,
        " ".join(replaces.split()),
    )


def append(
    ws: Workspace, round_folder: Path, entries: list[Decision], *, message: str
) -> Path | None:
    """Append several decisions to one round's file in one commit (the bulk path)."""
    if not entries:
        return None
    decisions = load(round_folder)
    for entry in entries:
        decisions.setdefault(entry.comment_id, []).append(entry)
    rnd = round_folder.name
    path = _write(
        round_folder, decisions, round_folder.parent.name, rnd, {e.comment_id for e in entries}
    )
    ws.store.commit([path], message)
    return path
