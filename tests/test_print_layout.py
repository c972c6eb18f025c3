"""Print layout without rough edges: columns by content, captions with their tables, the
funding note once per page, bold and italic in the redline."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from lafast_docs.outputs.document import render
from lafast_docs.render import html, markup

from .conftest import SAMPLE_FS, write_draft_body

NUMBERS_AND_TEXT = (
    "Table: Schlüssel nach Unterbringung\n\n"
    "| Unterbringung | Personen je Vollzeitstelle | Begründung |\n"
    "|----------------------------|----------------------------|--------|\n"
    "| Gemeinschaftsunterkunft | 80 | Grundsatz; zusätzlich Mindestpräsenz nach dem "
    "Kapitel Erreichbarkeit und regelmäßige Sprechzeiten in der Unterkunft |\n"
    "| Dezentrale Unterbringung, ländlicher Raum | 65 | Zuschlag für Wegezeiten, wenn "
    "Wohnungen und Büro durchschnittlich mehr als 15 km auseinanderliegen |\n"
)


def pages(pdf: Path) -> list[str]:
    from tests.checkers import tool

    out = subprocess.run([tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True)
    return out.stdout.split("\f")[:-1]


def test_columns_by_content_not_by_the_authors_dashes(ws) -> None:
    """The author's dashes made the number column as wide as the text; the widths now follow
    the text: the number column narrow, the reason column widest, no word cut."""
    write_draft_body(ws, "t", "# Kopf\n\n" + NUMBERS_AND_TEXT)
    from lafast_docs.text.analysis import analyse
    from lafast_docs.text.drafts import load_draft

    analysis = analyse(load_draft(ws, "t"))
    ast = markup.prepared(analysis, marker=markup.print_marker, images="file", inline_notes=True)
    table = next(b for b in ast["blocks"] if b["t"] == "Div" and b["c"][1][-1]["t"] == "Table")
    widths = [spec[1]["c"] for spec in table["c"][1][-1]["c"][2]]
    assert widths[1] < widths[0] < widths[2] and abs(sum(widths) - 1) < 0.01
    assert widths[1] * markup.TABLE_CHARS >= len("Vollzeitstelle") + markup.CELL_CHARS
    out = {o.format: o.path for o in render(ws, "t", formats=("pdf",))}
    text = "\n".join(pages(out["pdf"]))
    for word in (
        "Gemeinschaftsunterkunft",
        "Vollzeitstelle",
        "Mindestpräsenz",
        "auseinanderliegen",
    ):
        assert word in re.sub(r"[-\u2010]\n", "", text)  # whole or hyphenated, never cut


def test_caption_never_stranded_from_its_table(ws) -> None:
    """With this much text before it, the caption fell on the last line of page 1 and the
    table began on page 2 (WeasyPrint's default)."""
    line = "Ein Absatz mit etwas Text, der eine Zeile füllt und noch ein wenig mehr Text hat."
    filler = "\n\n".join([line] * 26) + "\n\n" + "Wort " * 108
    table = "\n\nTable: Die Beschriftung der Tabelle\n\n| Art | Zahl |\n|---|---:|\n" + "".join(
        f"| Zeile{i} Unterkunft | {i} |\n" for i in range(8)
    )
    write_draft_body(ws, "t", "# Kopf\n\n" + filler + table)
    out = {o.format: o.path for o in render(ws, "t", formats=("pdf",))}
    text = pages(out["pdf"])
    caption = next(i for i, p in enumerate(text) if "Beschriftung der Tabelle" in p)
    first_row = next(i for i, p in enumerate(text) if "Zeile0" in p)
    assert caption == first_row


def test_funding_note_once_per_page(rendered_samples) -> None:
    text = pages(rendered_samples[SAMPLE_FS]["pdf"])
    assert [p.count("mitfinanziert mit Steuermitteln") for p in text] == [1] * len(text)


def test_redline_keeps_bold_and_italic(ws) -> None:
    from lafast_docs.outputs.redline import html_ins_del, redline_analysis
    from lafast_docs.render.context import document_context, edition_of
    from lafast_docs.text.history import draft_at

    path = write_draft_body(ws, "r", "# Kopf\n\nDie Träger **müssen** eine *Fachkraft* stellen.\n")
    ws.store.commit([path], "eins")
    path.write_text(path.read_text("utf-8").replace("eine", "zwei"), "utf-8")
    ws.store.commit([path], "zwei")
    old, new = draft_at(ws, "r", "HEAD~1"), draft_at(ws, "r", "HEAD")
    analysis, _date = redline_analysis(ws, "r", old, new, "HEAD")
    ctx = document_context(ws, analysis.draft, edition_of(ws, analysis.draft))
    page = html_ins_del(html.page(ws, analysis, ctx, html.PRINT))
    body = page[page.index("<main") :]
    assert "<strong>müssen</strong>" in body and "<em>Fachkraft</em>" in body
    assert "<del>eine</del>" in body and "<ins>zwei</ins>" in body
