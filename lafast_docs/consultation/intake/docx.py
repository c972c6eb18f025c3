"""Word files: comments (with replies) and tracked changes, read with
`pandoc -f docx+styles --track-changes=all` (python-docx's `paragraph.text` drops insertions).

- a comment covers the text between its start and end marks: that text is its quote;
- a deletion is a proposal to remove its text; an insertion a proposal to add text at a place
  given by the text around it; a deletion next to an insertion is one replacement;
- in lafast's own forms every paragraph starts with its Randnummer (character style
  `Randnummer`), which becomes the hint for anchoring;
- custom document properties `lafast-*` say which document, round and invitee the form is for.
Nothing is applied to any draft here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lafast_docs.consultation.intake import safety
from lafast_docs.consultation.model import (
    CONSENT_TAG,
    CONSENTS,
    RawComment,
    RawSubmission,
    Reader,
    normalise_consent,
    normalise_kind,
)
from lafast_docs.errors import Rejected, RenderError, ToolMissing
from lafast_docs.external import pandoc
from lafast_docs.text.textmodel import WRAPPERS, Node, inlines_text, tag_content

CONTEXT = 32
NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "w15": "http://schemas.microsoft.com/office/word/2012/wordml",
    "cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}
_KIND_PREFIX = re.compile(
    r"^\s*\[?(grunds[aä]tzlich|inhaltlich|redaktionell)\]?\s*[:\-–]?\s*", re.I
)


def read_docx(data: bytes) -> RawSubmission:
    zf = safety.open_zip(data)
    safety.check_word_counts(zf)  # before anything builds a tree or starts pandoc
    meta = _custom_props(zf)
    parents = _reply_parents(zf)
    try:
        out = pandoc.run(
            ["-f", "docx+styles", "--track-changes=all", "-t", "json"],
            data,
            what="pandoc (Word-Datei lesen)",
            timeout=120,
        )
    except ToolMissing:
        raise
    except RenderError as exc:  # time or memory limit: this file is refused, not the batch
        raise Rejected(exc.message, hint=exc.hint) from exc
    ast = json.loads(out)
    reader = _Reader()
    for para in _paragraphs(ast["blocks"]):
        reader.paragraph(para)
    comments = reader.finish(parents)
    return RawSubmission(
        "docx",
        comments,
        document=meta.get("lafast-dokument", ""),
        round=meta.get("lafast-runde", ""),
        org=meta.get("lafast-eingeladen", ""),
        version=meta.get("lafast-version", ""),
        consent=_consent(zf),
    )


def _consent(zf: Any) -> str:
    """The choice in the form's consent drop-down (a content control tagged by lafast)."""
    try:
        root = safety.parse_xml(zf.read("word/document.xml"))
    except KeyError:
        return ""
    w = NS["w"]
    for sdt in root.iter(f"{{{w}}}sdt"):
        tag = sdt.find("w:sdtPr/w:tag", NS)
        values = {
            item.get(f"{{{w}}}value")
            for item in sdt.findall("w:sdtPr/w:dropDownList/w:listItem", NS)
        }
        # Word keeps the tag; LibreOffice drops it but keeps the list with our values
        if (tag is not None and tag.get(f"{{{w}}}val") == CONSENT_TAG) or values == set(CONSENTS):
            content = sdt.find("w:sdtContent", NS)
            text = "".join(content.itertext()) if content is not None else ""
            return normalise_consent(text)
    return ""


def _custom_props(zf: Any) -> dict[str, str]:
    try:
        raw = zf.read("docProps/custom.xml")
    except KeyError:
        return {}
    root = safety.parse_xml(raw)
    props = {}
    for prop in root.findall("cp:property", NS):
        name = prop.get("name", "")
        if name.startswith("lafast-"):
            props[name] = "".join(prop.itertext()).strip()
    return props


