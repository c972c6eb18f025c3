"""The register of key figures and legal references (`kennzahlen.yaml` in the workspace).

Each entry has an id and a history of values, each valid for a period: a key figure
(`kennzahlen:`) has values ("1:80", "54"), a legal reference (`rechtsgrundlagen:`) has
citations ("§ 12 Abs. 2 LAufnG") per version of the law. A draft refers to an entry with a
pandoc span whose text stays readable: `[1:80]{kz=betreuungsschluessel}`,
`[§ 12 LAufnG]{norm=laufng-12}`. The text written between the brackets is what the author saw;
`references.py` puts in the value valid at the document's Stand.

The file is read with line numbers and checked as a whole: every problem is reported at once,
naming file and line. Values are text: markup or links in a value are shown, never followed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lafast_docs.errors import Problem, RegisterInvalid
from lafast_docs.storage import yamlio
from lafast_docs.text.invisible import visible
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.create import REGISTER_NAME

FORMAT = 1
KINDS = {"kz": "kennzahlen", "norm": "rechtsgrundlagen"}  # span attribute -> section
KIND_NAMES = {"kz": "Kennzahl", "norm": "Rechtsgrundlage"}
VALUE_KEY = {"kz": "wert", "norm": "zitat"}
LIST_KEY = {"kz": "werte", "norm": "fassungen"}
_PERIOD_KEYS = ("gueltig_ab", "gueltig_bis", "quelle", "link", "fassung", "notiz")
_ID = re.compile(r"\A[a-z0-9][a-z0-9-]{0,62}\Z")
_MAX_VALUE = 200


@dataclass(frozen=True)
class Period:
    """One value of an entry and the days it is valid (`until` inclusive, None = open)."""

    value: str
    since: dt.date | None
    until: dt.date | None
    source: str = ""  # norm and paragraph, or publication
    link: str = ""  # http(s) only
    version: str = ""  # of a law: "in der Fassung vom …"
    note: str = ""
    line: int | None = None

    def valid_on(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )

    def span(self) -> str:
        """'ab 1. Januar 2026', 'bis 31. Dezember 2025', 'immer'."""
        since = f"ab {self.since.strftime('%d.%m.%Y')}" if self.since else ""
        until = f"bis {self.until.strftime('%d.%m.%Y')}" if self.until else ""
        return " ".join(p for p in (since, until) if p) or "ohne Befristung"


@dataclass(frozen=True)
class Entry:
    kind: str  # "kz" or "norm"
    id: str
    title: str
    unit: str
    note: str
    periods: tuple[Period, ...]
    line: int | None = None

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    def at(self, day: dt.date) -> Period | None:
        """The value valid on `day`, or None."""
        return next((p for p in self.periods if p.valid_on(day)), None)

    @property
    def current(self) -> Period | None:
        return self.at(dt.date.today())

    def label(self) -> str:
        return f"{self.kind_name} „{self.id}“" + (f" ({self.title})" if self.title else "")


@dataclass(frozen=True)
class Register:
    path: Path
    entries: dict[tuple[str, str], Entry]
    digest: str  # of the file's bytes ("" when there is no file)

    def get(self, kind: str, entry_id: str) -> Entry | None:
        return self.entries.get((kind, entry_id))

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)


def register_path(ws: Workspace) -> Path:
    return ws.root / REGISTER_NAME


def empty(path: Path) -> Register:
    return Register(path, {}, "")


def load_register(ws: Workspace, *, lines: bool = False) -> Register:
    """The workspace's register; an empty one when there is no file."""
    path = register_path(ws)
    if not path.is_file():
        return empty(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegisterInvalid(
            f"Das Kennzahlenregister kann nicht gelesen werden ({exc}).",
            path=path,
            hint="Speichern Sie die Datei im Editor mit der Kodierung UTF-8.",
        ) from exc
    return parse_register(text, path=path, digest=hashlib.sha256(raw).hexdigest(), lines=lines)


def parse_register(text: str, *, path: Path, digest: str = "", lines: bool = False) -> Register:
    """Read and check the register's text; every problem is reported at once, with its line.

    The fast loader reads first (status reads the register at several commits); only when
    something is wrong, or `lines` asks for the lines of the values, the round-trip one."""
    return _parse(text, path, digest or hashlib.sha256(text.encode()).hexdigest(), lines)


@functools.lru_cache(maxsize=32)
def _parse(text: str, path: Path, digest: str, lines: bool) -> Register:
    data = yamlio.load(text, path=path, error=RegisterInvalid, fast=not lines)
    problems: list[Problem] = []
    entries = _entries(data, path, problems)
    if problems and not lines:
        return _parse(text, path, digest, True)
    if problems:
        raise RegisterInvalid(
            f"Das Kennzahlenregister enthält {len(problems)} Fehler:",
            path=path,
            problems=problems,
            hint=f"Korrigieren Sie die genannten Zeilen in {path.name}. Ein Beispiel steht im "
            "Handbuch (README, Abschnitt „Kennzahlen und Rechtsgrundlagen“).",
        )
    return Register(path, entries, digest)


def _entries(data: Any, path: Path, problems: list[Problem]) -> dict[tuple[str, str], Entry]:
    def bad(msg: str, node: Any = None, key: Any = None, line: int | None = None) -> None:
        where = yamlio.line_of(node, key) if node is not None else line
        problems.append(Problem(msg, path, where or 1))

    if data is None:
        return {}
    if not isinstance(data, dict):
        bad("Die Datei muss mit „kennzahlen:“ oder „rechtsgrundlagen:“ beginnen.")
        return {}
    for key in data:
        if key not in ("format", *KINDS.values()):
            bad(
                f"Unbekannte Angabe „{key}“ (möglich: format, kennzahlen, rechtsgrundlagen).",
                data,
                key,
            )
    if data.get("format", FORMAT) != FORMAT:
        bad(
            f"Format {data.get('format')} wird nicht unterstützt (möglich: {FORMAT}).",
            data,
            "format",
        )
    entries: dict[tuple[str, str], Entry] = {}
    for kind, section in KINDS.items():
        block = data.get(section)
        if block is None:
            continue
        if not isinstance(block, dict):
            bad(f"Unter „{section}:“ stehen Einträge der Form „kurzname:“.", data, section)
            continue
        for entry_id, body in block.items():
            entry = _entry(kind, entry_id, body, block, bad)
            if entry is not None:
                entries[kind, entry.id] = entry
    return entries


def _entry(kind: str, entry_id: Any, body: Any, parent: Any, bad: Any) -> Entry | None:
    sid = str(entry_id)
    if not _ID.match(sid):
        bad(
            f"Kurzname „{sid}“: nur Kleinbuchstaben a–z, Ziffern und Bindestriche "
            "(z. B. betreuungsschluessel, laufng-12).",
            parent,
            entry_id,
        )
        return None
    if not isinstance(body, dict):
        bad(f"„{sid}“: hier fehlen die Angaben (titel, {LIST_KEY[kind]}).", parent, entry_id)
        return None
    _unknown_keys(sid, body, ("titel", "einheit", "notiz", LIST_KEY[kind]), bad)
    items = body.get(LIST_KEY[kind])
    if not isinstance(items, list) or not items:
        bad(
            f"„{sid}“: unter „{LIST_KEY[kind]}:“ muss mindestens ein Eintrag mit "
            f"„{VALUE_KEY[kind]}:“ stehen.",
            parent,
            entry_id,
        )
        return None
    periods = [p for i, item in enumerate(items) if (p := _period(kind, sid, item, items, i, bad))]
    periods.sort(key=lambda p: p.since or dt.date.min)
    for a, b in itertools.pairwise(periods):
        if a.until is None or (b.since is not None and b.since <= a.until) or b.since is None:
            bad(
                f"„{sid}“: die Gültigkeit von „{a.value}“ ({a.span()}) überschneidet sich mit "
                f"„{b.value}“ ({b.span()}). Beim älteren Wert „gueltig_bis:“ eintragen.",
                line=b.line,
            )
    return Entry(
        kind,
        sid,
        _text(body.get("titel")),
        _text(body.get("einheit")),
        _text(body.get("notiz")),
        tuple(periods),
        yamlio.line_of(parent, entry_id),
    )


def _period(kind: str, sid: str, item: Any, items: Any, i: int, bad: Any) -> Period | None:
    if not isinstance(item, dict):
        bad(f"„{sid}“, Eintrag {i + 1}: erwartet „- {VALUE_KEY[kind]}: …“.", items, i)
        return None
    _unknown_keys(sid, item, (VALUE_KEY[kind], *_PERIOD_KEYS), bad)
    raw = item.get(VALUE_KEY[kind])
    value = _text(raw)
    ok = True
    if isinstance(raw, (dict, list)) or not value:
        bad(f"„{sid}“: „{VALUE_KEY[kind]}:“ fehlt oder ist leer.", items, i)
        ok = False
    elif len(value) > _MAX_VALUE:
        bad(f"„{sid}“: der Wert ist länger als {_MAX_VALUE} Zeichen.", item, VALUE_KEY[kind])
        ok = False
    dates: list[dt.date | None] = []
    for key in ("gueltig_ab", "gueltig_bis"):
        d = item.get(key)
        if d is not None and (not isinstance(d, dt.date) or isinstance(d, dt.datetime)):
            bad(f"„{sid}“: „{key}: {d}“ ist kein Datum (Form: 2026-01-01).", item, key)
            ok, d = False, None
        dates.append(d)
    since, until = dates
    if since and until and until < since:
        bad(f"„{sid}“: „gueltig_bis“ liegt vor „gueltig_ab“.", item, "gueltig_bis")
        ok = False
    link = _text(item.get("link"))
    if link and (urlsplit(link).scheme.lower() not in ("http", "https") or " " in link):
        bad(
            f"„{sid}“: „link:“ muss eine Web-Adresse sein (https://…), nicht „{link[:60]}“.",
            item,
            "link",
        )
        ok = False
    if not ok:
        return None
    return Period(
        value,
        since,
        until,
        source=_text(item.get("quelle")),
        link=link,
        version=_text(item.get("fassung")),
        note=_text(item.get("notiz")),
        line=yamlio.line_of(items, i),
    )


def _unknown_keys(sid: str, node: Any, allowed: tuple[str, ...], bad: Any) -> None:
    for key in node:
        if key not in allowed:
            bad(f"„{sid}“: unbekannte Angabe „{key}“ (möglich: {', '.join(allowed)}).", node, key)


def _text(value: Any) -> str:
    """A value as one line of plain text: numbers become text, invisible characters go."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    return " ".join(visible(str(value)).split())
