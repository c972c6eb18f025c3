"""Small things users trip over, through the CLI: German grammar per document type, readable
slugs from long titles, hints with the values lafast knows, the greeting of the reply letter."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner

from lafast_docs.consultation.rounds import open_round
from lafast_docs.workspace import Workspace
from tests.conftest import SAMPLE_FS, SAMPLE_SN, copy_samples, entry
from tests.intake_files import fill_yaml_form
from tests.test_cli import _Main

PLACEHOLDERS = re.compile(r"KURZNAME|runde-N\b|KENNUNG|ROLLE")


def run(ws: Workspace, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_Main(), ["--workspace", str(ws.root), *args])
    return result.exit_code, result.stdout, result.stderr


def _docx_text(path) -> str:
    from docx import Document

    return " ".join(" ".join(p.text for p in Document(str(path)).paragraphs).split())


def test_forms_name_the_document_type_with_the_right_article(sample_ws) -> None:
    from openpyxl import load_workbook

    ws = sample_ws
    code, out, _ = run(
        ws, "consult", "open", SAMPLE_SN, "--deadline", "2099-12-20", "--invite", "awo-sachsen"
    )
    assert code == 0, out
    folder = ws.comments_dir / SAMPLE_SN / "runde-1" / "formulare" / "awo-sachsen"
    sheet = load_workbook(next(folder.glob("*.xlsx")))["Hinweise"]
    hints = " ".join(str(r[0]) for r in sheet.iter_rows(values_only=True) if r[0])
    docx = _docx_text(next(folder.glob("*.docx")))
    for text in (hints, docx):
        assert "Beteiligungsrunde 1 zur Stellungnahme „" in text
        assert "zum Stellungnahme" not in text
    code, out, _ = run(
        ws, "consult", "open", SAMPLE_FS, "--deadline", "2099-12-20", "--invite", "awo-sachsen"
    )
    form = ws.comments_dir / SAMPLE_FS / "runde-1" / "formulare" / "awo-sachsen"
    assert "Beteiligungsrunde 1 zum Fachstandard „" in _docx_text(next(form.glob("*.docx")))


def test_long_titles_give_readable_slugs(ws) -> None:
    title = (
        "Stellungnahme zum Entwurf des Gesetzes zur Änderung des Landesaufnahmegesetzes "
        "(LAufnG) – Personalschlüssel 1:120 → 1:80"
    )
    code, out, _ = run(ws, "new", "stellungnahme", "--title", title)
    assert code == 0, out
    slug = "stellungnahme-zum-entwurf-des-gesetzes"
    assert f"drafts/{slug}/document.md" in out
    code, out, _ = run(
        ws, "new", "stellungnahme", "--title", "Stellungnahme zur Unterbringungsverordnung"
    )
    assert "drafts/stellungnahme-zur-unterbringungsverordnung/document.md" in out


def test_hints_name_what_lafast_knows(fs_ws, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("lafast_docs.cli.show._interactive", lambda: True)
    ws = fs_ws
    form = ws.comments_dir / SAMPLE_FS / "runde-1" / "formulare" / "awo-sachsen"
    answer = tmp_path / "awo.yaml"
    answer.write_bytes(
        fill_yaml_form(
            next(form.glob("*.yaml")),
            entry(100, "mindestens drei Monaten", "mindestens sechs Monaten")
            + entry(12, "", "", text="Beispiele?"),
        )
    )
    hints = []
    code, _out, err = run(ws, "comments", "import", str(answer))
    assert code == 0
    assert f"„lafast consult status {SAMPLE_FS}“ zeigt, wer noch fehlt" in err
    hints.append(err)
    code, _out, err = run(ws, "consult", "close", SAMPLE_FS)
    assert (
        "z. B. AWO-MF-001 (2 offen: „lafast comments list mindeststandards-fsa --decision offen“)"
        in err
    )
    hints.append(err)
    code, _out, err = run(ws, "decide", "AWO-MF-001", "--accept")
    assert "z. B. AWO-MF-002 (1 offen" in err
    code, _out, err = run(ws, "decide", "AWO-MF-002", "--noted", "--reason", "Danke.")
    assert (
        f"den Beschluss festhalten: „lafast consensus record {SAMPLE_FS} --gremium lag-fsa-msa"
        in err
    )
    hints.append(err)
    code, _out, err = run(ws, "render", SAMPLE_FS, "--final")
    assert code == 7
    assert (
        f"„lafast signoff {SAMPLE_FS} --as leitung“ und "
        f"„lafast signoff {SAMPLE_FS} --as lag-sprecher“" in err
    )
    hints.append(err)
    for text in hints:
        assert not PLACEHOLDERS.search(text), text


@pytest.mark.parametrize(
    ("form_contact", "greeting"),
    [
        ("Frau Dr. Katrin Weber", "Sehr geehrte Frau Dr. Weber,"),
        ("", "Guten Tag Katrin Weber,"),  # the address book: „Katrin Weber, Fachreferentin …“
        ("<b>x</b>", "Guten Tag Katrin Weber,"),  # not a name: the address book's contact
    ],
)
def test_reply_letter_greets_the_contact_person(
    fs_ws, tmp_path, form_contact: str, greeting: str
) -> None:
    ws = fs_ws
    form = next(
        (ws.comments_dir / SAMPLE_FS / "runde-1" / "formulare" / "awo-sachsen").glob("*.yaml")
    )
    data = fill_yaml_form(form, entry(12, "", "", text="Beispiele?")).decode("utf-8")
    data = data.replace('  name: ""', f'  name: "{form_contact}"', 1)
    answer = tmp_path / "awo.yaml"
    answer.write_text(data, "utf-8")
    assert run(ws, "comments", "import", str(answer))[0] == 0
    out_dir = tmp_path / "antworten"
    code, out, _ = run(ws, "comments", "reply", SAMPLE_FS, "--format", "docx", "-o", str(out_dir))
    assert code == 0, out
    text = _docx_text(next(out_dir.glob("*.docx")))
    assert greeting in text and "Damen und Herren" not in text


def test_reply_letter_to_a_group_keeps_the_general_greeting(ws, tmp_path) -> None:
    ws = copy_samples(ws, SAMPLE_FS)
    rnd = open_round(
        ws,
        SAMPLE_FS,
        deadline=dt.date(2099, 1, 1),
        invite=["lag-fsa-msa"],
        today=dt.date(2026, 11, 21),
    )
    answer = tmp_path / "lag.yaml"
    answer.write_bytes(
        fill_yaml_form(
            next((rnd.folder / "formulare" / "lag-fsa-msa").glob("*.yaml")),
            entry(12, "", "", text="x"),
        )
    )
    assert run(ws, "comments", "import", str(answer))[0] == 0
    code, _out, _ = run(
        ws, "comments", "reply", SAMPLE_FS, "--format", "docx", "-o", str(tmp_path / "a")
    )
    assert code == 0
    assert "Sehr geehrte Damen und Herren," in _docx_text(next((tmp_path / "a").glob("*.docx")))
