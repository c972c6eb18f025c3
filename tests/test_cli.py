"""A few tests per command through click's CliRunner: exact German messages and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lafast_docs.cli import cli, main

from .conftest import git, pdf_text


def run(args: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
    """Run through `main` (the real error handling), capturing output and exit code."""
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=cwd) if cwd is None else _chdir(cwd):
        result = runner.invoke(_Main(), args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


class _Main:
    """Adapter so CliRunner calls `lafast_docs.cli.main` with its exit-code translation."""

    name = "lafast"

    def main(self, args, prog_name=None, **_kw):
        main(list(args))


class _chdir:
    def __init__(self, path: Path) -> None:
        self.path, self.old = path, Path.cwd()

    def __enter__(self) -> None:
        import os

        os.chdir(self.path)

    def __exit__(self, *exc) -> None:
        import os

        os.chdir(self.old)


def test_help_lists_commands_in_german() -> None:
    result = CliRunner().invoke(cli, ["--help"], prog_name="lafast")
    assert result.exit_code == 0
    assert "Aufruf: lafast [OPTIONEN] BEFEHL [ARGUMENTE]..." in result.output
    assert "Schreiben:" in result.output and "Beteiligung:" in result.output
    for cmd in ("init", "org", "new", "list", "status", "save", "log", "diff", "render", "demo"):
        assert f"  {cmd} " in result.output


# commands that are written without their sub-command name ("lafast signoff KURZNAME …")
ALIASES = {"signoff erteilen": "signoff"}


def walk(group, prefix=""):
    for name, cmd in group.commands.items():
        yield prefix + name, cmd
        if hasattr(cmd, "commands"):
            yield from walk(cmd, prefix + name + " ")


def test_every_command_has_help_with_example() -> None:
    for name, cmd in walk(cli):
        assert cmd.help, name
        if not hasattr(cmd, "commands"):
            written = ALIASES.get(name, name)
            assert "Beispiel" in cmd.help and f"lafast {written}" in cmd.help, name
        for param in cmd.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.name}"


def test_every_command_is_in_the_readme_and_in_a_stage() -> None:
    """Docs are tests: a command missing from the README's table fails here."""
    from lafast_docs.cli.main import STAGES

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    table = readme[readme.index("## Die Befehle") :]
    for name, cmd in walk(cli):
        if not hasattr(cmd, "commands"):
            written = ALIASES.get(name, name)
            assert f"`lafast {written}" in table, f"lafast {written} fehlt in README.md"
    staged = {n for _title, names in STAGES for n in names}
    assert set(cli.commands) <= staged, set(cli.commands) - staged
    help_text = CliRunner().invoke(cli, ["--help"], prog_name="lafast").output
    assert "Weitere:" not in help_text
    for title, _names in STAGES:
        if any(n in cli.commands for n in _names):
            assert f"{title}:" in help_text


