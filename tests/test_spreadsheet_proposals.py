"""Proposals from every form can be merged: the Excel form has a quote column (read back on
import), `decide --partly --replaces` names the passage for a proposal that has none, and a merge
that saved a new version with proposals left out exits 0 with the list of what was left."""

from __future__ import annotations

from click.testing import CliRunner
from openpyxl import load_workbook

from lafast_docs.consultation.submissions import list_submissions
from lafast_docs.workspace import Workspace
from tests.conftest import SAMPLE_FS, git, lag_confirms
from tests.intake_files import fill_xlsx_form
from tests.test_cli import _Main


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_Main(), ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


def test_excel_quote_partly_replaces_and_merge_exit_codes(fs_ws, tmp_path) -> None:
    ws = fs_ws
    form = (
        ws.comments_dir / SAMPLE_FS / "runde-1" / "formulare" / "caritas-dresden"
        / f"{SAMPLE_FS}-runde-1-caritas-dresden.xlsx"
    )  # fmt: skip
    header = [c.value for c in load_workbook(form)["Anmerkungen"][1]]
    assert header == [
        "Rn.", "Abschnitt", "Art", "Anmerkung", "Änderungsvorschlag", "Begründung", "Zitat"
    ]  # fmt: skip
    answer = tmp_path / "caritas.xlsx"
    answer.write_bytes(
        fill_xlsx_form(
            form,
            [
                [
                    100,
                    "",
                    "inhaltlich",
                    "",
                    "mindestens sechs Monaten",
                    "",
                    "mindestens drei Monaten",
                ],
                [110, "", "inhaltlich", "", "sollen deshalb in der Regel unbefristet", "", None],
            ],
        )
    )
    code, out = run(ws, "comments", "import", str(answer))
    assert code == 0, out
    [sub] = [s for s in list_submissions(ws.comments_dir / SAMPLE_FS / "runde-1")]
    quoted, bare = sub.comments
    assert quoted["proposal"] == {
        "old": "mindestens drei Monaten",
        "new": "mindestens sechs Monaten",
    }
    assert quoted["anchor"]["state"] == "exakt" and quoted["anchor"]["rn"] == 100
    assert bare["proposal"]["old"] == "" and bare["anchor"]["state"] == "randnummer"

    assert run(ws, "decide", quoted["id"], "--accept")[0] == 0
    assert run(ws, "decide", bare["id"], "--accept")[0] == 0
    lag_confirms(ws, [quoted["id"], bare["id"]])
    code, out = run(ws, "merge", SAMPLE_FS)
    assert code == 0, out  # a new version was saved: the left-out proposal is a report
    assert (
        f"NICHT übernommen: {bare['id']} – der Vorschlag nennt keine Textstelle (nur Rn. 110)"
        in out
    )
    assert (
        f'„lafast decide {bare["id"]} --partly --replaces "…" --text '
        '"sollen deshalb in der Regel unbefristet" --reason "…"“' in out
    )
    assert "Version 0.4 gespeichert" in out or "gespeichert (" in out
    assert f"Nicht übernommen (1): {bare['id']} – Gründe siehe oben." in out
    doc = ws.drafts_dir / SAMPLE_FS / "document.md"
    assert "mindestens sechs Monaten" in doc.read_text("utf-8")

    head = git(ws, "rev-parse", "HEAD")
    code, out = run(ws, "merge", SAMPLE_FS)  # only the refused one is left: nothing to save
    assert code == 1 and git(ws, "rev-parse", "HEAD") == head

    code, out = run(ws, "decide", bare["id"], "--reject", "--reason", "x", "--replaces", "y")
    assert code == 1 and "--replaces" in out and "teilweise angenommen" in out
    code, out = run(
        ws, "decide", bare["id"], "--partly", "--replaces", "sollen deshalb unbefristet",
        "--text", "sollen deshalb in der Regel unbefristet", "--reason", "Vorschlag der LAG",
    )  # fmt: skip
    assert code == 0, out
    code, out = run(ws, "comments", "show", bare["id"])
    assert "Entscheidung: teilweise angenommen" in out
    assert "  Ersetzt: „sollen deshalb unbefristet“" in out
    code, out = run(ws, "merge", SAMPLE_FS)
    assert code == 0, out
    assert "NICHT übernommen" not in out
    assert "sollen deshalb in der Regel unbefristet" in doc.read_text("utf-8")
