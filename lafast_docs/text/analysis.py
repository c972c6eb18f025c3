"""Read a draft's body into the text model and refuse unsafe content before any rendering.

Refused, each with file, line and what to do: raw HTML/TeX/OpenXML (HTML comments are dropped),
images outside the draft's folder (absolute, `..`, `%2e%2e`, symlinks leading out, URLs),
missing images, link targets other than http(s)/mailto/#anchor, and `style` attributes.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lafast_docs.errors import Problem, UnsafeContent
from lafast_docs.external import limits, pandoc
from lafast_docs.text import references, textmodel
from lafast_docs.text.drafts import Draft

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
LINK_SCHEMES = ("http", "https", "mailto")
# Front-matter keys with which pandoc would read files (lafast never hands the front matter to
# pandoc; refused anyway so that nobody believes a bibliography or include works).
PATH_KEYS = {
    "bibliography", "csl", "citation-abbreviations", "include-before", "include-after",
    "include-in-header", "header-includes", "include-before-body", "include-after-body",
    "css", "template", "reference-doc", "epub-cover-image", "resource-path", "abbreviations",
}  # fmt: skip
ALLOWED_ATTRS = {"width", "height", "lang", "custom-style", *references.KINDS}
_WITH_ATTR = {"Div", "Span", "Image", "Link", "CodeBlock", "Code", "Table"}


@dataclass
class Analysis:
    draft: Draft
    model: textmodel.Annotated
    images: dict[str, Path] = field(default_factory=dict)  # src as written -> checked file
    # references to the register: where each stands and what it shows; entries without a
    # value at the Stand (their written text stays)
    uses: list[references.Use] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)


def analyse(
    draft: Draft,
    *,
    timeout: float = pandoc.DEFAULT_TIMEOUT,
    parse: Callable[[str], dict[str, Any]] | None = None,
) -> Analysis:
    """Parse, check and annotate `draft`; raises UnsafeContent listing every problem.

    `parse` reads the Markdown instead of one pandoc run (the preview's chunk cache)."""
    limits.check_source(draft.body, draft.path, first_line=draft.body_line)
    path_keys = sorted(str(k) for k in draft.meta if str(k).lower() in PATH_KEYS)
    if path_keys:
        raise UnsafeContent(
            f"Die Angaben „{', '.join(path_keys)}“ im Kopf des Entwurfs sind nicht erlaubt: "
            "lafast liest keine weiteren Dateien ein.",
            path=draft.path,
            hint="Entfernen Sie diese Zeilen. Literaturangaben schreiben Sie als Fußnoten.",
        )
    text = textmodel.protect_gender_star(draft.body)
    ast = parse(text) if parse else pandoc.markdown_to_ast(text, timeout=timeout)
    checker = _Checker(draft)
    textmodel.walk_kinds(ast["blocks"], _Checker.KINDS, checker.visit)
    resolved = references.Resolution()
    if references.has_references(draft.body):
        resolved = references.resolve(
            ast,
            draft.figures,
            where=lambda msg, needle: Problem(msg, draft.path, checker.line(needle)),
            spans=checker.spans,
        )
        checker.problems.extend(resolved.problems)
    if checker.problems:
        raise UnsafeContent(
            f"Der Entwurf enthält {len(checker.problems)} nicht erlaubte Stelle(n):",
            path=draft.path,
            problems=checker.problems,
            hint="Ändern Sie die genannten Zeilen. Bilder gehören in den Ordner des Entwurfs "
            f"({draft.folder}), z. B. als ![Beschreibung](bilder/grafik.png).",
        )
    model = textmodel.annotate(ast, comments=checker.comments)
    uses = references.uses(model) if references.has_references(draft.body) else []
    return Analysis(draft, model, checker.images, uses, resolved.missing)


def source_line(draft: Draft, needle: str, start: int = 0) -> int | None:
    """Line in the draft file of the first occurrence of `needle` in the body (from `start`)."""
    idx = draft.body.find(needle, start) if needle else -1
    if idx < 0:
        return None
    return draft.body_line + draft.body[:idx].count("\n")


class _Checker:
    # the elements `visit` looks at; it leaves every other one alone
    KINDS = frozenset(("RawBlock", "RawInline", "Image", "Link", "Header", *_WITH_ATTR))

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.folder = draft.folder.resolve()
        self.problems: list[Problem] = []
        self.images: dict[str, Path] = {}
        self.comments = False  # an HTML comment seen (the text model drops them)
        self.spans: list[dict[str, Any]] = []  # the references to the register, in order

    def line(self, needle: str) -> int | None:
        return source_line(self.draft, needle)

    def bad(self, msg: str, needle: str, *, once_per_line: bool = False) -> None:
        problem = Problem(msg, self.draft.path, self.line(needle))
        if once_per_line and any(
            p.line == problem.line and p.message[:12] == msg[:12] for p in self.problems
        ):
            return  # <b>…</b> is two raw pieces on one line: report the line once
        self.problems.append(problem)

    def visit(self, el: dict[str, Any]) -> None:
        t, c = textmodel.tag_content(el)
        if t in ("RawBlock", "RawInline"):
            fmt, text = c
            if fmt == "html" and re.fullmatch(r"\s*<!--.*?-->\s*", text, re.S):
                self.comments = True
                return
            snippet = text.strip().splitlines()[0][:60] if text.strip() else text
            self.bad(
                f"Direktes {fmt.upper()} ist nicht erlaubt: „{snippet}“. Schreiben Sie "
                "reinen Markdown-Text (Überschriften mit #, Listen mit -, Tabellen mit |).",
                text.strip()[:40],
                once_per_line=True,
            )
        elif t == "Image":
            self.image(c[2][0], textmodel.inlines_text(c[1]))
        elif t == "Link":
            self.link(c[2][0])
        elif t == "Span" and references.ref_of(el) is not None:
            self.spans.append(el)
        attr = c[1] if t == "Header" else c[0] if t in _WITH_ATTR else None
        for key, value in attr[2] if attr else ():
            if key not in ALLOWED_ATTRS and not key.startswith("data-"):
                self.bad(
                    f"Das Attribut „{key}“ ist nicht erlaubt (erlaubt: "
                    f"{', '.join(sorted(ALLOWED_ATTRS))}).",
                    f"{key}=",
                )
            elif "url(" in value.lower() or (":" in value and key != "lang"):
                self.bad(f"Der Wert von „{key}“ darf keine Adresse enthalten.", value)

    def image(self, src: str, alt: str) -> None:
        parts = urlsplit(src)
        if parts.scheme or parts.netloc or src.startswith(("/", "\\")):
            self.bad(
                f"Bild „{src}“: nur Bilddateien aus dem Ordner des Entwurfs sind erlaubt, "
                "keine Adressen oder absoluten Pfade.",
                src,
            )
            return
        rel = unquote(parts.path)
        norm = posixpath.normpath(rel.replace("\\", "/"))
        if norm.startswith("..") or "/../" in f"/{norm}/" or Path(norm).is_absolute():
            self.bad(f"Bild „{src}“ liegt außerhalb des Ordners des Entwurfs.", src)
            return
        target = self.folder / norm
        if not target.exists():
            self.bad(f"Bild „{src}“ wurde nicht gefunden (gesucht: {target}).", src)
            return
        resolved = target.resolve()
        if not resolved.is_relative_to(self.folder) or not resolved.is_file():
            self.bad(
                f"Bild „{src}“ zeigt (über eine Verknüpfung) außerhalb des Ordners des Entwurfs.",
                src,
            )
            return
        if resolved.suffix.lower() not in IMAGE_TYPES:
            self.bad(
                f"Bild „{src}“: Dateityp {resolved.suffix or '(ohne Endung)'} wird nicht "
                f"unterstützt (möglich: {', '.join(sorted(IMAGE_TYPES))}).",
                src,
            )
            return
        self.images[src] = resolved

    def link(self, target: str) -> None:
        if target.startswith("#"):
            return
        scheme = urlsplit(target).scheme.lower()
        if scheme not in LINK_SCHEMES:
            self.bad(
                f"Verweis „{target[:60]}“: erlaubt sind nur Web-Adressen (https://…), "
                "E-Mail-Adressen (mailto:…) und Verweise auf Abschnitte (#…).",
                target[:40],
            )
