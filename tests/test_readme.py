"""Docs are tests: the README's ten-minute walkthrough, run command by command as written.

Only what a person does outside lafast is simulated: writing a paragraph in the editor and the
AWO sending back the Word form with a tracked change and a comment.
"""

from __future__ import annotations

import glob
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from .intake_files import docx_with_changes
from .test_cli import run

README = Path(__file__).resolve().parent.parent / "README.md"
SLUG = "stellungnahme-zur-unterbringungsverordnung"
PARAGRAPH = (
    "Die Unterbringung soll in Wohnungen erfolgen. Gemeinschaftsunterkünfte sind höchstens "
    "sechs Monate zumutbar."
)


def block_lines(section: str) -> list[str]:
    """The lines of the first shell block after the heading `section`."""
    text = README.read_text("utf-8")
    start = text.index("```bash", text.index(section))
    return text[start + len("```bash") : text.index("```", start + 7)].splitlines()


def walkthrough(section: str = "## In zehn Minuten") -> list[str]:
    """The commands of the first shell block after `section` (continuations joined)."""
    commands, current = [], ""
    for line in block_lines(section):
        line = line.split("#", 1)[0].rstrip() if not line.strip().startswith('"') else line
        if not line.strip():
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            commands.append(current.strip())
            current = ""
    return commands


def _editor(home: Path) -> None:
    """What the author does in the editor after `lafast new`: writes the summary."""
    doc = home / "fachstelle" / "drafts" / SLUG / "document.md"
    text = doc.read_text("utf-8")
    placeholder = "Fassen Sie hier die wichtigsten Punkte zusammen."
    assert placeholder in text
    doc.write_text(text.replace(placeholder, PARAGRAPH), "utf-8")


def _awo_answers(home: Path) -> None:
    """The AWO returns its Word form: one tracked change, one comment."""
    form = next((home / "fachstelle" / "comments" / SLUG).rglob("*awo-sachsen.docx"))
    target = home / "Downloads" / "Rueckmeldung-AWO.docx"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(
        docx_with_changes(
            form,
            replace=("sechs Monate", "drei Monate"),
            comment_on="Bewertung und Änderungsvorschlag der Fachstelle.",
            comment="Bitte auch das Bundesrecht nennen.",
        )
    )


@pytest.mark.slow
def test_the_readme_walkthrough_runs_as_written(tmp_path, monkeypatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    commands = walkthrough()
    assert commands[0].startswith("lafast init") and commands[-1].startswith("lafast verify")
    cwd = home
    for command in commands:
        args = [os.path.expanduser(a) for a in shlex.split(command)]
        if args[0] == "cd":
            cwd = Path(args[1])
            continue
        assert args[0] == "lafast", command
        args = [m for a in args[1:] for m in (sorted(glob.glob(a)) if "*" in a else [a])]
        if args[0] == "check":
            _editor(home)
        if args[:2] == ["comments", "import"]:
            _awo_answers(home)
        code, out, err = run(args, cwd=cwd)
        if args[0] == "verify":
            # no office certificate in the walkthrough: nothing can prove the file (README)
            assert code == 10, f"$ {command}\n{out}\n{err}"
            assert "Fehler: Die Datei ist nicht prüfbar:" in err + out
            assert "Ergebnis: echt" not in out
            continue
        assert code == 0, f"$ {command}\n{out}\n{err}"
        if args[0] == "merge":
            assert "[-sechs-]{+drei+} Monate" in out and "Version 0.2 gespeichert" in out
    published = home / "website" / "stellungnahme" / SLUG / "0.2"
    assert (published / f"{SLUG}-0.2.pdf").is_file()


TEAM = "## Zu mehreren an einem Arbeitsbereich"


def _same_sentence(folder: Path, limit: str) -> None:
    """What Jonas and Miriam each do in the editor: the same summary sentence, other limits."""
    doc = folder / "drafts" / SLUG / "document.md"
    text = doc.read_text("utf-8")
    placeholder = "Fassen Sie hier die wichtigsten Punkte zusammen."
    assert placeholder in text
    doc.write_text(text.replace(placeholder, PARAGRAPH.replace("sechs", limit)), "utf-8")


def test_the_team_walkthrough_runs_as_written(tmp_path, monkeypatch) -> None:
    """Two clones, the same sentence changed in both, resolved with lafast commands only."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    # what the IT sets up: an empty bare repository, HEAD -> master as git makes it
    (home / "netz").mkdir()
    subprocess.run(
        ["git", "init", "-q", "--bare", "-b", "master", str(home / "netz" / "fachstelle.git")],
        check=True,
    )
    notes = [line.split("#", 1)[1] for line in block_lines(TEAM) if "#" in line]
    commands = walkthrough(TEAM)
    assert commands[0].startswith("lafast init") and commands[-1] == "lafast sync"
    assert not [c for c in commands if c.split()[0] not in ("lafast", "cd")]  # no raw git
    cwd, saves, outputs = home, 0, {}
    for command in commands:
        args = [os.path.expanduser(a) for a in shlex.split(command)]
        if args[0] == "cd":
            cwd = Path(args[1])
            continue
        if args[1:3] == ["config", "save"]:  # the remote written into lafast.yaml, as shown
            cfg = cwd / "lafast.yaml"
            cfg.write_text(
                cfg.read_text("utf-8").replace('remote: ""', 'remote: "~/netz/fachstelle.git"'),
                "utf-8",
            )
        if args[1] == "save":
            saves += 1
            if saves <= 2:  # Jonas first, then Miriam, each in their own clone
                _same_sentence(cwd, "sechs" if saves == 1 else "drei")
        code, out, err = run(args[1:], cwd=cwd)
        outputs[command] = out + err
        expected = 6 if args[1:] == ["sync"] and saves == 2 and "conflict" not in outputs else 0
        if expected == 6:
            outputs["conflict"] = err
        assert code == expected, f"$ {command}\n{out}\n{err}\n{outputs}"
    assert any("dieselbe Textstelle" in n for n in notes)
    assert "Rn. 2: auch geändert von" in outputs["conflict"]
    show = outputs["lafast conflict show"]
    assert "höchstens drei Monate" in show and "höchstens sechs Monate" in show
    miriam, jonas = home / "fachstelle", home / "jonas" / "fachstelle"
    code, out, _err = run(["sync"], cwd=jonas)
    assert code == 0 and out.endswith("2 Fassung(en) geholt, 0 übertragen.\n")  # hers + merge
    for folder in (miriam, jonas):
        doc = (folder / "drafts" / SLUG / "document.md").read_text("utf-8")
        assert "höchstens sechs Monate" in doc and "drei Monate" not in doc
        status = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain"], capture_output=True, text=True
        )
        assert status.stdout == ""
    # the remote's HEAD names the branch lafast shares: a plain clone is complete
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(home / "netz" / "fachstelle.git"), str(clone)])
    assert (clone / "drafts" / SLUG / "document.md").is_file()
