"""Comments with their decisions: what `comments list` and `comments show` print.

`consultation.views` knows the comments and how they are anchored; the decisions live one
stage higher, so this module adds them: the current decision as a column and a filter
(`--decision angenommen`, `--decision offen`), and in `comments show` the decision with its
whole history and the committee consensus that confirms it.
"""

from __future__ import annotations

from typing import Any

from lafast_docs.consultation.idindex import find_comment, round_folders, round_index
from lafast_docs.consultation.rounds import list_rounds
from lafast_docs.consultation.views import list_comments, show_comment
from lafast_docs.decisions import consensus, disposition
from lafast_docs.decisions.disposition import DECISIONS, Decision
from lafast_docs.text.drafts import load_draft
from lafast_docs.workspace import Workspace

OPEN = "offen"  # the filter for comments nobody has decided yet
DECISION_FILTERS = (*DECISIONS, OPEN)


def decisions_of(ws: Workspace, slug: str) -> dict[str, list[Decision]]:
    """comment id -> its decisions, oldest first, over every round of the document."""
    result: dict[str, list[Decision]] = {}
    base = ws.comments_dir / slug
    for folder in sorted(p for p in base.glob("runde-*") if p.is_dir()):
        result.update(disposition.load(folder))
    return result


def list_decided(
    ws: Workspace, slug: str, *, decision: str | None = None, **filters: Any
) -> list[dict[str, Any]]:
    """`list_comments` with the current decision of each comment, filtered by it if asked."""
    decided = decisions_of(ws, slug)
    rows = []
    for row in list_comments(ws, slug, **filters):
        history = decided.get(row["id"]) or []
        current = history[-1] if history else None
        if decision and (current.decision if current else OPEN) != decision:
            continue
        row["entscheidung"] = current.label if current else OPEN
        rows.append(row)
    return rows


def show_decided(ws: Workspace, comment_id: str) -> list[Any]:
    """`show_comment` and then the decision: the current one, its history, the consensus."""
    lines = show_comment(ws, comment_id)
    sub, c = find_comment(ws, comment_id)
    history = disposition.load(sub.path.parent).get(c["id"]) or []
    lines.append("")
    if not history:
        lines += [
            "Entscheidung: noch offen",
            f"  Entscheiden mit „lafast decide {c['id']} --accept“ (oder --partly, --reject, "
            "--defer, --noted, --withdrawn, --duplicate-of).",
        ]
        return lines
    lines += _decision(history[-1], "Entscheidung")
    confirmed = consensus.confirmations(ws, sub.data["document"]).get(c["id"]) or []
    if confirmed:
        lines.append(
            "  Konsens: " + ", ".join(f"{k.gremium} am {k.date:%d.%m.%Y}" for k in confirmed)
        )
    if len(history) > 1:
        lines += ["", "Verlauf (älteste zuerst):"]
        for d in history:
            lines.append(f"  {_when(d)}: {d.label}" + (f" – {d.reason}" if d.reason else ""))
    return lines


def _decision(d: Decision, title: str) -> list[str]:
    lines = [f"{title}: {d.label} ({_when(d)})"]
    if d.reason:
        lines.append(f"  Begründung: {d.reason}")
    if d.replaces:
        lines.append(f"  Ersetzt: „{d.replaces}“")
    if d.text:
        lines.append(f"  Übernommene Formulierung: „{d.text}“")
    if d.via:
        lines.append(f"  Aus: {d.via}")
    return lines


def _when(d: Decision) -> str:
    """„am 21.11.2026, 14:05, von Jonas Petzold“ from the stored ISO time and name."""
    day, clock = d.at[:10], d.at[11:16]
    if len(day) == 10 and day[4] == "-" and day[7] == "-":
        day = f"{day[8:10]}.{day[5:7]}.{day[:4]}" + (f", {clock}" if len(clock) == 5 else "")
    return f"am {day}" + (f", von {d.by}" if d.by else "")


def latest_round_tag(ws: Workspace, slug: str) -> str:
    """The frozen version of the newest round (what a Synopse compares against)."""
    rounds = list_rounds(ws, slug)
    return rounds[-1].tag if rounds else "HEAD~1"


def open_ids(ws: Workspace, slug: str) -> list[str]:
    """The comments nobody has decided yet, in the order of `comments list`, found in the id
    index (consultation/idindex.py) without reading a submission: the same at 2,400 comments
    as at 60."""
    decided = decisions_of(ws, slug)
    return [
        e.id
        for folder in round_folders(ws, slug)
        for e in round_index(folder)
        if not decided.get(e.id) or decided[e.id][-1].decision == OPEN
    ]


def next_after_decision(ws: Workspace, comment_id: str, *, slug: str = "") -> str:
    """What comes next after a decision, with the values lafast knows: the next open comment,
    else the committee's record (if the type needs one), else the merge."""
    if not slug:
        slug = str(find_comment(ws, comment_id)[0].data["document"])
    still_open = open_ids(ws, slug)
    if still_open:
        return (
            f"die nächste offene Anmerkung entscheiden, z. B. {still_open[0]} "
            f"({len(still_open)} offen: „lafast comments list {slug} --decision offen“)."
        )
    doc_type = load_draft(ws, slug, editable=False).type
    for gremium in consensus.required_gremien(ws, doc_type):
        if not any(k.gremium == gremium for k in consensus.list_consensus(ws, slug)):
            return (
                f"alle Anmerkungen sind entschieden; den Beschluss festhalten: „lafast consensus "
                f"record {slug} --gremium {gremium} --date JJJJ-MM-TT --participants …“."
            )
    return (
        f"alle Anmerkungen sind entschieden; „lafast merge {slug} --dry-run“ zeigt die Änderungen."
    )