def _reply_parents(zf: Any) -> dict[str, str]:
    """comment id -> parent comment id, from commentsExtended.xml (Word's reply threads)."""
    try:
        comments = safety.parse_xml(zf.read("word/comments.xml"))
        extended = safety.parse_xml(zf.read("word/commentsExtended.xml"))
    except KeyError:
        return {}
    para_to_id = {}
    for c in comments.findall("w:comment", NS):
        paras = c.findall("w:p", NS)
        if paras:  # the thread refers to the comment's last paragraph
            pid = paras[-1].get(f"{{{NS['w14']}}}paraId")
            if pid:
                para_to_id[pid] = c.get(f"{{{NS['w']}}}id", "")
    parents = {}
    for ex in extended.findall("w15:commentEx", NS):
        parent = ex.get(f"{{{NS['w15']}}}paraIdParent")
        own = ex.get(f"{{{NS['w15']}}}paraId")
        if parent and own in para_to_id and parent in para_to_id:
            parents[para_to_id[own]] = para_to_id[parent]
    return parents


def _paragraphs(blocks: list[Node]) -> Iterator[list[Node]]:
    """The inline lists of every paragraph, header and cell, in reading order."""
    for b in blocks:
        t, c = tag_content(b)
        if t in ("Para", "Plain"):
            yield c
        elif t == "Header":
            yield c[2]
        elif t == "Div":
            yield from _paragraphs(c[1])
        elif t == "BlockQuote":
            yield from _paragraphs(c)
        elif t in ("BulletList", "OrderedList"):
            for item in c if t == "BulletList" else c[1]:
                yield from _paragraphs(item)
        elif t == "Table":
            for body in c[4]:
                for row in body[3]:
                    for cell in row[1]:
                        yield from _paragraphs(cell[4])
            for row in c[3][1]:
                for cell in row[1]:
                    yield from _paragraphs(cell[4])


@dataclass
class _Open:
    id: str
    author: str
    date: str
    text: str
    quote: list[str] = field(default_factory=list)
    prefix: str = ""
    rn: int | None = None

    def as_comment(
        self,
        text: str,
        origin: str,
        *,
        kind: str = "",
        suffix: str = "",
    ) -> RawComment:
        return RawComment(
            text=text,
            kind=kind,
            quote=" ".join("".join(self.quote).split()),
            prefix=self.prefix,
            suffix=suffix,
            rn=self.rn,
            author=self.author,
            date=self.date,
            origin=origin,
        )


