"""Comment forms per invitee: DOCX (comment in Word), XLSX (comment table), YAML.

Every form carries who it is for: DOCX and XLSX in their custom document properties
(`lafast-dokument`, `lafast-version`, `lafast-runde`, `lafast-eingeladen`), YAML in its fields.
A returned file therefore identifies itself on import.
"""

from __future__ import annotations

import copy
import io
import json
import struct
import zipfile
from functools import partial
from pathlib import Path
from typing import Any

from lafast_docs.consultation.model import CONSENT_LABELS, CONSENT_TAG, Round
from lafast_docs.render import incremental, parallel
from lafast_docs.render.context import Edition, document_context, german_date
from lafast_docs.render.docx import docx_bytes
from lafast_docs.render.progress import QUIET, Progress
from lafast_docs.render.workbook import (
    Alignment,
    DataValidation,
    Font,
    PatternFill,
    Protection,
    Workbook,
    WorkbookProtection,
    custom_property,
    workbook_bytes,
)
from lafast_docs.storage.files import atomic_write
from lafast_docs.text.analysis import Analysis, analyse
from lafast_docs.text.drafts import Draft
from lafast_docs.text.textmodel import Block, Node
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import Org

KINDS = ("grundsaetzlich", "inhaltlich", "redaktionell")
KIND_LABELS = {
    "grundsaetzlich": "grundsätzlich",
    "inhaltlich": "inhaltlich",
    "redaktionell": "redaktionell",
}
# "Zitat" last: forms already sent keep their columns, and only the header names matter on import
XLSX_COLUMNS = (
    "Rn.",
    "Abschnitt",
    "Art",
    "Anmerkung",
    "Änderungsvorschlag",
    "Begründung",
    "Zitat",
)
XLSX_ROWS = 300  # prepared rows with drop-downs and validation
# the "Angaben" sheet of the XLSX form: label in column A, the answer in column B
XLSX_DETAILS = ("Einwilligung zur Veröffentlichung", "Ansprechperson", "E-Mail")
FORM_FORMAT = "lafast-rueckmeldung/1"
FORMS_FOLDER = "formulare"  # in the round's folder, not in git (rebuilt by `consult formulare`)


def form_meta(draft: Draft, rnd: Round, org: Org) -> dict[str, str]:
    return {
        "lafast-dokument": draft.slug,
        "lafast-version": draft.version,
        "lafast-runde": rnd.id,
        "lafast-eingeladen": org.id,
        "lafast-formular": FORM_FORMAT,
    }


def form_name(draft: Draft, rnd: Round, org: Org, ext: str) -> str:
    return f"{draft.slug}-{rnd.id}-{org.id}.{ext}"


