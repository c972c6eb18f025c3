"""The DOCX's pandoc input kept per content key (render/docxinput.py): an unchanged text is not
read again, an edited one always is, and a damaged kept file is never trusted."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from lafast_docs.errors import UnsafeContent
from lafast_docs.outputs.document import render
from lafast_docs.workspace import Workspace

from .conftest import SAMPLE_FS, copy_samples, write_draft_body

BODY = (
    "# Beratung\n\nDie Beratung ist freiwillig und kostenlos.\n\n"
    "# Personal\n\nSozialarbeiter*innen beraten mit einem Schlüssel von 1:80.\n"
)


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def kept(ws: Workspace, slug: str) -> Path:
    return ws.store.git_dir() / "lafast" / "docx" / f"{slug}.bin"


def chunks(ws: Workspace, slug: str) -> Path:  # written whenever the draft is read (analysed)
    return ws.store.git_dir() / "lafast" / "ast" / f"{slug}.json"


def render_docx(ws: Workspace, slug: str) -> Path:
    (out,) = render(ws, slug, formats=("docx",), force=True)
    return out.path


def test_unchanged_text_is_not_read_again_and_the_docx_is_the_same(ws) -> None:
    write_draft_body(ws, "t", BODY)
    first = docx_text(render_docx(ws, "t"))
    assert kept(ws, "t").is_file()
    chunks(ws, "t").unlink()
    again = render_docx(ws, "t")  # --force: pandoc and the finishing run again
    assert not chunks(ws, "t").exists()  # the draft was not read (analysed) this time
    assert docx_text(again) == first
    assert "Die Beratung ist freiwillig und kostenlos." in first
    assert "Sozialarbeiter*innen" in first


def test_an_edited_paragraph_is_in_the_next_docx(ws) -> None:
    path = write_draft_body(ws, "t", BODY)
    render_docx(ws, "t")
    before = kept(ws, "t").read_bytes().split(b"\n", 1)[0]
    path.write_text(path.read_text("utf-8").replace("kostenlos", "vertraulich"), "utf-8")
    text = docx_text(render_docx(ws, "t"))
    assert "Die Beratung ist freiwillig und vertraulich." in text
    assert "kostenlos" not in text
    assert kept(ws, "t").read_bytes().split(b"\n", 1)[0] != before  # kept under the new key


def test_a_changed_title_block_is_a_new_key(ws) -> None:
    write_draft_body(ws, "t", BODY)
    render_docx(ws, "t")
    cfg = ws.root / "lafast.yaml"
    cfg.write_text(cfg.read_text("utf-8") + "\n", "utf-8")  # same settings: same key
    render_docx(ws, "t")
    path = write_draft_body(ws, "t", BODY, extra_meta='subtitle: "Neuer Untertitel"\n')
    assert path.is_file()
    chunks(ws, "t").unlink()
    assert "Neuer Untertitel" in docx_text(render_docx(ws, "t"))
    assert chunks(ws, "t").exists()  # read again: the text changed


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # cut off
        lambda b: b"kein json\n" + b.split(b"\n", 1)[1],
        lambda b: b.replace(b'"format": 1', b'"format": 99', 1),
        lambda b: b.replace(b'"svg_files": []', b'"svg_files": 7', 1),
        lambda b: b"",
    ],
)
def test_a_damaged_kept_input_is_ignored_and_replaced(ws, damage) -> None:
    write_draft_body(ws, "t", BODY)
    first = docx_text(render_docx(ws, "t"))
    good = kept(ws, "t").read_bytes()
    assert damage(good) != good
    kept(ws, "t").write_bytes(damage(good))
    assert docx_text(render_docx(ws, "t")) == first
    assert kept(ws, "t").read_bytes() == good


def test_a_refused_draft_keeps_nothing_and_writes_no_docx(ws) -> None:
    path = write_draft_body(ws, "t", BODY)
    render_docx(ws, "t")
    good = kept(ws, "t").read_bytes()
    (ws.build_dir / "t" / "t.docx").unlink()
    path.write_text(path.read_text("utf-8") + "\n![x](/etc/passwd)\n", "utf-8")
    with pytest.raises(UnsafeContent):
        render(ws, "t", formats=("docx",), force=True)
    assert not (ws.build_dir / "t" / "t.docx").exists()
    assert kept(ws, "t").read_bytes() == good  # the last good text's input, nothing else
    assert not [p for p in kept(ws, "t").parent.iterdir() if p.name.endswith(".tmp")]


def test_every_format_at_once_keeps_the_docx_input(ws) -> None:
    write_draft_body(ws, "t", BODY)
    out = {o.format: o.path for o in render(ws, "t", formats=("docx", "html"))}
    assert kept(ws, "t").is_file()
    chunks(ws, "t").unlink()
    assert docx_text(render_docx(ws, "t")) == docx_text(out["docx"])
    assert not chunks(ws, "t").exists()


def test_docx_alone_changes_its_own_analysis_to_the_same_result(ws) -> None:
    """A DOCX rendered alone finishes the analysis' AST in place (no copy): the same document
    as when it shares the analysis with the other formats (section numbers, register values,
    Randnummern, images)."""
    copy_samples(ws, SAMPLE_FS)

    def parts(path: Path) -> tuple[bytes, bytes]:
        with zipfile.ZipFile(path) as z:
            return z.read("word/document.xml"), z.read("word/styles.xml")

    shared = parts(
        {o.format: o.path for o in render(ws, SAMPLE_FS, formats=("docx", "html"))}["docx"]
    )
    kept(ws, SAMPLE_FS).unlink()
    alone = parts(render_docx(ws, SAMPLE_FS))
    assert alone == shared
    assert b"Abschnittsnummer" in alone[0] and b"Randnummer" in alone[0]