class _Reader:
    """Walks paragraphs, keeping the original text (deletions in, insertions out)."""

    def __init__(self) -> None:
        self.open: dict[str, _Open] = {}
        self.done: list[tuple[_Open, str]] = []  # (comment, suffix)
        self.changes: list[RawComment] = []

    def paragraph(self, inlines: list[Node]) -> None:
        self.rn: int | None = None
        self.orig = ""  # original text so far in this paragraph
        self.pending: list[tuple[str, str, str, str, str]] = []  # kind, text, author, date, before
        self.ends: list[tuple[_Open, int]] = []
        self.para_changes: list[tuple[RawComment, int]] = []
        self._walk(inlines)
        self._flush_changes()
        for change, after in self.para_changes:  # context after the change, original text
            change.suffix = self.orig[after : after + CONTEXT]
        for op in self.open.values():  # comment continues into the next paragraph
            op.quote.append(" ")
        for comment, pos in self.ends:
            self.done.append((comment, self.orig[pos : pos + CONTEXT]))

    def _walk(self, inlines: list[Node]) -> None:
        for i in inlines:
            t, c = tag_content(i)
            if t == "Span":
                (_id, classes, attrs), content = c
                attrs = dict(attrs)
                if attrs.get("custom-style") == "Randnummer" and not self.orig.strip():
                    txt = inlines_text(content).strip()
                    self.rn = int(txt) if txt.isdigit() else None
                    continue
                if attrs.get("custom-style") == "Abschnittsnummer":
                    continue
                if "deletion" in classes:
                    self._change("del", inlines_text(content), attrs)
                    self._text(inlines_text(content), flush=False)
                    continue
                if "insertion" in classes:
                    self._change("ins", inlines_text(content), attrs)
                    continue
                if "comment-start" in classes:
                    cid = attrs.get("id", str(len(self.open)))
                    self.open[cid] = _Open(
                        cid,
                        attrs.get("author", ""),
                        attrs.get("date", ""),
                        inlines_text(content).strip(),
                        prefix=self.orig[-CONTEXT:],
                        rn=self.rn,
                    )
                    continue
                if "comment-end" in classes:
                    op = self.open.pop(attrs.get("id", ""), None)
                    if op is not None:
                        self.ends.append((op, len(self.orig)))
                    self._walk(content)  # pandoc nests the ends of comments on one range
                    continue
                self._walk(content)
            elif t in ("Str", "Space", "SoftBreak", "LineBreak", "Code", "Math", "Quoted"):
                self._text(inlines_text([i]))
            elif t in WRAPPERS:
                self._walk(c)
            elif t in ("Link", "Image"):
                self._walk(c[1])
            # Note, RawInline: ignored

    def _text(self, text: str, *, flush: bool = True) -> None:
        text = text.replace("\u2003", " ")
        if not self.orig and self.rn is not None:
            text = text.lstrip()
        self.orig += text
        for op in self.open.values():
            op.quote.append(text)
        if flush and text.strip():
            self._flush_changes()

    def _change(self, kind: str, text: str, attrs: dict[str, str]) -> None:
        self.pending.append((kind, text, attrs.get("author", ""), attrs.get("date", ""), self.orig))

    def _flush_changes(self) -> None:
        """A run of adjacent deletions/insertions becomes one proposal."""
        if not self.pending:
            return
        old = "".join(t for k, t, *_ in self.pending if k == "del")
        new = "".join(t for k, t, *_ in self.pending if k == "ins")
        _k, _t, author, date, before = self.pending[0]
        self.pending = []
        what = "Ersetzung" if old and new else "Streichung" if old else "Einfügung"
        change = RawComment(
            text="",
            kind="",
            quote=old,
            prefix=before[-CONTEXT:],
            rn=self.rn,
            proposal=(old, new),
            author=author,
            date=date,
            origin=f"Word, nachverfolgte Änderung ({what})",
        )
        self.changes.append(change)
        self.para_changes.append((change, len(before) + len(old)))

    def finish(self, parents: dict[str, str]) -> list[RawComment]:
        result: list[RawComment] = []
        by_id: dict[str, RawComment] = {}
        known = {op.id for op, _suffix in self.done}
        replies: list[tuple[str, _Open, str]] = []
        for op, suffix in self.done:
            text = op.text
            kind = ""
            m = _KIND_PREFIX.match(text)
            if m:
                kind = normalise_kind(m.group(1))
                text = text[m.end() :]
            if parents.get(op.id) in known:  # attached after all threads are known
                replies.append((parents[op.id], op, text))
                continue
            rc = op.as_comment(text, "Word, Kommentar", kind=kind, suffix=suffix)
            by_id[op.id] = rc
            result.append(rc)
        for parent, op, text in sorted(replies, key=lambda r: r[1].date):
            root = parent
            while root not in by_id and root in parents:  # a reply to a reply
                root = parents[root]
            if root in by_id:
                by_id[root].replies.append({"author": op.author, "date": op.date, "text": text})
            else:  # a broken thread: keep the reply as a comment of its own, never drop it
                result.append(op.as_comment(text, "Word, Antwort"))
        for op in self.open.values():  # started but never ended: keep it, quote to the end
            result.append(op.as_comment(op.text, "Word, Kommentar (ohne Ende)"))
        return result + self.changes


READER = Reader(
    name="docx",
    label="Word",
    file_extensions=(".docx",),
    content_types=("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    read=read_docx,
    zip_part="word/document.xml",
    advice="Word-Dateien bitte als .docx (nicht .doc oder .pdf) speichern lassen.",
)