def write_forms(
    ws: Workspace,
    draft: Draft,
    rnd: Round,
    orgs: list[Org],
    *,
    progress: Progress = QUIET,
) -> list[Path]:
    """Every invitee's three forms, in `formulare/<org>/` of the round.

    The DOCX and the XLSX are built once for the round, for a stand-in organisation, and then
    personalised per invitee: its name and id are written into the built file where the
    stand-in's stood (zip entries rewritten, nothing rendered again). That is the same file a
    build per organisation gives, at the cost of one build."""
    progress.start(len(orgs) + 2, "Formulare")
    analysis = analyse(draft, parse=incremental.reader_for(ws, draft.slug))  # render's chunks
    ctx = document_context(ws, draft, Edition(rnd.opened, ""))
    progress.note("Word- und Tabellen-Formular der Fassung")
    built = {}
    for i, data in parallel.completed(
        [
            partial(_docx_form_bytes, ws, analysis, ctx, rnd, STAND_IN),
            partial(xlsx_form_bytes, draft, rnd, STAND_IN, analysis.model.blocks),
        ]
    ):
        built[i] = data
        progress.step(("Word-Formular (DOCX)", "Tabellen-Formular (XLSX)")[i])
    size = max(1, -(-len(orgs) // (2 * parallel.workers())))
    chunks = [orgs[k : k + size] for k in range(0, len(orgs), size)]
    jobs = [partial(_made_out, built[0], built[1], chunk) for chunk in chunks]
    written: dict[str, list[Path]] = {}
    for i, pairs in parallel.completed(jobs):
        for org, (docx, xlsx) in zip(chunks[i], pairs, strict=True):
            folder = forms_dir(rnd, org.id)
            folder.mkdir(parents=True, exist_ok=True)
            paths = [folder / form_name(draft, rnd, org, ext) for ext in ("docx", "xlsx", "yaml")]
            atomic_write(paths[0], docx)
            atomic_write(paths[1], xlsx)
            atomic_write(paths[2], yaml_form(draft, rnd, org, ws.config.org_name))
            written[org.id] = paths
            progress.step(org.name)
    return [p for org in orgs for p in written[org.id]]


def _made_out(docx: bytes, xlsx: bytes, orgs: list[Org]) -> list[tuple[bytes, bytes]]:
    return [
        (personalised(docx, org, DOCX_PARTS), personalised(xlsx, org, XLSX_PARTS)) for org in orgs
    ]


def forms_dir(rnd: Round, org_id: str) -> Path:
    return rnd.folder / FORMS_FOLDER / org_id


# the stand-in organisation of the round's one build: plain ASCII that no writer splits, escapes
# or hyphenates, and that no draft contains
STAND_IN = Org("lafast-eingeladene-organisation-0", "LAFASTSTELLVERTRETUNG0", "traeger")
# each part with how its writer escapes quotation marks in text: pandoc does, lxml (which
# finishes the DOCX body, render/docxpost) and openpyxl do not
PANDOC_QUOTES: dict[str, str] = {'"': "&quot;", "'": "&#39;"}
DOCX_PARTS: dict[str, dict[str, str]] = {
    "word/document.xml": {},
    "docProps/custom.xml": PANDOC_QUOTES,
}
XLSX_PARTS: dict[str, dict[str, str]] = {"docProps/custom.xml": {}}


def personalised(built: bytes, org: Org, parts: dict[str, dict[str, str]]) -> bytes:
    """The form built for `STAND_IN`, made out to `org`: in the zip entries `parts`, the
    stand-in's id and name become the organisation's (XML-escaped, quotation marks as the
    part's writer escapes them, so that the result equals the writer's own); every other entry
    is copied as it is, in the same order and with the same dates."""
    from xml.sax.saxutils import escape  # here: it imports urllib.request (~50 ms)

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(built)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            if info.filename not in parts:
                _copy_compressed(src, dst, info)
                continue
            data = src.read(info)
            quotes = parts[info.filename]
            data = data.replace(STAND_IN.id.encode(), escape(org.id).encode("utf-8"))
            data = data.replace(STAND_IN.name.encode(), escape(org.name, quotes).encode("utf-8"))
            dst.writestr(info, data, compress_type=info.compress_type)
    return out.getvalue()


def _copy_compressed(src: zipfile.ZipFile, dst: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Copy one entry as it is stored, without inflating and deflating it again (that was 80 %
    of the time of making out 40 forms). zipfile has no public call for it; this is what its
    own writer does, with the compressed bytes taken from `src`."""
    assert src.fp is not None and dst.fp is not None
    src.fp.seek(info.header_offset)
    name_len, extra_len = struct.unpack("<HH", src.fp.read(30)[26:30])
    src.fp.seek(info.header_offset + 30 + name_len + extra_len)
    data = src.fp.read(info.compress_size)
    entry = copy.copy(info)
    entry.flag_bits &= ~0x08  # sizes and CRC in the local header, no data descriptor after
    dst.fp.seek(dst.start_dir)
    entry.header_offset = dst.fp.tell()
    dst.fp.write(entry.FileHeader())
    dst.fp.write(data)
    dst.filelist.append(entry)
    dst.NameToInfo[entry.filename] = entry
    dst.start_dir = dst.fp.tell()
    dst._didModify = True  # type: ignore[attr-defined]


def instructions(draft: Draft, rnd: Round, org_name: str) -> list[str]:
    return [
        f"Beteiligungsrunde {rnd.number} {draft.type_with_zu} „{draft.title}“, "
        f"Version {draft.version}.",
        f"Bitte senden Sie Ihre Rückmeldung bis zum {german_date(rnd.deadline)} an die {org_name}.",
        "So kommentieren Sie in Word: Schalten Sie unter „Überprüfen“ die Funktion "
        "„Änderungen nachverfolgen“ ein. Ändern Sie den Text direkt, wo Sie eine andere "
        "Formulierung vorschlagen, und fügen Sie Kommentare (Überprüfen → Neuer Kommentar) "
        "für Anmerkungen und Begründungen ein. Jeder Absatz trägt vorne eine Randnummer; bitte "
        "löschen Sie diese Nummern nicht.",
        "Speichern Sie die Datei als .docx und senden Sie sie zurück. Bitte nicht als PDF.",
        "Sie können stattdessen auch die beigefügte Tabelle (.xlsx) ausfüllen.",
    ]


CONSENT_QUESTION = "Darf Ihre Rückmeldung veröffentlicht werden (z. B. in der Synopse)?"


def consent_control(chosen: str = "intern") -> str:
    """A Word drop-down (content control) for the consent, read back by the DOCX intake."""
    from xml.sax.saxutils import escape, quoteattr  # here: it imports urllib.request (~50 ms)

    items = "".join(
        f"<w:listItem w:displayText={quoteattr(label)} w:value={quoteattr(key)}/>"
        for key, label in CONSENT_LABELS.items()
    )
    return (
        f'<w:p><w:r><w:t xml:space="preserve">{escape(CONSENT_QUESTION)} Bitte wählen: </w:t>'
        '</w:r><w:sdt><w:sdtPr><w:alias w:val="Einwilligung zur Veröffentlichung"/>'
        f'<w:tag w:val="{CONSENT_TAG}"/><w:dropDownList>{items}</w:dropDownList></w:sdtPr>'
        f"<w:sdtContent><w:r><w:t>{escape(CONSENT_LABELS[chosen])}</w:t></w:r>"
        "</w:sdtContent></w:sdt></w:p>"
    )


def _docx_form_bytes(
    ws: Workspace,
    analysis: Analysis,
    ctx: dict[str, Any],
    rnd: Round,
    org: Org,
) -> bytes:
    draft = analysis.draft
    paras = [
        {"t": "Para", "c": [{"t": "Str", "c": line}]}
        for line in instructions(draft, rnd, ws.config.org_name)
    ]
    cover: list[Node] = [
        {
            "t": "Header",
            "c": [
                1,
                ["hinweise", ["unnumbered"], []],
                [{"t": "Str", "c": f"Hinweise für {org.name}"}],
            ],
        },
        *paras,
        {"t": "RawBlock", "c": ["openxml", consent_control()]},
        {"t": "RawBlock", "c": ["openxml", '<w:p><w:r><w:br w:type="page"/></w:r></w:p>']},
    ]
    return docx_bytes(
        ws, analysis, ctx, extra_meta=form_meta(draft, rnd, org), front=cover, toc=False
    )


def xlsx_form_bytes(draft: Draft, rnd: Round, org: Org, blocks: list[Block]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Anmerkungen"
    ws.append(list(XLSX_COLUMNS))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF4")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFG", (8, 22, 16, 50, 50, 40, 40), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    unlocked = Protection(locked=False)
    for row in ws.iter_rows(min_row=2, max_row=XLSX_ROWS + 1, max_col=len(XLSX_COLUMNS)):
        for cell in row:
            cell.protection = unlocked
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    last = XLSX_ROWS + 1
    kinds = DataValidation(
        type="list",
        formula1='"' + ",".join(KIND_LABELS.values()) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Art der Anmerkung",
        error="Bitte wählen: grundsätzlich, inhaltlich oder redaktionell.",
    )
    rn = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2=str(max(len(blocks), 1)),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Randnummer",
        error=f"Randnummern gehen von 1 bis {len(blocks)}.",
    )
    ws.add_data_validation(kinds)
    ws.add_data_validation(rn)
    kinds.add(f"C2:C{last}")
    rn.add(f"A2:A{last}")
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False

    text = wb.create_sheet("Text")
    text.append(["Rn.", "Abschnitt", "Text der Fassung " + draft.version])
    for cell in text[1]:
        cell.font, cell.fill = bold, fill
    for b in blocks:
        text.append([b.rn, f"{b.section_number} {b.section_title}".strip(), b.text])
    text.column_dimensions["B"].width = 30
    text.column_dimensions["C"].width = 100
    text.protection.sheet = True

    details = wb.create_sheet("Angaben")
    details.column_dimensions["A"].width = 36
    details.column_dimensions["B"].width = 60
    for label in XLSX_DETAILS:
        details.append([label, ""])
        details.cell(details.max_row, 1).font = bold
        details.cell(details.max_row, 2).protection = unlocked
    details["B1"] = CONSENT_LABELS["intern"]
    consent = DataValidation(
        type="list",
        formula1='"' + ",".join(CONSENT_LABELS.values()) + '"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Einwilligung",
        error="Bitte aus der Liste wählen.",
    )
    details.add_data_validation(consent)
    consent.add("B1")
    details.append([])
    details.append(["Darf Ihre Rückmeldung veröffentlicht werden (z. B. in der Synopse)?"])
    details.protection.sheet = True

    info = wb.create_sheet("Hinweise")
    info.column_dimensions["A"].width = 110
    for line in [
        *instructions(draft, rnd, "Fachstelle")[:2],
        "Eine Zeile je Anmerkung im Blatt „Anmerkungen“. Rn. = Randnummer des Absatzes "
        "(siehe Blatt „Text“), Art = grundsätzlich, inhaltlich oder redaktionell.",
        "Änderungsvorschlag: die neue Formulierung. Begründung: warum. Zitat: die Textstelle, "
        "die der Vorschlag ersetzen soll, wörtlich (aus dem Blatt „Text“ kopieren) – nur so "
        "kann er genau übernommen werden.",
        "Im Blatt „Angaben“: ob Ihre Rückmeldung veröffentlicht werden darf (z. B. in der "
        "Synopse) und wer Ansprechperson für Rückfragen ist.",
        "Die Kopfzeile ist geschützt; bitte keine Spalten einfügen oder umbenennen.",
    ]:
        info.append([line])
        info.cell(info.max_row, 1).alignment = Alignment(wrap_text=True)

    for key, value in form_meta(draft, rnd, org).items():
        custom_property(wb, key, value)
    wb.security = WorkbookProtection(lockStructure=True)
    return workbook_bytes(wb)


def yaml_form(draft: Draft, rnd: Round, org: Org, org_name: str) -> str:
    q = json.dumps  # JSON strings are valid YAML double-quoted scalars

    return f"""\
# Rückmeldeformular – {draft.type_name} „{draft.title}“, Version {draft.version}
# Beteiligungsrunde {rnd.number}, Frist: {german_date(rnd.deadline)}, für: {org.name}
#
# So geht's: Tragen Sie unter „anmerkungen“ je Anmerkung einen Block ein (mit „- rn:“ beginnen).
# Zeilen mit # sind Erläuterungen. Text in Anführungszeichen setzen. Bitte senden Sie die Datei
# an die {org_name} zurück.

# Diese Angaben bitte nicht ändern:
format: {q(FORM_FORMAT)}
dokument: {q(draft.slug)}
version: {q(draft.version)}
runde: {q(rnd.id)}
organisation: {q(org.id)}

# Darf Ihre Rückmeldung veröffentlicht werden (z. B. in der Synopse)?
#   oeffentlich  – ja, mit Namen Ihrer Organisation
#   anonymisiert – ja, aber ohne Namen (z. B. „Träger A“)
#   intern       – nein, nur für die Fachstelle und die Gremien
einwilligung: intern

# Wer ist Ansprechperson für Rückfragen?
kontakt:
  name: ""
  email: ""

anmerkungen:
  # Beispiel – bitte ersetzen:
  - rn: 1                       # Randnummer des Absatzes
    art: inhaltlich             # grundsaetzlich, inhaltlich oder redaktionell
    zitat: ""                   # optional: die Textstelle, auf die Sie sich beziehen
    anmerkung: ""               # Ihre Anmerkung
    aenderungsvorschlag: ""     # optional: neue Formulierung der Textstelle
    begruendung: ""             # optional: warum
"""
