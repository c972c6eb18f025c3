"""Who sent it (issue 13, section 3): an e-mail whose sender does not fit the address book of
the organisation its form names is imported, but said, recorded on the submission and shown
by `consult status` until staff confirm it with `--from ORG`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.submissions import list_submissions

from ..conftest import SAMPLE_SN, git
from ..intake_files import eml_with, fill_yaml_form
from ..test_cli import _Main


@pytest.fixture
def rnd_ws(round_ws):
    return round_ws


def mail(ws, tmp_path, sender: str, org: str = "awo-sachsen"):
    form = ws.rnd.folder / "formulare" / org / f"{SAMPLE_SN}-runde-1-{org}.yaml"
    path = tmp_path / f"mail-{len(list(tmp_path.iterdir()))}.eml"
    path.write_bytes(
        eml_with(
            {"antwort.yaml": fill_yaml_form(form, '  - rn: 1\n    anmerkung: "Bitte so."\n')},
            sender=sender,
        )
    )
    return path


def run(ws, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_Main(), ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("sender", "state"),
    [
        ("Katrin Weber <migration@awo-sachsen.example.org>", "passt"),
        ("K. Weber <k.weber@AWO-Sachsen.example.org>", "passt"),  # same domain
        ("Fremd <awo-sachsen@gmail.example.com>", "abweichend"),
        ("Fälscher <migration@awo-sachsen.example.org.evil.example>", "abweichend"),
    ],
)
def test_sender_is_checked_against_the_address_book(rnd_ws, tmp_path, sender, state) -> None:
    [res] = import_files(rnd_ws, [mail(rnd_ws, tmp_path, sender)])
    assert res.status == "importiert", res.message
    [sub] = list_submissions(rnd_ws.rnd.folder)
    assert sub.data["sender"]["pruefung"] == state
    assert sub.data["sender"]["adressbuch"] == "migration@awo-sachsen.example.org"
    warned = [n for n in res.notes if n.startswith("Achtung: Absender")]
    assert bool(warned) == (state == "abweichend")


def test_mismatch_is_shown_in_consult_status_until_confirmed(rnd_ws, tmp_path) -> None:
    ws = rnd_ws
    path = mail(ws, tmp_path, "Fremd <awo@gmail.example.com>")
    code, out = run(ws, "comments", "import", str(path))
    assert code == 0, out
    assert "Achtung: Absender awo@gmail.example.com passt nicht zu AWO Landesverband" in out
    assert "lafast comments import DATEI --from awo-sachsen" in out
    code, out = run(ws, "consult", "status", SAMPLE_SN)
    assert "ABSENDER PRÜFEN" in out and "kamen von einer E-Mail-Adresse" in out, out
    code, out = run(ws, "consult", "status", SAMPLE_SN, "--json")
    rows = {r["org"]: r for r in json.loads(out)["eingeladene"]}
    assert rows["awo-sachsen"]["absender_abweichend"] == 1
    # confirmed deliberately: the same mail again, with --from
    head = git(ws, "rev-parse", "HEAD")
    code, out = run(ws, "comments", "import", str(path), "--from", "awo-sachsen")
    assert code == 0 and "Absender awo@gmail.example.com für AWO" in out and "bestätigt" in out
    [sub] = list_submissions(ws.rnd.folder)
    assert sub.data["sender"]["pruefung"] == "bestaetigt" and sub.data["sender"]["bestaetigt_von"]
    assert git(ws, "rev-parse", "HEAD~1") == head and git(ws, "status", "--porcelain") == ""
    code, out = run(ws, "consult", "status", SAMPLE_SN)
    assert "ABSENDER PRÜFEN" not in out, out


def test_files_not_sent_by_mail_have_no_sender_check(rnd_ws, tmp_path) -> None:
    form = rnd_ws.rnd.folder / "formulare" / "awo-sachsen" / f"{SAMPLE_SN}-runde-1-awo-sachsen.yaml"
    path = tmp_path / "antwort.yaml"
    path.write_bytes(fill_yaml_form(form, '  - rn: 1\n    anmerkung: "x"\n'))
    [res] = import_files(rnd_ws, [path])
    assert res.status == "importiert"
    assert "sender" not in list_submissions(rnd_ws.rnd.folder)[0].data
