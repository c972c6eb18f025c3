"""`lafast comments reply`: for each organisation that answered in a round, a German letter
(PDF/UA and DOCX) that says how each of its comments was decided, and why.

Every comment gets a line, also the ones not decided yet ("noch offen"), so the letter never
silently drops anything. Text from the organisation's own file is shown as literal text.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from lafast_docs.consultation.mail.message import NO_NAME, salutation
from lafast_docs.consultation.rounds import Round, find_round
from lafast_docs.consultation.submissions import Stored, list_submissions
from lafast_docs.decisions import disposition
from lafast_docs.errors import NothingToReply
from lafast_docs.render import pdf, tables
from lafast_docs.render.context import Edition, document_context, german_date
from lafast_docs.render.pipeline import Output, Product, check_formats, produce_all
from lafast_docs.render.progress import QUIET, Progress
from lafast_docs.text.drafts import Draft, load_draft
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.slugs import slugify

OPEN = "noch offen"
HEADS = ["Kennung", "Rn.", "Ihre Anmerkung", "Entscheidung", "Begründung"]


@dataclass(frozen=True)
class Line:
    id: str
    rn: str
    comment: str
    decision: str
    reason: str


@dataclass
class Reply:
    org: str
    org_name: str
    lines: list[Line]
    received: list[str]
    outputs: list[Output] = field(default_factory=list)
    contact: str = ""  # the person to greet: from the answer, else from the address book

    @property
    def open(self) -> int:
        return sum(1 for x in self.lines if x.decision == OPEN)


def _comment_text(c: dict[str, Any]) -> str:
    parts = [str(c.get("text") or "")]
    p = c.get("proposal")
    if p:
        if p.get("old") and p.get("new"):
            parts.append(f"Vorschlag: „{p['old']}“ → „{p['new']}“")
        elif p.get("old"):
            parts.append(f"Vorschlag: „{p['old']}“ streichen")
        else:
            parts.append(f"Vorschlag: „{p['new']}“")
    return "\n".join(x for x in parts if x)


def _line(c: dict[str, Any], d: disposition.Decision | None) -> Line:
    rn = c["anchor"].get("rn")
    reason = ""
    if d is not None:
        reason = d.reason
        if d.text:
            reason = (reason + "\n" if reason else "") + f"Übernommen wird: „{d.text}“"
    return Line(
        str(c["id"]),
        str(rn) if rn else "–",
        _comment_text(c),
        d.label if d else OPEN,
        reason,
    )


def collect(ws: Workspace, folder: Path, only: str | None = None) -> list[Reply]:
    """One reply per organisation with submissions in the round folder."""
    decided = disposition.current(folder)
    by_org: dict[str, list[Stored]] = {}
    for sub in list_submissions(folder):
        by_org.setdefault(sub.org, []).append(sub)
    if only is not None and only not in by_org:
        raise NothingToReply(
            f"Von „{only}“ gibt es in {folder.name} keine Rückmeldung.",
            hint="Rückmeldungen kamen von: " + (", ".join(sorted(by_org)) or "niemandem"),
        )
    replies = []
    for org_id, subs in sorted(by_org.items()):
        if only is not None and org_id != only:
            continue
        org = ws.config.org(org_id)
        name = org.name if org else str(subs[0].data.get("org_name") or org_id)
        lines = [_line(c, decided.get(c["id"])) for s in subs for c in s.comments]
        received = sorted({s.received[:10] for s in subs})
        given = [str((s.data.get("contact") or {}).get("name") or "") for s in subs]
        candidates = [*reversed(given), org.contact if org else ""]
        contact = next((c for c in candidates if salutation(c) != NO_NAME), "")
        replies.append(Reply(org_id, name, lines, received, contact=contact))
    return replies


def _summary(reply: Reply) -> str:
    counts = Counter(x.decision for x in reply.lines)
    return ", ".join(f"{label}: {n}" for label, n in counts.most_common())


def _dates(reply: Reply) -> str:
    return " und ".join(german_date(dt.date.fromisoformat(d)) for d in reply.received if d)


def _letter(reply: Reply, title: str, version: str, round_no: int) -> list[str]:
    """The paragraphs before the table."""
    n = len(reply.lines)
    out = [
        salutation(reply.contact),
        f"vielen Dank für Ihre Rückmeldung vom {_dates(reply)} zum Entwurf „{title}“ "
        f"(Version {version}, Beteiligungsrunde {round_no}). Wir haben "
        + ("Ihre Anmerkung" if n == 1 else f"jede Ihrer {n} Anmerkungen")
        + " geprüft. Die Tabelle zeigt, wie wir entschieden haben und warum.",
        f"Im Überblick: {_summary(reply)}.",
    ]
    if reply.open:
        out.append(
            f"Über {reply.open} Anmerkung(en) ist noch nicht entschieden; "
            "wir informieren Sie, sobald das geschehen ist."
        )
    return out


def _closing(org_name: str) -> list[str]:
    return ["Mit freundlichen Grüßen", org_name]


def _html_body(reply: Reply, intro: list[str], closing: list[str]) -> str:
    def paras(items: list[str]) -> str:
        return "".join(f"<p>{html_lib.escape(t)}</p>" for t in items)

    table = tables.html_table(
        "Ihre Anmerkungen und unsere Entscheidungen",
        HEADS,
        [
            (
                x.id,
                [
                    html_lib.escape(x.rn),
                    tables.html_cell(x.comment),
                    html_lib.escape(x.decision),
                    tables.html_cell(x.reason),
                ],
            )
            for x in reply.lines
        ],
        cls="antwort",
    )
    return paras(intro) + "<h2>Unsere Entscheidungen im Einzelnen</h2>" + table + paras(closing)


def _docx_blocks(reply: Reply, intro: list[str], closing: list[str]) -> list[tables.Node]:
    table = tables.docx_table(
        "Ihre Anmerkungen und unsere Entscheidungen",
        HEADS,
        [0.14, 0.06, 0.38, 0.14, 0.28],
        [
            [tables.inlines(t) for t in (x.id, x.rn, x.comment, x.decision, x.reason)]
            for x in reply.lines
        ],
    )
    return [
        *(tables.para(t) for t in intro),
        tables.heading(2, "Unsere Entscheidungen im Einzelnen"),
        table,
        *(tables.para(t) for t in closing),
    ]


def _css(reply: Reply) -> str:
    """Fixed columns; the id and Rn. columns as wide as their longest entry (bold 8.5 pt:
    ~0.22 cm a character, plus the cell padding), so "AWO-SZND-001" never runs into Rn."""
    id_cm = 0.4 + 0.22 * max((len(x.id) for x in reply.lines), default=10)
    rn_cm = 0.4 + 0.2 * max([3, *(len(x.rn) for x in reply.lines)])
    return (
        "\ntable.antwort { font-size: 8.5pt; table-layout: fixed; }\n"
        f"table.antwort th[scope=col]:nth-child(1) {{ width: {id_cm:.2f}cm; }}\n"
        f"table.antwort th[scope=col]:nth-child(2) {{ width: {rn_cm:.2f}cm; }}\n"
        "table.antwort th[scope=col]:nth-child(4) { width: 16%; }\n"
        "table.antwort th[scope=row] { white-space: nowrap; }\n"
        "table.antwort td { hyphens: manual; }\n"
    )


@dataclass(frozen=True)
class Letter:
    """What a reply writer gets: one organisation's reply and the letter around its table."""

    ws: Workspace
    doc_type: str
    ctx: dict[str, Any]
    reply: Reply
    intro: list[str]
    closing: list[str]


