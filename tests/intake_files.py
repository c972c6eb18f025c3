"""Builders for returned files, made with the real libraries (python-docx, openpyxl, email)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import zipfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def yaml_answer(slug: str, round_id: str, org: str, entries: list[tuple[int, str, str]]) -> str:
    """A filled YAML form as an organisation returns it: (rn, quote, comment) per entry."""
    lines = [
        'format: "lafast-rueckmeldung/1"',
        f'dokument: "{slug}"',
        f'runde: "{round_id}"',
        f'organisation: "{org}"',
        "einwilligung: intern",
        "anmerkungen:",
    ]
    for rn, quote, text in entries:
        lines += [
            f"  - rn: {rn}",
            "    art: inhaltlich",
            f"    zitat: {json.dumps(quote, ensure_ascii=False)}",
            f"    anmerkung: {json.dumps(text, ensure_ascii=False)}",
        ]
    return "\n".join(lines) + "\n"


def fill_yaml_form(form: Path, entries: str, *, consent: str = "intern") -> bytes:
    text = form.read_text("utf-8").replace("einwilligung: intern", f"einwilligung: {consent}")
    return (text[: text.index("anmerkungen:")] + "anmerkungen:\n" + entries).encode("utf-8")


def fill_xlsx_form(form: Path, rows: list[list[object]]) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(form)
    sheet = wb["Anmerkungen"]
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row, start=1):
            sheet.cell(i, j, value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def docx_with_changes(
    form: Path,
    *,
    comment_on: str,
    comment: str,
    replace: tuple[str, str],
    insert_after: tuple[str, str] | None = None,
    reply: str = "",
) -> bytes:
    """The DOCX form with a Word comment (python-docx) and tracked changes (w:del/w:ins)."""
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(str(form))

    def run_with(text: str):
        for p in doc.paragraphs:
            for r in p.runs:
                if text in r.text:
                    return p, r
        raise AssertionError(f"text not found in form: {text}")

    _p, run = _isolate(*run_with(comment_on), comment_on)
    c = doc.add_comment(run, text=comment, author="Katrin Weber", initials="KW")
    if reply:
        doc.add_comment(run, text=reply, author="Thomas Richter", initials="TR")
    old, new = replace
    _p, run = _isolate(*run_with(old), old)
    _track(run, deleted=True)
    ins_run = copy.deepcopy(run._r)
    for t in ins_run.findall(qn("w:delText")):
        t.tag = qn("w:t")
        t.text = new
    ins = _wrap(ins_run, "ins")
    run._r.getparent().addnext(ins)
    if insert_after:
        anchor_text, added = insert_after
        _p, run = _isolate(*run_with(anchor_text), anchor_text)
        new_run = copy.deepcopy(run._r)
        new_run.find(qn("w:t")).text = added
        run._r.addnext(_wrap(new_run, "ins"))
    buf = io.BytesIO()
    doc.save(buf)
    del c
    return buf.getvalue()


def _isolate(paragraph, run, text: str):
    """Split `run` so that `text` is a run of its own; returns (paragraph, that run)."""
    from docx.text.run import Run

    before, _, after = run.text.partition(text)
    run.text = before
    mid = copy.deepcopy(run._r)
    run._r.addnext(mid)
    mid_run = Run(mid, paragraph)
    mid_run.text = text
    if after:
        tail = copy.deepcopy(run._r)
        mid.addnext(tail)
        Run(tail, paragraph).text = after
    return paragraph, mid_run


def _track(run, *, deleted: bool) -> None:
    from docx.oxml.ns import qn

    for t in run._r.findall(qn("w:t")):
        t.tag = qn("w:delText")
    wrapper = _wrap(copy.deepcopy(run._r), "del")
    run._r.addprevious(wrapper)
    run._r.getparent().remove(run._r)
    run._r = wrapper[0]


def _wrap(r, kind: str):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(f"w:{kind}")
    el.set(qn("w:id"), str(abs(hash((kind, id(r)))) % 100000))
    el.set(qn("w:author"), "Katrin Weber")
    el.set(qn("w:date"), "2026-11-25T10:00:00Z")
    el.append(r)
    return el


def eml_with(
    attachments: dict[str, bytes],
    *,
    sender: str = "Katrin Weber <k.weber@awo.example.org>",
    subject: str = "Rückmeldung der AWO",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "fachstelle@lafast.example.org"
    msg["Subject"] = subject
    msg.set_content("Sehr geehrte Damen und Herren,\nanbei unsere Rückmeldung.\n")
    for name, data in attachments.items():
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return bytes(msg)


def rezip(
    data: bytes, *, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None
) -> bytes:
    """Rewrite an Office zip with extra or replaced entries (for hostile variants)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = (replace or {}).get(info.filename, src.read(info))
            z.writestr(info.filename, body)
        for name, body in (add or {}).items():
            z.writestr(name, body)
    return out.getvalue()


