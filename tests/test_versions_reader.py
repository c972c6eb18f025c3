"""Two versions of a draft read through the kept chunks (issue #20): the redline and the Synopse
parse only the sections of the older version that differ, and make the same files as a full
read of both versions."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from lafast_docs.external import pandoc
from lafast_docs.outputs.document import render
from lafast_docs.outputs.redline import redline
from lafast_docs.render.incremental import VersionsReader
from lafast_docs.text.history import draft_at, model_of
from lafast_docs.text.textmodel import protect_gender_star

from .conftest import pdf_text, write_draft_body

SLUG = "zwei-fassungen"
SECTIONS = [
    "# Ziele\n\nDie Beratung[^a] richtet sich an alle Geflüchteten.\n\n"
    "[^a]: Siehe [Leitfaden][lf].\n\n[lf]: https://example.org/leitfaden\n",
    "# Personal\n\nJede Fachkraft betreut höchstens **80** Personen.\n\n"
    "- Supervision alle *drei* Monate\n- Fortbildung jährlich\n",
    "# Räume\n\nDie Beratung findet in eigenen Räumen statt[^a].\n",
    "# Dokumentation\n\nAlle Kontakte werden dokumentiert.\n\nEin Satz, der entfällt.\n",
]


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from lafast_docs.workspace.create import init_workspace

    ws = init_workspace(tmp_path_factory.mktemp("versionen") / "ws")
    path = write_draft_body(ws, SLUG, "\n".join(SECTIONS))
    ws.store.commit([path], "eins")
    changed = SECTIONS[:]
    changed[1] = changed[1].replace("**80**", "**60**").replace("*drei*", "*sechs*")
    changed[3] = changed[3].replace("\n\nEin Satz, der entfällt.\n", "\n")
    path.write_text(path.read_text("utf-8").replace("\n".join(SECTIONS), "\n".join(changed)))
    ws.store.commit([path], "zwei")
    return ws


def _clear_kept_chunks(ws) -> None:  # type: ignore[no-untyped-def]
    shutil.rmtree(ws.store.git_dir() / "lafast" / "ast", ignore_errors=True)


def test_older_version_reads_only_its_differing_sections(two_versions) -> None:
    ws = two_versions
    _clear_kept_chunks(ws)
    render(ws, SLUG, formats=("html",), force=True)  # the working copy's chunks are kept
    store = ws.store.git_dir() / "lafast" / "ast" / f"{SLUG}.json"
    kept = store.read_bytes()
    old, new = draft_at(ws, SLUG, "HEAD~1"), draft_at(ws, SLUG, "HEAD")
    reader = VersionsReader(ws, SLUG, new.body)
    for draft in (new, old):
        text = protect_gender_star(draft.body)
        assert reader(text) == pandoc.markdown_to_ast(text)  # exactly what pandoc reads whole
    assert reader.working.last_read == 0  # the version on disk: nothing to read
    assert reader.others.last_read == 2  # of the old version: the two sections that changed
    assert store.read_bytes() == kept  # render's chunks stay as render left them
    again = VersionsReader(ws, SLUG, new.body)  # a second Synopse of the same versions
    again(protect_gender_star(new.body))
    assert again(protect_gender_star(old.body)) == pandoc.markdown_to_ast(
        protect_gender_star(old.body)
    )
    assert again.others.last_read == 0
    assert model_of(old, parse=again).blocks == model_of(old).blocks


def _texts(outputs) -> dict[str, str]:  # type: ignore[no-untyped-def]
    texts = {}
    for o in outputs:
        if o.format == "pdf":
            texts["pdf"] = pdf_text(o.path)
        elif o.format == "docx":
            with zipfile.ZipFile(o.path) as z:
                texts["docx"] = z.read("word/document.xml").decode("utf-8")
        else:
            texts[o.format] = o.path.read_text("utf-8")
    return texts


def test_redline_is_the_same_cold_warm_and_one_at_a_time(
    two_versions, monkeypatch, tmp_path
) -> None:
    ws = two_versions
    _clear_kept_chunks(ws)
    cold = _texts(redline(ws, SLUG, "HEAD~1", "HEAD", out_dir=tmp_path / "kalt"))
    warm = _texts(redline(ws, SLUG, "HEAD~1", "HEAD", out_dir=tmp_path / "warm"))
    monkeypatch.setenv("LAFAST_WORKERS", "1")
    serial = _texts(
        redline(ws, SLUG, "HEAD~1", "HEAD", formats=("html", "docx"), out_dir=tmp_path / "s")
    )
    assert cold == warm and serial == {f: warm[f] for f in ("html", "docx")}
    assert "<del><strong>80</strong></del><ins><strong>60</strong></ins>" in warm["html"]
    assert "<del><em>drei</em></del><ins><em>sechs</em></ins>" in warm["html"]
    assert "<del>Ein Satz, der entfällt.</del>" in warm["html"]
    assert "8060" in warm["pdf"].replace(" ", "") and "w:del " in warm["docx"]


def test_redline_of_older_commits_leaves_renders_chunks_alone(two_versions, tmp_path: Path) -> None:
    ws = two_versions
    _clear_kept_chunks(ws)
    render(ws, SLUG, formats=("html",), force=True)
    store = ws.store.git_dir() / "lafast" / "ast" / f"{SLUG}.json"
    kept = store.read_bytes()
    redline(ws, SLUG, "HEAD~1", "HEAD", formats=("html",), out_dir=tmp_path)
    assert store.read_bytes() == kept
    assert (store.parent / f"{SLUG}.versionen.json").is_file()
