"""The forms of a round: built once and made out to each invitee, kept out of git, rebuilt the
same from the frozen version and the address book (issues #20, #21)."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from lafast_docs.cli import cli
from lafast_docs.consultation import forms
from lafast_docs.consultation.rounds import form_files, open_round, rebuild_forms
from lafast_docs.render.context import Edition, document_context
from lafast_docs.text.analysis import analyse
from lafast_docs.text.drafts import load_draft
from lafast_docs.workspace import find_workspace
from lafast_docs.workspace.addressbook import add_org

from .conftest import SAMPLE_SN, copy_samples, git
from .test_cli import run

TODAY = dt.date(2026, 11, 21)
ODD_NAME = "Träger & Partner <gGmbH> „Brücke“ 'Süd' \"Ost\""


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from lafast_docs.workspace.create import init_workspace

    ws = copy_samples(init_workspace(tmp_path_factory.mktemp("formulare") / "ab"), SAMPLE_SN)
    add_org(ws, "bruecke-sued", name=ODD_NAME, type="traeger")
    ws = find_workspace(explicit=ws.root)
    invite = ["awo-sachsen", "bruecke-sued", "lag-fsa-msa"]
    rnd = open_round(ws, SAMPLE_SN, deadline=dt.date(2026, 12, 15), invite=invite, today=TODAY)
    return ws, rnd


def _parts(path: Path) -> dict[str, str]:
    """The zip's XML parts as text, without the one with the time of writing (core.xml)."""
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every entry's CRC checks out, copied or rewritten
        return {
            n: z.read(n).decode("utf-8")
            for n in z.namelist()
            if n.endswith((".xml", ".rels")) and n != "docProps/core.xml"
        }


def _bytes_parts(data: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "direkt.zip"
    path.write_bytes(data)
    return _parts(path)


def test_forms_made_out_to_each_invitee_equal_a_build_for_it(opened, tmp_path) -> None:
    ws, rnd = opened
    draft = load_draft(ws, SAMPLE_SN)
    analysis = analyse(draft)
    ctx = document_context(ws, draft, Edition(rnd.opened, ""))
    for org_id in rnd.invitees:
        org = ws.config.org(org_id)
        folder = rnd.folder / "formulare" / org_id
        docx = folder / f"{SAMPLE_SN}-runde-1-{org_id}.docx"
        direct = forms._docx_form_bytes(ws, analysis, ctx, rnd, org)
        assert _parts(docx) == _bytes_parts(direct, tmp_path)
        xlsx = folder / f"{SAMPLE_SN}-runde-1-{org_id}.xlsx"
        direct = forms.xlsx_form_bytes(draft, rnd, org, analysis.model.blocks)
        assert _parts(xlsx) == _bytes_parts(direct, tmp_path)
    odd = _parts(
        rnd.folder / "formulare" / "bruecke-sued" / f"{SAMPLE_SN}-runde-1-bruecke-sued.docx"
    )
    assert "Hinweise für Träger &amp; Partner &lt;gGmbH&gt; „Brücke“" in odd["word/document.xml"]
    assert ">bruecke-sued<" in odd["docProps/custom.xml"]
    assert forms.STAND_IN.name not in odd["word/document.xml"]


def test_forms_stay_out_of_git_and_are_rebuilt_the_same(opened) -> None:
    ws, rnd = opened
    assert git(ws, "status", "--porcelain") == ""
    tracked = git(ws, "ls-files", "comments").split()
    assert tracked and not [p for p in tracked if "/formulare/" in p]
    assert f"comments/{SAMPLE_SN}/runde-1/.gitignore" in tracked
    folder = rnd.folder / "formulare"
    before = {p.relative_to(folder): p for p in folder.rglob("*.*")}
    saved = {
        rel: (_parts(p) if p.suffix != ".yaml" else p.read_text("utf-8"))
        for rel, p in before.items()
    }
    shutil.rmtree(folder)
    _rnd, written = rebuild_forms(ws, SAMPLE_SN)
    assert sorted(p.relative_to(folder) for p in written) == sorted(before)
    for rel, old in saved.items():
        path = folder / rel
        assert (_parts(path) if path.suffix != ".yaml" else path.read_text("utf-8")) == old
    assert git(ws, "status", "--porcelain") == ""


def test_form_files_of_one_invitee_built_when_missing(opened) -> None:
    ws, rnd = opened
    shutil.rmtree(rnd.folder / "formulare" / "lag-fsa-msa")
    paths = form_files(ws, rnd, "lag-fsa-msa")
    assert [p.suffix for p in paths] == [".docx", ".xlsx", ".yaml"]
    assert all(p.is_file() and p.parent.name == "lag-fsa-msa" for p in paths)
    assert form_files(ws, rnd, "lag-fsa-msa") == paths


def test_consult_formulare_refuses_who_was_not_invited(opened) -> None:
    ws, rnd = opened
    before = sorted((rnd.folder / "formulare").rglob("*"))
    code, out, err = run(
        ["-w", str(ws.root), "consult", "formulare", SAMPLE_SN, "--org", "caritas-dresden"]
    )
    assert (code, out) == (1, "")
    assert err == (
        f"Fehler: Nicht zur runde-1 von „{SAMPLE_SN}“ eingeladen: caritas-dresden.\n"
        "Was tun: Eingeladen sind: awo-sachsen, bruecke-sued, lag-fsa-msa\n"
    )
    assert sorted((rnd.folder / "formulare").rglob("*")) == before
    assert git(ws, "status", "--porcelain") == ""


def test_consult_formulare_on_the_command_line(opened) -> None:
    ws, rnd = opened
    shutil.rmtree(rnd.folder / "formulare" / "awo-sachsen")
    result = CliRunner().invoke(
        cli, ["-w", str(ws.root), "consult", "formulare", SAMPLE_SN, "--org", "awo-sachsen"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"3 Formulare der runde-1 zu {SAMPLE_SN}: {rnd.folder / 'formulare'}\n"
    )
    assert len(list((rnd.folder / "formulare" / "awo-sachsen").iterdir())) == 3
