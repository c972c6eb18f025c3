"""What every output shows besides the text: title block, Stand, version, commit, organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from lafast_docs.render import brand
from lafast_docs.text.drafts import STATE_NAMES, Draft
from lafast_docs.workspace import Workspace

MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


def german_date(d: dt.date | None) -> str:
    """2026-11-21 -> '21. November 2026'."""
    if d is None:
        return ""
    return f"{d.day}. {MONTHS[d.month - 1]} {d.year}"


@dataclass(frozen=True)
class Edition:
    """Which state of the text is rendered: its Stand date and commit (if committed clean)."""

    stand: dt.date
    commit: str  # full sha, or "" for uncommitted changes

    @property
    def commit_short(self) -> str:
        return self.commit[:10]


def edition_of(ws: Workspace, draft: Draft, *, today: dt.date | None = None) -> Edition:
    """Stand is the front matter's `stand`, else the date of the last commit of a clean draft,
    else today (uncommitted changes)."""
    store = ws.store
    dirty = store.is_dirty(draft.folder)
    last = None if dirty else store.last_change(draft.folder)
    explicit = draft.meta.get("stand")
    if isinstance(explicit, dt.date):
        stand = explicit
    elif last is not None:
        stand = last.date.date()
    else:
        stand = today or dt.date.today()
    return Edition(stand, last.sha if last else "")


def document_context(ws: Workspace, draft: Draft, edition: Edition) -> dict[str, Any]:
    cfg = ws.config
    m = draft.meta
    bezug = m.get("bezug") or {}
    return {
        "lang": "de-DE",
        "type": draft.type,
        "type_name": draft.type_name,
        "slug": draft.slug,
        "title": draft.title,
        "subtitle": str(m.get("subtitle") or ""),
        "authors": [str(a) for a in (m.get("authors") or [])],
        "keywords": [str(k) for k in (m.get("keywords") or [])],
        "version": draft.version,
        "state": draft.state,
        "state_name": STATE_NAMES.get(draft.state, draft.state),
        "geltungsbereich": str(m.get("geltungsbereich") or ""),
        "adressat": str(m.get("adressat") or ""),
        "bezug_titel": str(bezug.get("titel") or "") if isinstance(bezug, dict) else "",
        "bezug_datum": german_date(bezug.get("datum")) if isinstance(bezug, dict) else "",
        "frist": german_date(m.get("frist")),
        "stand": german_date(edition.stand),
        "stand_iso": edition.stand.isoformat(),
        "commit": edition.commit,
        "commit_short": edition.commit_short,
        "org_name": cfg.org_name,
        "org_short": cfg.org_short,
        "org_address": cfg.org_address,
        "org_website": cfg.org_website,
        "funding_note": cfg.funding_note,
        "logo": brand.logo(ws, draft.type, cfg.org_name),
        # set by a final render (render.final_context): sign-off block and identification
        "final": False,
        "signoffs": [],
        "freigabe": "",
    }


def title_rows(ctx: dict[str, Any]) -> list[tuple[str, str]]:
    """The title page's metadata, label and value (the commit id short: the full one is in the
    document's properties and in the sign-off block)."""
    rows = [("Stand", ctx["stand"]), ("Version", f"{ctx['version']} ({ctx['state_name']})")]
    if ctx["geltungsbereich"]:
        rows.append(("Geltungsbereich", ctx["geltungsbereich"]))
    if ctx["adressat"]:
        rows.append(("An", ctx["adressat"]))
    if ctx["bezug_titel"]:
        datum = f" vom {ctx['bezug_datum']}" if ctx["bezug_datum"] else ""
        rows.append(("Bezug", ctx["bezug_titel"] + datum))
    if ctx["frist"]:
        rows.append(("Frist", ctx["frist"]))
    if ctx["authors"]:
        rows.append(("Verfasst von", ", ".join(ctx["authors"])))
    if ctx["commit_short"]:
        rows.append(("Fassung", ctx["commit_short"]))
    if ctx.get("final"):
        signed = "; ".join(f"{s['name']} ({s['role']}, {s['date']})" for s in ctx["signoffs"])
        rows.append(("Freigegeben", signed))
    return rows
