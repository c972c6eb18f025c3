"""The line and page layout of a DOCX kept between renders (`.git/lafast/zeilen/`).

`LineMemo` keeps the lines of each paragraph by its XML, so after an edit only the changed
paragraphs are broken into lines again (`docxlines`), and the pages of the last whole layout by
the body's XML, so an unchanged text (`render --force`) is not laid out again (`docxpages`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from lafast_docs.render.docxlines import Line
from lafast_docs.render.docxstyles import metrics_digest
from lafast_docs.render.docxxml import Element, xml_of
from lafast_docs.storage.files import keep_file


class LineMemo:
    """The lines of each paragraph, kept between renders in a JSON file per draft
    (`.git/lafast/zeilen/<slug>.json`) by the paragraph's XML, its width and the styles: after
    an edit only the changed paragraphs are broken into lines again. Only the entries of the
    last layout are kept."""

    VERSION = "1"  # part of every key: change it when the line breaking changes

    def __init__(self, path: Path | None, *context: bytes) -> None:
        self.path = path
        h = hashlib.sha256(self.VERSION.encode() + metrics_digest())
        for c in context:
            h.update(hashlib.sha256(c).digest())
        self.context = h.digest()
        self.old: dict[str, list[list[Any]]] = {}
        self.used: dict[str, list[list[Any]]] = {}
        if path is not None:
            try:
                data = json.loads(path.read_text("utf-8"))
                self.old = data if isinstance(data, dict) else {}
            except (OSError, ValueError):
                pass

    def key(self, p: Element, where: str) -> str:
        if self.path is None:
            return ""
        h = hashlib.sha256(self.context + where.encode() + xml_of(p))
        return h.hexdigest()[:32]

    def whole_key(self, body: Element, *parts: bytes) -> str:
        """The key of a whole layout: the body's XML and `parts` (the footnotes)."""
        if self.path is None:
            return ""
        h = hashlib.sha256(self.context + xml_of(body))
        for part in parts:
            h.update(hashlib.sha256(part).digest())
        return h.hexdigest()[:32]

    def _pages_path(self) -> Path | None:
        return None if self.path is None else self.path.with_suffix(".seiten.json")

    def pages(self, key: str) -> dict[str, int] | None:
        """The pages of the last layout if it had `key` (e.g. `render --force`, text unchanged)."""
        path = self._pages_path()
        if not key or path is None:
            return None
        try:
            got = json.loads(path.read_text("utf-8"))
            if got["key"] != key:
                return None
            return {str(name): int(n) for name, n in got["pages"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def keep_pages(self, key: str, pages: dict[str, int]) -> None:
        path = self._pages_path()
        if not key or path is None:
            return
        keep_file(path, json.dumps({"key": key, "pages": pages}))

    def get(self, key: str) -> list[Line] | None:
        got = self.old.get(key) if key else None
        if not isinstance(got, list):
            return None
        try:
            lines = [Line(int(h), [str(n) for n in notes]) for h, notes in got]
        except (TypeError, ValueError):
            return None
        self.used[key] = got
        return lines

    def put(self, key: str, lines: list[Line]) -> None:
        if key:
            self.used[key] = [[line.height, line.notes] for line in lines]

    def save(self) -> None:
        """temp file + rename: a cache outside the journal (losing it costs one layout)."""
        if self.path is None or self.used.keys() == self.old.keys():
            return
        keep_file(self.path, json.dumps(self.used, separators=(",", ":")))