def docx_with_comments(data: bytes, n: int) -> bytes:
    """A Word answer with `n` comments, each on one word of a new first paragraph (the
    100,000-comment file of issue 13 compresses to about 2.5 MB)."""
    doc = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    marks = "".join(
        f'<w:commentRangeStart w:id="{i}"/><w:r><w:t xml:space="preserve">Wort{i} </w:t></w:r>'
        f'<w:commentRangeEnd w:id="{i}"/><w:r><w:commentReference w:id="{i}"/></w:r>'
        for i in range(n)
    )
    comments = "".join(
        f'<w:comment w:id="{i}" w:author="Träger {i % 7}" w:date="2026-11-30T10:00:00Z">'
        f"<w:p><w:r><w:t>Anmerkung {i}: bitte prüfen.</w:t></w:r></w:p></w:comment>"
        for i in range(n)
    )
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    return rezip(
        data,
        replace={
            "word/document.xml": doc.replace(
                b"<w:body>", f"<w:body><w:p>{marks}</w:p>".encode(), 1
            ),
            "word/comments.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="{w}">'
                f"{comments}</w:comments>"
            ).encode(),
        },
    )


def msg_with(
    attachments: dict[str, bytes],
    *,
    sender: tuple[str, str] = ("k.weber@awo.example.org", "Katrin Weber"),
    subject: str = "AW: Rückmeldung der AWO",
    message_id: str = "",
    in_reply_to: str = "",
    body: str = "Sehr geehrte Damen und Herren,\nanbei unsere Rückmeldung.\n",
    message_class: str = "IPM.Note",
) -> bytes:
    """An Outlook .msg as Outlook saves a received mail (built with msgforge). msgforge writes
    no Message-ID or In-Reply-To; they are added as the MAPI properties Outlook keeps them in
    (PR_INTERNET_MESSAGE_ID 0x1035, PR_IN_REPLY_TO_ID 0x1042), next to the message class."""
    from unittest.mock import patch

    from msgforge import Message, _builder

    msg = Message(
        subject=subject,
        text_body=body,
        to=[("fachstelle@lafast.example.org", "Fachstelle")],
        sender=sender,
        sent=dt.datetime(2026, 12, 1, 10, 30),
    )
    for name, data in attachments.items():
        msg.attach_bytes(name, data)
    extra = {0x1035: message_id, 0x1042: in_reply_to}
    plain = _builder._Props.add_unicode

    def add_unicode(self: Any, ole: Any, parent: Any, prop_id: int, value: str) -> None:
        plain(self, ole, parent, prop_id, message_class if prop_id == 0x001A else value)
        if prop_id == 0x001A:  # the message class: once, on the message itself
            for pid, text in extra.items():
                if text:
                    plain(self, ole, parent, pid, text)

    with patch.object(_builder._Props, "add_unicode", add_unicode):
        return msg.as_bytes()
