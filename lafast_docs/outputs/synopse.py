"""`lafast synopse`: the side-by-side table of a consultation (old text | comments | decision |
new text), as PDF (landscape, accessible), DOCX (a real Word table) and XLSX.

One row per Randnummer that changed between the two versions or was commented, plus one row
for comments on the whole document. Organisations that asked for anonymity appear as
"Träger A", "Gremium B"; with `public=True` (for publication) submissions marked `intern` are
left out and anonymised ones carry neutral ids (`outputs/anonymity.py`). Contact details never
appear.
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.consultation.anchor import carry
from lafast_docs.consultation.model import KIND_NAMES
from lafast_docs.consultation.rounds import rounds_between
from lafast_docs.consultation.submissions import list_submissions
from lafast_docs.decisions import disposition
from lafast_docs.outputs.anonymity import anonymity
from lafast_docs.render import incremental, pdf, tables
from lafast_docs.render.context import document_context, edition_of
from lafast_docs.render.pipeline import Output, Product, produce
from lafast_docs.render.progress import QUIET, Progress
from lafast_docs.render.workbook import Alignment, Font, Workbook, workbook_bytes
from lafast_docs.text.drafts import load_draft
from lafast_docs.text.history import (
    WORKING,
    align,
    draft_at,
    model_of,
    word_diff,
    working_body,
)
from lafast_docs.text.references import value_changes
from lafast_docs.text.register import load_register
from lafast_docs.text.textmodel import Block
from lafast_docs.workspace import Workspace


@dataclass
class Row:
    rn_old: int | None
    rn_new: int | None
    section: str
    old: str
    new: str
    changed: bool
    comments: list[dict[str, str]] = field(default_factory=list)
    stale: bool = False  # comments whose place is in neither version

    @property
    def label(self) -> str:
        if self.stale:
            return "nicht zuzuordnen"
        if self.rn_old is None and self.rn_new is None:
            return "allgemein"
        if self.rn_old and self.rn_new and self.rn_old != self.rn_new:
            return f"{self.rn_old} → {self.rn_new}"
        return str(self.rn_old or self.rn_new)


def _entry(c: dict[str, Any], d: Any, who: str, where: str) -> dict[str, str]:
    p = c.get("proposal")
    return {
        "id": c["id"],
        "who": who,
        "kind": KIND_NAMES[c["kind"]],
        "where": where,  # for a comment made on another version than A: its place there
        "text": c.get("text") or "",
        "proposal": (
            f"„{p['old']}“ → „{p['new']}“"
            if p and p["old"]
            else f"Vorschlag: „{p['new']}“"
            if p
            else ""
        ),
        "decision": d.label if d else "noch offen",
        "reason": (d.reason + (f" Übernommen: „{d.text}“" if d.text else "")) if d else "",
    }


class _Rows:
    """The rows of one Synopse: a row per changed paragraph of A -> B, and rows made on demand
    for commented paragraphs that did not change."""

    def __init__(self, old: list[Block], new: list[Block]) -> None:
        self.old, self.new = old, new
        self.rows: dict[tuple[str, int], Row] = {}
        self.general = Row(None, None, "", "", "", False)
        self.stale = Row(None, None, "", "", "", False, stale=True)
        self.old_to_new: dict[int, Block | None] = {}
        for kind, o, n in align(old, new):
            if o is not None:
                self.old_to_new[o.rn] = n
            if kind == "geaendert" and o is not None and n is not None:
                self.rows["a", o.rn] = Row(o.rn, n.rn, n.section_number, o.text, n.text, True)
            elif kind == "entfallen" and o is not None:
                self.rows["a", o.rn] = Row(o.rn, None, o.section_number, o.text, "", True)
            elif kind == "neu" and n is not None:
                self.rows["b", n.rn] = Row(None, n.rn, n.section_number, "", n.text, True)

    def at_old(self, rn: int) -> Row:
        row = self.rows.get(("a", rn))
        if row is None:
            o, n = self.old[rn - 1], self.old_to_new.get(rn)
            row = self.rows["a", rn] = Row(
                rn, n.rn if n else None, o.section_number, o.text, n.text if n else "", False
            )
        return row

    def at_new(self, rn: int) -> Row:
        for row in self.rows.values():
            if row.rn_new == rn:
                return row
        for rn_old, n in self.old_to_new.items():
            if n is not None and n.rn == rn:
                return self.at_old(rn_old)
        raise AssertionError("every block of B is either new or aligned with one of A")

    def ordered(self) -> list[Row]:
        ordered = sorted(self.rows.values(), key=lambda r: (r.rn_old or 0, r.rn_new or 0))
        return [r for r in (self.general, self.stale) if r.comments] + ordered


def build_rows(
    ws: Workspace, slug: str, rev_a: str, rev_b: str, *, public: bool = False
) -> list[Row]:
    """The rows for A -> B, with exactly the comments of the rounds consulted in that range.

    A comment is anchored in the version its round consulted; when that is not A, its place
    is carried to A (else to B) by its quote, or it lands in the row of stale comments.
    The versions are read through the draft's kept chunks (render/incremental)."""
    reader = incremental.VersionsReader(ws, slug, working_body(ws, slug))
    new = model_of(draft_at(ws, slug, rev_b), parse=reader).blocks
    old = model_of(draft_at(ws, slug, rev_a), parse=reader).blocks
    table = _Rows(old, new)
    register = load_register(ws)
    commit_a = ws.store.resolve("HEAD" if rev_a == WORKING else rev_a)
    # per comment shown: its round's decisions, made on A?, the blocks it was made on, …
    shown: list[tuple[dict[str, Any], bool, list[Block], Any, dict[str, Any], str]] = []
    for rnd in rounds_between(ws, slug, rev_a, rev_b):
        decided = disposition.current(rnd.folder)
        same = rnd.commit == commit_a
        made_on = old if same else model_of(draft_at(ws, slug, rnd.commit), parse=reader).blocks
        for sub in list_submissions(rnd.folder):
            if not (public and sub.data["consent"] == "intern"):
                shown.extend((decided, same, made_on, sub, c, rnd.version) for c in sub.comments)
    anon = anonymity(ws, [(sub, c) for _d, _s, _m, sub, c, _v in shown], public=public)
    for decided, same, made_on, sub, c, version in shown:
        rn = c["anchor"].get("rn")
        where = "" if same or not rn else f"Rn. {rn} der Version {version}"
        entry = _entry(c, decided.get(c["id"]), anon.who(sub), where)
        if (p := c.get("proposal")) and p["old"]:  # a value of the register: say so
            notes = [ch.note() for ch in value_changes(register, p["old"], p["new"])]
            entry["proposal"] = " ".join([entry["proposal"], *notes])
        entry = anon.scrub_all(entry)  # public: neutral ids, no name of an anonymised org
        if same:  # the common case: the Synopse of one round from its version
            if not rn or rn > len(old):
                table.general.comments.append(entry)
            else:
                table.at_old(rn).comments.append(entry)
        elif not rn and c["anchor"]["state"] == "ohne":
            table.general.comments.append(entry)
        elif (rn_old := carry(c["anchor"], made_on, old)) is not None:
            table.at_old(rn_old).comments.append(entry)
        elif (rn_new := carry(c["anchor"], made_on, new)) is not None:
            table.at_new(rn_new).comments.append(entry)
        else:
            table.stale.comments.append(entry)
    return table.ordered()


