"""What `comments list` and `comments show` print, as plain data (the CLI formats it)."""

from __future__ import annotations

from typing import Any

from lafast_docs.consultation.idindex import Filter, find_comment, select
from lafast_docs.consultation.model import KIND_NAMES
from lafast_docs.text.drafts import load_draft
from lafast_docs.text.history import word_diff
from lafast_docs.text.references import value_changes
from lafast_docs.text.register import load_register
from lafast_docs.workspace import Workspace

STATE_NAMES = {
    "exakt": "genau",
    "unscharf": "ähnlich",
    "randnummer": "Randnummer",
    "veraltet": "VERALTET",
    "ohne": "ganzes Dokument",
}


def _short(c: dict[str, Any], width: int = 70) -> str:
    text = c.get("text") or ""
    if not text and c.get("proposal"):
        p = c["proposal"]
        text = (
            f"„{p['old']}“ → „{p['new']}“"
            if p["old"] and p["new"]
            else f"streichen: „{p['old']}“"
            if p["old"]
            else f"Vorschlag: „{p['new']}“"
        )
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def list_comments(
    ws: Workspace,
    slug: str,
    *,
    round_id: str | None = None,
    rn: int | None = None,
    kind: str | None = None,
    org: str | None = None,
    state: str | None = None,
) -> list[dict[str, Any]]:
    load_draft(ws, slug)  # a clear error for an unknown document
    wanted_round = None
    if round_id:
        wanted_round = round_id if round_id.startswith("runde-") else f"runde-{round_id}"
    rows = []
    for sub, c in select(ws, slug, Filter(rn, kind, org, state), round_id=wanted_round):
        a = c["anchor"]
        rows.append(
            {
                "id": c["id"],
                "runde": sub.data["round"],
                "rn": a.get("rn"),
                "abschnitt": a.get("section", ""),
                "art": KIND_NAMES[c["kind"]],
                "org": sub.org,
                "zuordnung": STATE_NAMES[a["state"]],
                "kurz": _short(c),
                "anmerkung": c.get("text", ""),
                "vorschlag": c.get("proposal"),
                "begruendung": c.get("rationale", ""),
                "verspaetet": bool(sub.data.get("late")),
            }
        )
    return rows


def show_comment(ws: Workspace, comment_id: str) -> list[Any]:
    """Lines to print; a list line is a word diff [(op, text), …]."""
    sub, c = find_comment(ws, comment_id)
    a = c["anchor"]
    org_name = sub.data.get("org_name") or sub.org
    lines: list[Any] = [
        f"{c['id']} – {KIND_NAMES[c['kind']]}, von {org_name}"
        + (f" ({c['author']})" if c.get("author") else ""),
        f"Dokument {sub.data['document']}, {sub.data['round']}, Version {sub.data['version']}",
        f"Stelle: Rn. {a.get('rn') or '–'}"
        + (f", Abschnitt {a['section']}" if a.get("section") else "")
        + f" – Zuordnung: {STATE_NAMES[a['state']]}",
        f"Herkunft: {c.get('origin', '')}; Original: {sub.data['source']['file']}",
    ]
    if sub.data.get("late"):
        lines.append(f"Eingang: verspätet, am {sub.received[:10]} nach dem Schluss der Runde")
    if a["state"] == "veraltet":
        lines.append(
            "ACHTUNG: Die Textstelle wurde in der beratenen Fassung nicht gefunden. "
            "Bitte von Hand zuordnen; die Anmerkung bleibt erhalten."
        )
    if a.get("exact") or a.get("prefix") or a.get("suffix"):
        lines.append(
            f"Zusammenhang: …{a.get('prefix', '')}[{a.get('exact', '')}]{a.get('suffix', '')}…"
        )
    if c.get("text"):
        lines += ["", "Anmerkung:", "  " + c["text"]]
    if c.get("proposal"):
        p = c["proposal"]
        lines += ["", "Änderungsvorschlag (Wortvergleich):"]
        if p["old"]:
            lines.append(word_diff(p["old"], p["new"]))
            register = load_register(ws)
            lines += [f"  {ch.note()}" for ch in value_changes(register, p["old"], p["new"])]
        else:
            lines.append(
                [("=", a.get("prefix", "")[-20:]), ("+", p["new"]), ("=", a.get("suffix", "")[:20])]
            )
    if c.get("rationale"):
        lines += ["", "Begründung:", "  " + c["rationale"]]
    for r in c.get("replies") or []:
        lines += [
            "",
            f"Antwort von {r.get('author', '?')} ({r.get('date', '')[:10]}):",
            "  " + r.get("text", ""),
        ]
    return lines
