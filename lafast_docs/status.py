"""`lafast list` and `lafast status`: one row per document."""

from __future__ import annotations

from dataclasses import dataclass

from lafast_docs.config import Workspace
from lafast_docs.drafts import STATE_NAMES, Draft, list_drafts
from lafast_docs.store import CommitInfo


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
        }


def document_status(ws: Workspace, *, with_history: bool = True) -> list[DocStatus]:
    rows = []
    store = ws.store
    dirty: set[str] = set()
    if with_history and ws.drafts_dir.is_dir():  # one git call for all drafts
        dirty = {p.split("/")[1] for p in store.changed_paths(ws.drafts_dir) if p.count("/") >= 2}
    for item in list_drafts(ws):
        if isinstance(item, Draft):
            folder = item.folder
            rows.append(
                DocStatus(
                    item.slug,
                    item.type_name,
                    item.title,
                    item.state,
                    item.version,
                    store.last_change(folder) if with_history else None,
                    item.slug in dirty,
                )
            )
        else:
            slug = getattr(item, "slug", "?")
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