# -- outputs ------------------------------------------------------------------------------------
def _comments_text(row: Row) -> str:
    parts = []
    for c in row.comments:
        where = f", zu {c['where']}" if c.get("where") else ""
        bits = [f"{c['who']} ({c['kind']}, {c['id']}{where})"]
        if c["text"]:
            bits.append(c["text"])
        if c["proposal"]:
            bits.append(c["proposal"])
        parts.append(": ".join(bits[:2]) + ("; " + bits[2] if len(bits) > 2 else ""))
    return "\n\n".join(parts)


def _decisions_text(row: Row) -> str:
    return "\n\n".join(
        f"{c['id']}: {c['decision']}" + (f" – {c['reason']}" if c["reason"] else "")
        for c in row.comments
    )


def _new_html(row: Row) -> str:
    if not row.changed:
        return "<em>unverändert</em>"
    out = []
    for op, text in word_diff(row.old, row.new):
        t = html_lib.escape(text)
        out.append(t if op == "=" else f"<del>{t}</del>" if op == "-" else f"<ins>{t}</ins>")
    return "".join(out)


HEADS = ["Rn.", "Bisheriger Text", "Rückmeldungen", "Entscheidung und Begründung", "Neuer Text"]
CAPTION = "Synopse: bisheriger Text, Rückmeldungen, Abwägung und neuer Text je Randnummer"


