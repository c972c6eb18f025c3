"""`lafast list` and `lafast status`: one row per document."""

from __future__ import annotations

from dataclasses import dataclass

from lafast_docs.errors import LafastError
from lafast_docs.office import figures
from lafast_docs.release.signoff import signoff_status
from lafast_docs.storage.git import CommitInfo
from lafast_docs.text.drafts import STATE_NAMES, Draft, list_drafts
from lafast_docs.text.references import has_references
from lafast_docs.workspace import Workspace


@dataclass(frozen=True)
class DocStatus:
    slug: str
    type_name: str
    title: str
    state: str
    version: str
    last_change: CommitInfo | None
    unsaved: bool
    problem: str = ""
    signoffs: str = ""  # "1/2", "2/2 (…)", "" when the type needs none
    signoff_notes: tuple[str, ...] = ()  # why an approval is void
    figure_notes: tuple[str, ...] = ()  # key figures and norms out of date (office/figures.py)

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)

    def as_dict(self) -> dict[str, object]:
        lc = self.last_change
        return {
            "kurzname": self.slug,
            "typ": self.type_name,
            "titel": self.title,
            "stand": self.state,
            "version": self.version,
            "ungespeichert": self.unsaved,
            "letzte_aenderung": lc.date.isoformat() if lc else None,
            "von": lc.author if lc else None,
            "problem": self.problem or None,
            "freigaben": self.signoffs or None,
            "freigabe_hinweise": list(self.signoff_notes),
            "kennzahlen_hinweise": list(self.figure_notes),
        }


def document_status(ws: Workspace, *, with_history: bool = True) -> list[DocStatus]:
    rows = []
    store = ws.store
    dirty: set[str] = set()
    if with_history and ws.drafts_dir.is_dir():  # one git call for all drafts
        dirty = {p.split("/")[1] for p in store.changed_paths(ws.drafts_dir) if p.count("/") >= 2}
    approved: set[str] = set()
    published: set[tuple[str, str]] = set()
    if with_history:  # one git call; sign-offs are checked only for documents that have some
        for r in store.tag_records("lafast/"):
            parts = r["name"].split("/")
            if len(parts) >= 4 and parts[2] == "freigabe":
                approved.add(parts[1])
            elif len(parts) == 4 and parts[2] == "veroeffentlicht":
                published.add((parts[1], parts[3]))
    flagged: dict[str, list[str]] = {}
    broken = ""  # a broken register hides no row: each draft that uses it says so
    if with_history:  # only drafts and versions that use the register cost anything
        try:
            for place in figures.stale(ws):
                flagged.setdefault(place.slug, []).append(_figure_note(place))
        except LafastError as exc:
            broken = (
                f"Kennzahlenregister fehlerhaft – „lafast register list“ zeigt, wo ({exc.message})"
            )
    for item in list_drafts(ws):
        if isinstance(item, Draft):
            folder = item.folder
            state, summary = item.state, ""
            notes: tuple[str, ...] = ()
            if with_history:
                state, summary, notes = _signoffs(ws, item, item.slug in approved)
                if state == "freigegeben" and (item.slug, item.version) in published:
                    state = "veroeffentlicht"
            rows.append(
                DocStatus(
                    item.slug,
                    item.type_name,
                    item.title,
                    state,
                    item.version,
                    store.last_change(folder) if with_history else None,
                    item.slug in dirty,
                    signoffs=summary,
                    signoff_notes=notes,
                    figure_notes=(broken,)
                    if broken and has_references(item.body)
                    else tuple(flagged.get(item.slug, ())),
                )
            )
        else:
            slug = item.slug or "?"
            folder = ws.drafts_dir / slug
            rows.append(
                DocStatus(
                    slug,
                    "?",
                    "",
                    "",
                    "",
                    store.last_change(folder) if with_history else None,
                    slug in dirty,
                    problem=item.render(),
                )
            )
    return rows


def _figure_note(place: figures.Place) -> str:
    what = f"Version {place.version} (veröffentlicht)" if place.published else "Entwurf"
    return f"{what}: {place.kind_name} „{place.id}“ {place.note()}"


def _signoffs(ws: Workspace, draft: Draft, has_any: bool) -> tuple[str, str, tuple[str, ...]]:
    """Effective state, summary and reasons: `freigegeben` only while every approval holds."""
    needed = ws.config.approvers.get(draft.type, [])
    state = draft.state
    if state in ("freigegeben", "veroeffentlicht"):
        state = "abstimmung"  # the front matter cannot approve a text; only sign-offs can
    if not needed:
        return state, "", ()
    if not has_any:
        return state, f"0/{len(needed)}", ()

    try:
        st = signoff_status(ws, draft.slug)
    except LafastError as exc:
        return state, "?", (exc.message,)
    notes = tuple(
        f"{r.label}: {' '.join(r.check.reasons)}"
        for r in st.roles
        if r.check is not None and not r.check.valid
    )
    if st.unsaved:
        notes += (
            "ungespeicherte Änderungen – nach dem Speichern gelten die Freigaben nicht mehr.",
        )
    held = bool(st.roles) and all(r.valid for r in st.roles)
    return ("freigegeben" if held else state), st.summary(), notes
