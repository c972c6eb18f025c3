"""Small helpers for WordprocessingML written with lxml (imported lazily: only DOCX needs it)."""

from __future__ import annotations

import functools
from typing import Any

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
Element = Any  # lxml.etree._Element
NSMAP = {"w": W}


@functools.cache
def q(tag: str) -> str:
    """The qualified name of `w:tag` (cached: called tens of thousands of times a document)."""
    return f"{{{W}}}{tag}"


@functools.cache
def _etree() -> Any:
    """lxml's etree, imported on first use (once: `el` runs thousands of times a document)."""
    from lxml import etree

    return etree


def parse(blob: bytes) -> Element:
    etree = _etree()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(blob, parser)


def serialise(root: Element) -> bytes:
    etree = _etree()
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def xml_of(e: Element) -> bytes:
    """`e` as XML bytes, without a declaration (a key of what it holds)."""
    return bytes(_etree().tostring(e))


def el(tag: str, *children: Element, **attrs: str) -> Element:
    """`<w:tag w:attr=…>children</w:tag>`."""
    # a copy of a kept empty element: about half the cost of building a new one (lxml's
    # constructor sets up a document and its namespaces each time; runs thousands of times)
    e = _template(tag, tuple(attrs.items())).__copy__()
    if children:
        e.extend(children)
    return e


@functools.lru_cache(maxsize=4096)
def _template(tag: str, attrs: tuple[tuple[str, str], ...]) -> Element:
    return _etree().Element(q(tag), {q(k): v for k, v in attrs} if attrs else None, nsmap=NSMAP)


def run(text: str, *props: Element) -> Element:
    t = el("t")
    t.text = text
    t.set(XML_SPACE, "preserve")
    return el("r", el("rPr", *props), t) if props else el("r", t)


def para(style: str, *content: Element, ppr: tuple[Element, ...] = ()) -> Element:
    return el("p", el("pPr", el("pStyle", val=style), *ppr), *content)


def text_of(e: Element) -> str:
    """The text of `e`'s runs; a tab in a run counts as a tab character."""
    out = []
    for x in e.iter(q("t"), q("tab")):
        if x.tag == q("t"):
            out.append(x.text or "")
        elif x.getparent().tag == q("r"):
            out.append("\t")
    return "".join(out)


def child(e: Element | None, tag: str) -> Element | None:
    """The first child of `e` named `tag` (qualified), as `e.find(tag)` finds it but without
    lxml's path parser: several times cheaper, and called for nearly every paragraph."""
    if e is None or not len(e):
        return None
    first = e[0]
    if first.tag == tag:  # pPr, rPr, tcPr, tblPr: the first child by the schema
        return first
    return next(e.iterchildren(tag), None)


def style_of(p: Element) -> str:
    s = child(child(p, q("pPr")), q("pStyle"))
    return "" if s is None else str(s.get(q("val")))


def put_ppr(p: Element, new: Element, *, before: tuple[str, ...] = ()) -> None:
    """Set `new` in the paragraph's properties, replacing one of its kind; it goes before the
    first existing element named in `before` (the schema's order), else at the end."""
    ppr = child(p, q("pPr"))
    if ppr is None:
        ppr = el("pPr")
        p.insert(0, ppr)
    later = _qualified(before)
    at = None
    for existing in list(ppr):
        if existing.tag == new.tag:
            ppr.remove(existing)
        elif at is None and existing.tag in later:
            at = existing
    if at is None:
        ppr.append(new)
    else:
        at.addprevious(new)


@functools.cache
def _qualified(tags: tuple[str, ...]) -> frozenset[str]:
    return frozenset(q(t) for t in tags)


# ECMA-376 order of the pPr children we set: what must come after each of them
AFTER_TABS = (
    "suppressAutoHyphens",
    "spacing",
    "ind",
    "contextualSpacing",
    "jc",
    "outlineLvl",
    "rPr",
    "sectPr",
    "pPrChange",
)
AFTER_IND = (
    "contextualSpacing",
    "mirrorIndents",
    "jc",
    "textDirection",
    "outlineLvl",
    "rPr",
    "sectPr",
    "pPrChange",
)
AFTER_KEEP = (
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "pBdr",
    "shd",
    "tabs",
    *AFTER_TABS,
)
AFTER_PAGE_BREAK = ("framePr", "widowControl", "numPr", "pBdr", "shd", "tabs", *AFTER_TABS)
AFTER_SPACING = AFTER_TABS[2:]
