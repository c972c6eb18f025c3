"""Accessible authoring: what makes a draft hard to use with a screen reader, found in the
source before it is published (`lafast check`; `lafast render --final` refuses such drafts).

Checked (WCAG 2.1 / BITV 2.0 terms in brackets): images without a text alternative or with a
file name as their text (1.1.1), skipped heading levels (1.3.1), links without text or with
text that says nothing out of context such as „hier“ (2.4.4), tables without a header row
(1.3.1). Every finding names the file, the line and what to write instead.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from lafast_docs.errors import Problem
from lafast_docs.text import references, textmodel
from lafast_docs.text.analysis import Analysis, analyse, source_line
from lafast_docs.text.drafts import Draft

VAGUE_LINK_TEXTS = {
    "hier",
    "klicken sie hier",
    "hier klicken",
    "link",
    "mehr",
    "weiter",
    "weiterlesen",
    "mehr erfahren",
    "details",
    "dieser link",
    "diese seite",
}


def check(draft: Draft) -> list[Problem]:
    """Every accessibility finding of `draft` (safety problems raise as in rendering)."""
    return findings(analyse(draft))


def review(draft: Draft) -> tuple[list[Problem], list[Problem]]:
    """`lafast check`: the accessibility findings, and the hints about key figures and norms
    (which never block a final version): values typed by hand that the register holds,
    references without a value at the Stand."""
    analysis = analyse(draft)
    hints = references.hand_typed_hints(draft) + references.missing_hints(draft, analysis.missing)
    return findings(analysis), sorted(hints, key=lambda p: p.line or 0)


def findings(analysis: Analysis) -> list[Problem]:
    """Every accessibility finding of an analysed draft."""
    draft = analysis.draft
    finder = _Finder(draft)
    textmodel.walk(analysis.model.ast["blocks"], finder.visit)
    for before, h in zip([None, *analysis.model.headings], analysis.model.headings, strict=False):
        if before is not None and h.level > before.level + 1:
            finder.add(
                f"Überschrift „{h.text[:60]}“ überspringt eine Ebene (Ebene {h.level} nach "
                f"Ebene {before.level}). Verwenden Sie {'#' * (before.level + 1)} "
                f"statt {'#' * h.level}.",
                h.text[:20],
            )
    finder.problems.sort(key=lambda p: p.line or 0)
    return finder.problems


class _Finder:
    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.problems: list[Problem] = []
        self.searched: dict[str, int] = {}  # needle -> where to look for the next occurrence

    def at(self, needle: str) -> int | None:
        """The line of the next occurrence of `needle` (a repeated needle moves on)."""
        start = self.searched.get(needle, 0)
        idx = self.draft.body.find(needle, start) if needle else -1
        if idx < 0:
            return source_line(self.draft, needle)
        self.searched[needle] = idx + 1
        return source_line(self.draft, needle, idx)

    def add(self, message: str, needle: str) -> None:
        self.problems.append(Problem(message, self.draft.path, self.at(needle)))

    def visit(self, el: dict[str, Any]) -> None:
        t, c = textmodel.tag_content(el)
        if t == "Image":
            self.image(c[1], c[2][0])
        elif t == "Link":
            self.link(c[1], c[2][0])
        elif t == "Table":
            self.table(c)

    def image(self, alt_inlines: list[Any], src: str) -> None:
        alt = " ".join(textmodel.inlines_text(alt_inlines).split())
        name = PurePosixPath(src).name
        if not alt:
            self.add(
                f"Bild „{src}“ hat keinen Alternativtext. Schreiben Sie in die eckigen "
                f"Klammern, was das Bild zeigt: ![Beschreibung]({src})",
                f"]({src}",
            )
        elif alt.lower() in (name.lower(), PurePosixPath(name).stem.lower()):
            self.add(
                f"Bild „{src}“: der Alternativtext ist nur der Dateiname. Beschreiben Sie, "
                "was das Bild zeigt.",
                f"]({src}",
            )

    def link(self, inlines: list[Any], target: str) -> None:
        text = " ".join(textmodel.inlines_text(inlines).split())
        plain = re.sub(r"[^\w ]", "", text.lower()).strip()
        if not text:
            self.add(
                f"Der Verweis auf „{target[:60]}“ hat keinen Text. Schreiben Sie in die "
                "eckigen Klammern, wohin er führt: [Name der Seite](…)",
                f"]({target}",
            )
        elif plain in VAGUE_LINK_TEXTS:
            self.add(
                f"Verweistext „{text}“ sagt ohne Zusammenhang nichts aus. Nennen Sie das Ziel, "
                "z. B. [Verordnung über die Unterbringung (PDF)](…).",
                f"[{text}]",
            )

    def table(self, c: list[Any]) -> None:
        head_rows = c[3][1]
        cells = [cell for row in head_rows for cell in row[1]]
        if not any(textmodel.blocks_text(cell[4]).strip() for cell in cells):
            body = c[4][0][3] if c[4] and c[4][0][3] else []
            first = body[0][1][0][4] if body and body[0][1] else []
            cell_text = textmodel.blocks_text(first).strip()[:30]
            line = next(
                (
                    self.draft.body_line + i
                    for i, text in enumerate(self.draft.body.split("\n"))
                    if text.lstrip()[:1] in ("|", "+") and cell_text in text
                ),
                None,
            )
            self.problems.append(
                Problem(
                    "Eine Tabelle hat keine Kopfzeile. Schreiben Sie Tabellen mit einer "
                    "Kopfzeile und einer Trennzeile darunter (| Spalte | Spalte | und |---|---|).",
                    self.draft.path,
                    line,
                )
            )