def test_completion_scripts_and_values(sample_ws, monkeypatch) -> None:
    for shell in ("bash", "zsh"):
        code, out, _err = run(["completion", shell], cwd=sample_ws.root)
        assert code == 0 and "_LAFAST_COMPLETE" in out
    import subprocess
    import sys

    def complete(words: str) -> list[str]:
        env = {
            **__import__("os").environ,
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
            "_LAFAST_COMPLETE": "bash_complete",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        }
        out = subprocess.run(
            [sys.executable, "-m", "lafast_docs"],
            cwd=sample_ws.root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [line.split(",", 1)[1] for line in out.splitlines() if "," in line]

    assert complete("lafast render m") == ["mindeststandards-fsa"]
    assert set(complete("lafast diff ")) >= {"mindeststandards-fsa"}
    assert complete("lafast org remove caritas") == ["caritas-dresden"]
    assert complete("lafast comments reply x --to dia") == ["diakonie-sachsen"]


def test_hints_only_for_a_person_at_a_terminal(ws, monkeypatch) -> None:
    code, _out, err = run(["new", "stellungnahme", "--title", "Zur Verordnung"], cwd=ws.root)
    assert code == 0 and "Als Nächstes" not in err  # not a terminal: no hints
    monkeypatch.setattr("lafast_docs.cli.show._interactive", lambda: True)
    doc = ws.drafts_dir / "zur-verordnung" / "document.md"
    doc.write_text(doc.read_text("utf-8") + "\nEin neuer Absatz.\n", "utf-8")
    code, out, err = run(["save", "zur-verordnung", "-m", "Erster Entwurf"], cwd=ws.root)
    assert code == 0 and "Als Nächstes" not in out
    assert "Als Nächstes: „lafast render zur-verordnung“" in err


def test_not_in_a_workspace(tmp_path: Path) -> None:
    code, _out, err = run(["status"], cwd=tmp_path)
    assert code == 3
    assert err.startswith(
        f"Fehler: Hier ({tmp_path.resolve()}) und in keinem übergeordneten "
        "Ordner liegt eine lafast.yaml."
    )
    assert "Was tun:" in err and "Traceback" not in err


def test_unknown_option_is_german_usage_error(tmp_path: Path) -> None:
    code, _out, err = run(["status", "--farbe"], cwd=tmp_path)
    assert code == 2
    assert "Unbekannte Option: --farbe" in err


def test_init_new_save_log_list_status(tmp_path: Path) -> None:
    code, out, _ = run(["init", "ws", "--name", "Fachstelle Test"], cwd=tmp_path)
    assert code == 0 and out.startswith(f"Arbeitsbereich angelegt: {tmp_path.resolve() / 'ws'}")
    wsdir = tmp_path / "ws"
    code, out, _ = run(["new", "fachstandard", "--title", "Mindeststandards Ü"], cwd=wsdir)
    assert code == 0
    assert (
        out.splitlines()[0] == f"Angelegt: {wsdir.resolve()}/drafts/mindeststandards-ue/document.md"
    )
    doc = wsdir / "drafts" / "mindeststandards-ue" / "document.md"
    doc.write_text(doc.read_text("utf-8") + "\nNoch ein Absatz.\n", encoding="utf-8")
    code, out, _ = run(["--workspace", str(wsdir), "status", "--json"], cwd=tmp_path)
    rows = json.loads(out)
    assert code == 0 and rows[0]["kurzname"] == "mindeststandards-ue"
    assert rows[0]["ungespeichert"] is True and rows[0]["stand"] == "entwurf"
    code, out, _ = run(["save", "mindeststandards-ue", "-m", "Absatz ergänzt"], cwd=wsdir)
    assert code == 0 and out.startswith("Gespeichert als ")
    code, out, _ = run(["save", "mindeststandards-ue", "-m", "nochmal"], cwd=wsdir)
    assert out.strip() == "Keine Änderungen – nichts gespeichert."
    code, out, _ = run(["log", "mindeststandards-ue"], cwd=wsdir)
    assert code == 0 and "Absatz ergänzt" in out and "angelegt" in out
    code, out, _ = run(["list", "--json"], cwd=wsdir)
    assert json.loads(out)[0]["titel"] == "Mindeststandards Ü"
    code, out, _ = run(["status"], cwd=wsdir)
    assert "mindeststandards-ue" in out and "Entwurf" in out


def test_new_with_bad_slug_and_duplicate(ws) -> None:
    code, _out, err = run(["new", "fachstandard", "Mindeststandards Ü", "-t", "X"], cwd=ws.root)
    assert code == 1
    assert "Ungültige Kurzbezeichnung „Mindeststandards Ü“" in err
    assert "„mindeststandards-ue“" in err
    run(["new", "fachstandard", "a", "-t", "A"], cwd=ws.root)
    code, _out, err = run(["new", "stellungnahme", "a", "-t", "A"], cwd=ws.root)
    assert code == 1 and "Den Entwurf „a“ gibt es schon" in err


def test_unknown_type_is_usage_error(ws) -> None:
    code, _out, err = run(["new", "richtlinie", "x", "-t", "X"], cwd=ws.root)
    assert code == 2 and "„richtlinie“ ist keine der Möglichkeiten" in err


def test_broken_front_matter_exit_code_and_line(ws) -> None:
    run(["new", "fachstandard", "a", "-t", "A"], cwd=ws.root)
    doc = ws.drafts_dir / "a" / "document.md"
    doc.write_text(
        doc.read_text("utf-8").replace('version: "0.1"', "version: [0.1"), encoding="utf-8"
    )
    code, _out, err = run(["render", "a"], cwd=ws.root)
    assert code == 4
    assert f"{doc}:" in err and "YAML-Angaben sind fehlerhaft" in err


def test_org_commands(ws) -> None:
    code, out, _ = run(
        [
            "org",
            "add",
            "awo-sachsen",
            "--name",
            "AWO Sachsen",
            "--type",
            "traeger",
            "--email",
            "a@awo.example.org",
            "--contact",
            "K. Weber",
        ],
        cwd=ws.root,
    )
    assert code == 0 and out.strip() == "Aufgenommen: AWO Sachsen (awo-sachsen)"
    code, out, _ = run(["org", "list", "--json"], cwd=ws.root)
    assert json.loads(out) == [
        {
            "id": "awo-sachsen",
            "name": "AWO Sachsen",
            "type": "traeger",
            "email": "a@awo.example.org",
            "contact": "K. Weber",
        }
    ]
    code, out, _ = run(["org", "list"], cwd=ws.root)
    assert "AWO Sachsen" in out and "Träger" in out
    code, out, _ = run(["org", "remove", "awo-sachsen"], cwd=ws.root)
    assert code == 0 and out.strip() == "Entfernt: AWO Sachsen (awo-sachsen)"
    code, _out, err = run(["org", "add", "X", "--name", "x", "--type", "gremium"], cwd=ws.root)
    assert code == 1 and "Ungültige Kennung der Organisation „X“" in err
    assert git(ws, "status", "--porcelain") == ""


def test_diff_by_randnummer(ws) -> None:
    run(["new", "fachstandard", "a", "-t", "A"], cwd=ws.root)
    doc = ws.drafts_dir / "a" / "document.md"
    text = doc.read_text("utf-8")
    doc.write_text(
        text.replace("Jeder Absatz erhält automatisch", "Jeder Absatz bekommt sofort")
        + "\nGanz neuer Schlussabsatz.\n",
        encoding="utf-8",
    )
    code, out, _ = run(["diff", "a"], cwd=ws.root)
    assert code == 0
    assert "Änderungen von HEAD nach arbeitskopie: 2 Randnummer(n)" in out
    assert "Rn. 1 geändert  [1 Ziel und Geltungsbereich]" in out
    assert "[-erhält automatisch-]{+bekommt sofort+}" in out
    assert "Rn. 4 neu" in out and "{+Ganz neuer Schlussabsatz.+}" in out
    code, _out, err = run(["diff", "a", "gibtsnicht"], cwd=ws.root)
    assert code == 6 and "Die Version „gibtsnicht“ gibt es in diesem Arbeitsbereich nicht." in err


def test_render_unknown_format(ws) -> None:
    run(["new", "fachstandard", "a", "-t", "A"], cwd=ws.root)
    code, _out, err = run(["render", "a", "--format", "pdf,odt"], cwd=ws.root)
    assert code == 1 and "Unbekanntes Format „odt“" in err


def test_render_unsafe_draft_fails_cleanly(ws) -> None:
    run(["new", "fachstandard", "a", "-t", "A"], cwd=ws.root)
    doc = ws.drafts_dir / "a" / "document.md"
    doc.write_text(doc.read_text("utf-8") + "\n![Passwörter](/etc/passwd)\n", encoding="utf-8")
    code, _out, err = run(["render", "a"], cwd=ws.root)
    assert code == 4
    assert "Bild „/etc/passwd“: nur Bilddateien aus dem Ordner des Entwurfs" in err
    assert not (ws.build_dir / "a" / "a.pdf").exists()


@pytest.mark.parametrize(
    "args", [["log", "fehlt"], ["render", "fehlt"], ["save", "fehlt", "-m", "x"]]
)
def test_unknown_draft(ws, args) -> None:
    code, _out, err = run(args, cwd=ws.root)  # README: 1 = unknown short name, 4 = broken draft
    assert code == 1 and "Es gibt keinen Entwurf „fehlt“." in err


def test_demo_leaves_every_output_and_can_run_again(tmp_path: Path) -> None:
    code, out, err = run(["demo", "vorfuehrung"], cwd=tmp_path)
    assert code == 0, err
    root = (tmp_path / "vorfuehrung").resolve()
    assert f"Demo fertig. Arbeitsbereich: {root}" in out
    for slug in ("mindeststandards-fsa", "stellungnahme-verordnung-unterbringung"):
        for ext in ("pdf", "docx", "html"):
            path = root / "build" / slug / f"{slug}.{ext}"
            assert path.is_file() and path.stat().st_size > 1000
            assert str(path) in out
    assert subprocess_git(root, "status", "--porcelain") == ""
    # the consultation round: every kind of returned file was read, the status shows it
    assert "$ lafast consult status mindeststandards-fsa" in out
    assert "4 von 5 haben geantwortet." in out
    for org in ("AWO-MF-001", "LAG-MF-001", "CARITAS-MF-001", "DIAKONIE-MF-001"):
        assert org in out
    assert "„mindestens drei Monaten“ → „mindestens sechs Monaten“" in out
    assert out.count(": importiert – ") == 4
    assert "Version 0.3 → 0.4, 4 Änderung(en) übernommen" in out
    doc = (root / "drafts" / "mindeststandards-fsa" / "document.md").read_text("utf-8")
    assert "mindestens sechs Monaten" in doc and 'version: "0.4"' in doc
    # Synopse, redline, answers to every organisation and the disposition sheet
    build = root / "build" / "mindeststandards-fsa"
    produced = {p.relative_to(build).as_posix() for p in build.rglob("*.*")}
    for name in (
        "mindeststandards-fsa-synopse-0.3-0.4.pdf",
        "mindeststandards-fsa-synopse-0.3-0.4.docx",
        "mindeststandards-fsa-synopse-0.3-0.4.xlsx",
        "mindeststandards-fsa-synopse-0.3-0.4-oeffentlich.pdf",
        "mindeststandards-fsa-aenderungen-0.3-0.4.pdf",
        "mindeststandards-fsa-aenderungen-0.3-0.4.docx",
        "mindeststandards-fsa-aenderungen-0.3-0.4.html",
        "abwaegung-mindeststandards-fsa-runde-1.xlsx",
        *(
            f"antworten-runde-1/antwort-mindeststandards-fsa-runde-1-{org}.{ext}"
            for org in ("awo-sachsen", "caritas-dresden", "diakonie-sachsen", "lag-fsa-msa")
            for ext in ("pdf", "docx")
        ),
    ):
        assert name in produced, name
        assert str(build / name) in out
    synopse_text = " ".join(pdf_text(build / "mindeststandards-fsa-synopse-0.3-0.4.pdf").split())
    assert "AWO-MF-004" in synopse_text and "mindestens sechs Monaten" in synopse_text
    # consent chosen in the Word drop-down and the Excel sheet: AWO by name, the LAG anonymised
    public = " ".join(
        pdf_text(build / "mindeststandards-fsa-synopse-0.3-0.4-oeffentlich.pdf").split()
    )
    assert "AWO Landesverband Sachsen" in public and "Gremium A" in public
    assert "Landesarbeitsgemeinschaft" not in public
    # sign-offs with demo keys, signed final PDFs, the website; verify says authentic
    assert (
        "Freigegeben: mindeststandards-fsa – Dr. Miriam Albers (Leitung der Landesfachstelle)"
        in out
    )
    assert out.count("\n  echt\n") == 2
    site = root / "build" / "website"
    assert f"Website zum Öffnen im Browser: {site / 'index.html'}" in out
    pdf = site / "fachstandard" / "mindeststandards-fsa" / "0.4" / "mindeststandards-fsa-0.4.pdf"
    code, out, err = run(["verify", str(pdf)], cwd=root)
    assert code == 0, err
    assert "PDF-Signatur: gültig, Zertifikat vertrauenswürdig" in out and "Ergebnis: echt" in out
    # a second run replaces its own folder (the step before a run; a whole second demo would
    # cost another minute) ...
    from lafast_docs.office.demo import prepare_folder

    prepare_folder(root)
    assert not root.exists()
    # ... but never a folder that is not a demo
    other = tmp_path / "meins"
    other.mkdir()
    (other / "wichtig.txt").write_text("bleibt")
    code, _out, err = run(["demo", "meins"], cwd=tmp_path)
    assert code == 1 and "ist nicht leer und stammt nicht aus einer früheren Demo" in err
    assert (other / "wichtig.txt").read_text() == "bleibt"


def subprocess_git(root: Path, *args: str) -> str:
    import subprocess

    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout


def test_version_option() -> None:
    result = CliRunner().invoke(cli, ["--version"], prog_name="lafast")
    assert result.exit_code == 0 and result.output.startswith("lafast 0.")


def test_consult_and_comments_commands(ws, tmp_path) -> None:
    from .conftest import SAMPLE_SN, copy_samples

    copy_samples(ws, SAMPLE_SN)
    code, out, err = run(
        [
            "consult",
            "open",
            SAMPLE_SN,
            "--deadline",
            "2099-12-31",
            "--invite",
            "awo-sachsen,lag-fsa-msa",
        ],
        cwd=ws.root,
    )
    assert code == 0, err
    assert out.startswith("runde-1 eröffnet: Fassung ")
    assert "Markierung lafast/stellungnahme-verordnung-unterbringung/runde-1" in out
    code, _out, err = run(
        ["consult", "open", SAMPLE_SN, "--deadline", "31.12.2099", "--invite", "awo-sachsen"],
        cwd=ws.root,
    )
    assert code == 2 and "„31.12.2099“ ist kein Datum" in err
    form = (
        ws.comments_dir
        / SAMPLE_SN
        / "runde-1"
        / "formulare"
        / "awo-sachsen"
        / f"{SAMPLE_SN}-runde-1-awo-sachsen.yaml"
    )
    text = form.read_text("utf-8")
    good = tmp_path / "awo.yaml"
    good.write_text(
        text[: text.index("anmerkungen:")]
        + 'anmerkungen:\n  - rn: 2\n    art: redaktionell\n    anmerkung: "Komma."\n',
        encoding="utf-8",
    )
    broken = tmp_path / "kaputt.xlsx"
    broken.write_bytes(b"PK\x03\x04 nicht wirklich")
    code, out, err = run(["comments", "import", str(good), str(broken)], cwd=ws.root)
    assert code == 1
    assert "OK awo.yaml: importiert – 1 Anmerkung(en) von AWO Landesverband Sachsen e. V." in out
    assert "!! kaputt.xlsx: abgelehnt – Die Datei ist beschädigt" in out
    assert "1 von 2 Datei(en) nicht eingelesen." in err
    code, out, _ = run(["consult", "status", SAMPLE_SN, "--json"], cwd=ws.root)
    data = json.loads(out)
    assert code == 0 and data["runde"] == "runde-1" and data["ueberfaellig"] is False
    assert [(e["org"], e["rueckmeldungen"]) for e in data["eingeladene"]] == [
        ("awo-sachsen", 1),
        ("lag-fsa-msa", 0),
    ]
    code, out, _ = run(
        ["comments", "list", SAMPLE_SN, "--json", "--kind", "redaktionell"], cwd=ws.root
    )
    rows = json.loads(out)
    assert [r["id"] for r in rows] == ["AWO-SVU-001"] and rows[0]["rn"] == 2
    code, out, _ = run(["comments", "show", "awo-svu-001"], cwd=ws.root)
    assert code == 0 and out.startswith("AWO-SVU-001 – redaktionell, von AWO Landesverband")
    assert "Zuordnung: Randnummer" in out and "Komma." in out
    code, _out, err = run(["comments", "show", "XYZ-1"], cwd=ws.root)
    assert code == 1 and "Eine Anmerkung „XYZ-1“ gibt es nicht." in err
    code, out, _ = run(["consult", "close", SAMPLE_SN], cwd=ws.root)
    assert code == 0 and out.strip() == f"runde-1 zu {SAMPLE_SN} geschlossen."
    assert git(ws, "status", "--porcelain") == ""


def test_no_color_and_colour_at_a_terminal(ws, monkeypatch) -> None:
    def doctor_output() -> str:
        runner = CliRunner()
        with _chdir(ws.root):
            return runner.invoke(_Main(), ["doctor"], color=True).output

    assert "\x1b[" in doctor_output()  # a colour terminal gets colours ...
    monkeypatch.setenv("NO_COLOR", "1")
    plain = doctor_output()
    assert "\x1b[" not in plain and "ok " in plain  # ... NO_COLOR none; the words remain


def test_progress_for_many_files_only_at_a_terminal(ws, tmp_path, monkeypatch) -> None:
    files = []
    for i in range(3):
        f = tmp_path / f"leer-{i}.txt"
        f.write_text("nichts", "utf-8")
        files.append(str(f))
    code, _out, err = run(["comments", "import", *files], cwd=ws.root)
    assert code == 1 and "Lese Rückmeldungen ein" not in err
    monkeypatch.setattr("lafast_docs.cli.show._interactive", lambda: True)
    code, _out, err = run(["comments", "import", *files], cwd=ws.root)
    assert code == 1 and "Lese Rückmeldungen ein" in err


def test_render_several_documents_with_progress(sample_ws, monkeypatch) -> None:
    monkeypatch.setattr("lafast_docs.cli.show._interactive", lambda: True)
    code, out, err = run(["render", "--all", "--format", "html"], cwd=sample_ws.root)
    assert code == 0, err
    assert "Erzeuge Dokumente" in err  # the progress bar's label, on stderr only
    for slug in ("mindeststandards-fsa", "stellungnahme-verordnung-unterbringung"):
        assert str(sample_ws.build_dir / slug / f"{slug}.html") in out
    code, _out, err = run(["render"], cwd=sample_ws.root)
    assert code == 2 and "KURZNAMEN an oder --all" in err


@pytest.mark.slow
def test_demo_without_ssh_keygen_still_finishes(tmp_path, monkeypatch) -> None:
    """A fresh machine with Python and git only: no ssh-keygen, so no signed approvals."""
    import os
    import shutil

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(shutil.which("git"), bin_dir / "git")
    monkeypatch.setenv("PATH", str(bin_dir))
    code, out, err = run(["demo", "ohne-ssh"], cwd=tmp_path)
    assert code == 0, err
    assert "ssh-keygen fehlt" in err
    assert out.count("Ergebnis: echt") == 2 or out.count("\n  echt\n") == 2
    config = (tmp_path / "ohne-ssh" / "lafast.yaml").read_text("utf-8")
    assert "signing:\n  git: none\n" in config
