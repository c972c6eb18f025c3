"""Where each key figure and norm of the register is used, and what is out of date.

Places are the drafts as they are on disk and every published version (the tags
`lafast/<slug>/veroeffentlicht/<version>`, read from git objects). Each place shows the value
valid at its own Stand; it is flagged when
- a draft would now render another value than when it was last saved (the register's value
  for its Stand was corrected since), or its Stand lies before a newer value (`veraltet`:
  saving or a new `stand:` brings the new one);
- a published version quotes a value (as the register had it when it was published) that is
  no longer valid today (`veraltet`).
`lafast status` shows the flags; `lafast register used` lists every place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from lafast_docs.errors import LafastError, RegisterEntryUnknown, RegisterInvalid
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.storage.git import Store
from lafast_docs.text import references
from lafast_docs.text.drafts import Draft, draft_path, explicit_stand, list_drafts, parse_draft
from lafast_docs.text.history import model_of
from lafast_docs.text.register import (
    KIND_NAMES,
    KINDS,
    LIST_KEY,
    REGISTER_NAME,
    VALUE_KEY,
    Entry,
    Register,
    load_register,
    parse_register,
    register_path,
)
from lafast_docs.workspace import Workspace

PUBLISHED = "veroeffentlicht"


@dataclass(frozen=True)
class Place:
    kind: str
    id: str
    slug: str
    version: str
    published: bool
    stand: dt.date
    rns: tuple[int, ...]
    shown: str  # the value this place shows (at its Stand)
    today: str  # the value valid today ("" when none)
    changed_to: str = ""  # a draft: what it would render now, when the register changed since

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    @property
    def outdated(self) -> bool:
        return bool(self.today) and self.shown != self.today

    @property
    def where(self) -> str:
        what = f"veröffentlichte Version {self.version}" if self.published else "Entwurf"
        rns = ", ".join(str(r) for r in self.rns)
        return f"{self.slug} ({what}, Stand {self.stand:%d.%m.%Y})" + (
            f", Rn. {rns}" if rns else ""
        )

    def note(self) -> str:
        """German flag, or ""."""
        if self.changed_to:
            return (
                f"würde jetzt {self.changed_to} statt {self.shown} zeigen (Register geändert) – "
                "neu erzeugen und prüfen"
            )
        if not self.outdated:
            return ""
        if self.published:
            return f"zitiert {self.shown}, heute gilt {self.today} – neue Version erwägen"
        return (
            f"zeigt {self.shown} (Stand {self.stand:%d.%m.%Y}), heute gilt {self.today} – "
            "speichern oder „stand:“ anpassen"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "art": self.kind,
            "kurzname": self.id,
            "dokument": self.slug,
            "version": self.version,
            "veroeffentlicht": self.published,
            "stand": self.stand.isoformat(),
            "randnummern": list(self.rns),
            "wert": self.shown,
            "heute": self.today or None,
            "hinweis": self.note() or None,
        }


def where_used(ws: Workspace, entry_id: str | None = None, *, rns: bool = True) -> list[Place]:
    """Every place that uses an entry (or only `entry_id`), drafts first, then published.
    `rns=False` reads the references from the source without pandoc (fast, no Randnummern)."""
    register = load_register(ws)
    today = dt.date.today()
    places: list[Place] = []
    store = ws.store
    for item in list_drafts(ws):
        if isinstance(item, Draft) and references.has_references(item.body):
            last = store.last_change(item.folder)
            saved = last is not None and not store.is_dirty(item.folder)
            stand = explicit_stand(item) or (last.date.date() if saved and last else today)
            before = _register_at(store, ws, last.sha) if last is not None else None
            places += _places(item, register, stand, today, entry_id, False, before, rns)
    for tag in store.tag_records("lafast/"):
        parts = tag["name"].split("/")
        if len(parts) != 4 or parts[2] != PUBLISHED:
            continue
        rev = tag["commit"] or tag["name"]
        path = draft_path(ws, parts[1])
        try:
            draft = parse_draft(store.read_at(rev, path), path=path, slug=parts[1], editable=False)
        except LafastError:
            continue  # a version whose text cannot be read is no place of use
        if references.has_references(draft.body):
            stand = explicit_stand(draft) or dt.date.fromisoformat(store.commit_date(rev)[:10])
            shown = _register_at(store, ws, rev)  # the register as it was published
            found = _places(draft, register, stand, today, entry_id, True, shown, rns)
            places += [replace(p, version=parts[3]) for p in found]  # the published number
    return places


def stale(ws: Workspace) -> list[Place]:
    """The places `lafast status` flags."""
    if not register_path(ws).is_file():
        return []
    return [p for p in where_used(ws, rns=False) if p.note()]


def _places(
    draft: Draft,
    register: Register,
    stand: dt.date,
    today: dt.date,
    entry_id: str | None,
    published: bool,
    before: Register | None,
    with_rns: bool,
) -> list[Place]:
    draft.figures = references.Figures(lambda: register, lambda: stand)
    by_entry: dict[tuple[str, str], list[int]] = {}
    if with_rns:
        found_uses = [(u.kind, u.id, u.rn) for u in references.uses(model_of(draft))]
    else:
        found_uses = [(m[1], m[2], None) for m in references.SOURCE_REF.finditer(draft.body)]
    for kind, eid, rn in found_uses:
        if entry_id is None or eid == entry_id:
            by_entry.setdefault((kind, eid), []).extend([rn] if rn else [])
    found = []
    for (kind, eid), rns in by_entry.items():
        entry = register.get(kind, eid)
        shown = _value(entry, stand)
        old = _value(before.get(kind, eid), stand) if before is not None else shown
        found.append(
            Place(
                kind,
                eid,
                draft.slug,
                draft.version,
                published,
                stand,
                tuple(sorted(set(rns))),
                old or shown,
                _value(entry, today),
                changed_to=shown if not published and old and old != shown else "",
            )
        )
    return found


def _value(entry: Entry | None, day: dt.date) -> str:
    period = entry.at(day) if entry is not None else None
    return period.value if period is not None else ""


def _register_at(store: Store, ws: Workspace, rev: str) -> Register | None:
    """The register in commit `rev` (None: no file then, or a broken one)."""
    try:
        return parse_register(store.read_at(rev, register_path(ws)), path=register_path(ws))
    except LafastError:
        return None


def set_value(
    ws: Workspace,
    entry_id: str,
    value: str,
    *,
    since: dt.date,
    source: str = "",
    link: str = "",
) -> tuple[Entry, list[Place]]:
    """Give `entry_id` a new value from `since` on: the current value ends the day before and
    stays in the history. Checks the whole register before writing, commits, and returns the
    entry and every place that uses it (the affected drafts and published versions)."""
    path = register_path(ws)
    register = load_register(ws, lines=True)
    entry = register.get("kz", entry_id) or register.get("norm", entry_id)
    if entry is None:
        known = ", ".join(sorted(e.id for e in register)) or "keine"
        raise RegisterEntryUnknown(
            f"„{entry_id}“ steht nicht im Kennzahlenregister (vorhanden: {known}).",
            path=path,
            hint=f"Neue Einträge legen Sie in {REGISTER_NAME} an (Beispiel im README).",
        )
    last = entry.periods[-1]
    if last.since is not None and last.since >= since:
        raise RegisterInvalid(
            f"Der neue Wert muss nach dem Beginn des bisherigen gelten ({entry.label()}: "
            f"„{last.value}“ {last.span()}).",
            path=path,
            line=last.line,
            hint=f"Ein späteres Datum mit --ab angeben oder {REGISTER_NAME} von Hand ändern.",
        )
    data = yamlio.load(path.read_text("utf-8"), path=path, error=RegisterInvalid)
    items = data[KINDS[entry.kind]][entry_id][LIST_KEY[entry.kind]]
    newest = max(items, key=lambda i: i.get("gueltig_ab") or dt.date.min)
    if newest.get("gueltig_bis") is None or newest["gueltig_bis"] >= since:
        until = since - dt.timedelta(days=1)
        if "gueltig_bis" in newest or "gueltig_ab" not in newest:
            newest["gueltig_bis"] = until
        else:  # right after gueltig_ab, as a person would write it
            newest.insert(list(newest).index("gueltig_ab") + 1, "gueltig_bis", until)
    item = {VALUE_KEY[entry.kind]: value, "gueltig_ab": since}
    item.update({k: v for k, v in (("quelle", source), ("link", link)) if v})
    items.append(item)
    text = yamlio.dump(data)
    parse_register(text, path=path)  # every problem reported, nothing written
    atomic_write(path, text)
    ws.store.commit([path], f"Register: {entry_id} {last.value} → {value} ab {since:%d.%m.%Y}")
    changed = load_register(ws).get(entry.kind, entry_id)
    assert changed is not None
    return changed, where_used(ws, entry_id)