def _page(x: Letter) -> str:
    body = _html_body(x.reply, x.intro, x.closing)
    return tables.print_page(x.ws, x.doc_type, x.ctx, body, _css(x.reply))


def _pdf(x: Letter) -> bytes:
    return pdf.page_bytes(x.ws, x.doc_type, _page(x))


def _pdfs(letters: list[Letter]) -> list[bytes]:
    """Several letters in one WeasyPrint set-up (stylesheet and fonts loaded once)."""
    first = letters[0]
    return pdf.pages_bytes(first.ws, first.doc_type, [_page(x) for x in letters])


def _docx(x: Letter) -> bytes:
    blocks = _docx_blocks(x.reply, x.intro, x.closing)
    return tables.docx_bytes(x.ws, x.doc_type, x.ctx, blocks)


REPLY: Product[Letter] = Product({"pdf": _pdf, "docx": _docx}, batch={"pdf": _pdfs})


def reply(
    ws: Workspace,
    slug: str,
    *,
    round_id: str | None = None,
    to: str | None = None,
    formats: tuple[str, ...] = REPLY.formats,
    out_dir: Path | None = None,
    today: dt.date | None = None,
    progress: Progress = QUIET,
) -> list[Reply]:
    """A letter per organisation that answered in the round (or only `to`), each in
    `formats`; all letters made together (render/pipeline.py `produce_all`)."""
    check_formats(formats, REPLY)
    draft = load_draft(ws, slug)
    rnd = find_round(ws, slug, round_id)
    replies = collect(ws, rnd.folder, to)
    if not replies:
        raise NothingToReply(
            f"In {rnd.id} von „{slug}“ ist noch keine Rückmeldung eingegangen.",
            hint="Rückmeldungen einlesen mit „lafast comments import DATEI“.",
        )
    today = today or dt.date.today()
    base = document_context(ws, draft, Edition(today, rnd.commit))
    out = (out_dir or ws.build_dir / slug / f"antworten-{rnd.id}").resolve()
    made = produce_all(
        REPLY,
        [
            (
                f"antwort-{slug}-{rnd.id}-{slugify(r.org) or 'organisation'}",
                partial(_make_letter, ws, draft, rnd, base, r),
            )
            for r in replies
        ],
        out=out,
        formats=formats,
        progress=progress,
        label="Antwortschreiben",
        names=[r.org_name for r in replies],
    )
    for r, outputs in zip(replies, made, strict=True):
        r.outputs = outputs
    return replies


def _make_letter(ws: Workspace, draft: Draft, rnd: Round, base: dict[str, Any], r: Reply) -> Letter:
    org = ws.config.org(r.org)
    ctx = {
        **base,
        "title": f"Ihre Rückmeldung zum Entwurf „{draft.title}“",
        "subtitle": f"Ergebnis der Abwägung, Beteiligungsrunde {rnd.number}",
        "type_name": "Antwort auf eine Rückmeldung",
        "version": rnd.version,
        "state_name": f"Beteiligungsrunde {rnd.number}",
        "adressat": r.org_name + (f", {org.contact}" if org and org.contact else ""),
        "bezug_titel": f"Ihre Rückmeldung vom {_dates(r)}",
        "bezug_datum": "",
        "frist": "",
        "geltungsbereich": "",
        "authors": [],
        "keywords": [],
    }
    intro = _letter(r, draft.title, rnd.version, rnd.number)
    return Letter(ws, draft.type, ctx, r, intro, _closing(ws.config.org_name))