def synopse_html(
    ws: Workspace, title: str, subtitle: str, rows: list[Row], ctx: dict[str, Any], doc_type: str
) -> str:
    table = tables.html_table(
        CAPTION,
        HEADS,
        [
            (
                r.label,
                [
                    tables.html_cell(r.old),
                    tables.html_cell(_comments_text(r)),
                    tables.html_cell(_decisions_text(r)),
                    _new_html(r),
                ],
            )
            for r in rows
        ],
        cls="synopse",
    )
    css = (
        "\n@page { size: A4 landscape; margin: 1.6cm 1.4cm 2cm 1.4cm; }\n"
        "table.synopse { font-size: 7.5pt; table-layout: fixed; }\n"
        "table.synopse th[scope=col]:nth-child(1) { width: 5%; }\n"
        "table.synopse td { hyphens: auto; }\n"
        "table.synopse tr { page-break-inside: auto; }\n"
    )
    return tables.print_page(
        ws, doc_type, {**ctx, "title": title, "subtitle": subtitle}, table, css
    )


def _new_inlines(r: Row) -> list[Any]:
    if not r.changed:
        return [{"t": "Emph", "c": [{"t": "Str", "c": "unverändert"}]}]
    out = []
    for op, t in word_diff(r.old, r.new):
        node = {"t": "Str", "c": t}
        out.append(
            node if op == "=" else {"t": "Strikeout" if op == "-" else "Underline", "c": [node]}
        )
    return out


@dataclass(frozen=True)
class Table:
    """What a Synopse writer gets: the rows and the title-block context (with title, subtitle)."""

    ws: Workspace
    doc_type: str
    ctx: dict[str, Any]
    rows: list[Row]


def _pdf(t: Table) -> bytes:
    page = synopse_html(t.ws, t.ctx["title"], t.ctx["subtitle"], t.rows, t.ctx, t.doc_type)
    return pdf.page_bytes(t.ws, t.doc_type, page)


def _docx(t: Table) -> bytes:
    table = tables.docx_table(
        "Synopse je Randnummer",
        HEADS,
        [0.06, 0.24, 0.24, 0.2, 0.26],
        [
            [
                tables.inlines(r.label),
                tables.inlines(r.old),
                tables.inlines(_comments_text(r)),
                tables.inlines(_decisions_text(r)),
                _new_inlines(r),
            ]
            for r in t.rows
        ],
    )
    return tables.docx_bytes(t.ws, t.doc_type, t.ctx, [table], landscape=True)


def _xlsx(t: Table) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Synopse"
    ws.append(
        [
            "Rn.",
            "Abschnitt",
            "Bisheriger Text",
            "Rückmeldungen",
            "Entscheidung und Begründung",
            "Neuer Text",
        ]
    )
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in t.rows:
        ws.append(
            [
                r.label,
                r.section,
                r.old,
                _comments_text(r),
                _decisions_text(r),
                r.new if r.changed else "unverändert",
            ]
        )
    for col, width in zip("ABCDEF", (8, 10, 50, 50, 40, 50), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    wb.properties.title = t.ctx["title"]
    return workbook_bytes(wb)


SYNOPSE: Product[Table] = Product({"pdf": _pdf, "docx": _docx, "xlsx": _xlsx})


def synopse(
    ws: Workspace,
    slug: str,
    rev_a: str,
    rev_b: str = WORKING,
    *,
    formats: tuple[str, ...] = SYNOPSE.formats,
    out_dir: Path | None = None,
    public: bool = False,
    progress: Progress = QUIET,
) -> list[Output]:
    draft = load_draft(ws, slug)
    progress.start(len(formats) + 1, "Synopse")
    progress.note("Rückmeldungen und Entscheidungen je Randnummer")
    rows = build_rows(ws, slug, rev_a, rev_b, public=public)
    va, vb = draft_at(ws, slug, rev_a).version, draft_at(ws, slug, rev_b).version
    title = f"Synopse: {draft.title}"
    subtitle = f"Version {va} → Version {vb}" + (
        " – Fassung zur Veröffentlichung" if public else " – interne Fassung"
    )
    ctx = document_context(ws, draft, edition_of(ws, draft))
    progress.step(f"{len(rows)} Zeilen")
    progress.note(", ".join(f.upper() for f in formats))
    return produce(
        SYNOPSE,
        lambda: Table(ws, draft.type, {**ctx, "title": title, "subtitle": subtitle}, rows),
        out=(out_dir or ws.build_dir / slug).resolve(),
        stem=f"{slug}-synopse-{va}-{vb}" + ("-oeffentlich" if public else ""),
        formats=formats,
        progress=progress,
    )
