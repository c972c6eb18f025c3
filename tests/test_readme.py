"""Docs are tests: the README's ten-minute walkthrough, run command by command as written.

Only what a person does outside lafast is simulated: writing a paragraph in the editor and the
AWO sending back the Word form with a tracked change and a comment.
"""

from __future__ import annotations

import glob
import os
import shlex
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


def walkthrough() -> list[str]:
    """The commands of the first shell block after „In zehn Minuten“ (continuations joined)."""
    text = README.read_text("utf-8")
    start = text.index("```bash", text.index("## In zehn Minuten"))
    block = text[start + len("```bash") : text.index("```", start + 7)]
    commands, current = [], ""
    for line in block.splitlines():
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
