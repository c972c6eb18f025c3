"""Pathological documents fail with a German message in bounded time and memory: the source
checks, pandoc's time and heap limits and WeasyPrint's child process with its limits."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lafast_docs.errors import RenderError
from lafast_docs.external import limits, pandoc

from .conftest import GIT_ENV, REPO, write_draft_body

# Runs `lafast` and reports the peak memory (KiB) of lafast and everything it started.
MEASURE = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stdout.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) + '\\n')\n"
    "sys.stdout.write(str(p.returncode) + '\\n' + p.stderr)\n"
)


def lafast_measured(root, *args: str) -> tuple[int, int, str]:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURE,
            sys.executable,
            "-m",
            "lafast_docs",
            "-w",
            str(root),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, **GIT_ENV, "PYTHONPATH": str(REPO)},
    ).stdout
    peak, code, err = out.split("\n", 2)
    return int(code), int(peak) // 1024, err


NESTED_INLINE = "- " * 10_000 + "x\n"
NESTED_INDENTED = "".join("  " * i + "- x\n" for i in range(1_000))
NESTED_INDENTED_10K = "".join("  " * i + "- x\n" for i in range(10_000))  # 100 MB of text


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (NESTED_INLINE, "9: Listen oder Zitate sind zu tief verschachtelt (Ebene 10000"),
        (NESTED_INDENTED, "39: Listen oder Zitate sind zu tief verschachtelt (Ebene 31"),
        (NESTED_INDENTED_10K, " Der Entwurf ist zu groß (100.0 MB Text"),
    ],
    ids=["inline", "indented", "indented-10000"],
)
def test_ten_thousand_nested_list_levels(ws, body, where) -> None:
    write_draft_body(ws, "tief", "# Liste\n\n" + body)
    code, peak_mb, err = lafast_measured(ws.root, "render", "tief")
    assert code == 4
    assert err.startswith(f"Fehler: {ws.drafts_dir / 'tief' / 'document.md'}:{where}")
    assert "Was tun: " in err
    assert peak_mb < 300, peak_mb
    assert not (ws.build_dir / "tief").exists() or not any((ws.build_dir / "tief").iterdir())


def test_fifty_megabyte_table(ws) -> None:
    row = "| " + " | ".join(["Gemeinschaftsunterkunft Leipzig-Nord"] * 4) + " |\n"
    table = "| A | B | C | D |\n|---|---|---|---|\n" + row * (50 * 1024 * 1024 // len(row))
    write_draft_body(ws, "tabelle", "# Tabelle\n\n" + table)
    code, peak_mb, err = lafast_measured(ws.root, "render", "tabelle")
    assert code == 4
    assert "Der Entwurf ist zu groß (52.4 MB Text, erlaubt sind 2 MB)." in err
    assert "Was tun: Teilen Sie ihn in mehrere Dokumente auf" in err
    assert peak_mb < 600, peak_mb


def test_weasyprint_is_stopped_at_its_time_limit(ws) -> None:
    rows = "\n".join(f"| Zeile {i} | Wert {i} | Text {i} |" for i in range(4000))
    write_draft_body(ws, "lang", "# T\n\n| A | B | C |\n|---|---|---|\n" + rows + "\n\nTable: T\n")
    env = {**os.environ, **GIT_ENV, "PYTHONPATH": str(REPO), "LAFAST_RENDER_TIMEOUT": "3"}
    proc = subprocess.run(
        [sys.executable, "-m", "lafast_docs", "-w", str(ws.root), "render", "lang", "-f", "pdf"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert proc.returncode == 5
    assert proc.stderr.startswith(
        "Fehler: WeasyPrint (PDF) hat nach 3 Sekunden nicht fertig gerechnet und wurde abgebrochen."
    )
    assert not (ws.build_dir / "lang" / "lang.pdf").exists()


def test_pandoc_is_stopped_at_its_time_limit(monkeypatch) -> None:
    """A text that got past the source checks but keeps pandoc busy (1,500 nested levels)."""
    monkeypatch.setenv("LAFAST_RENDER_TIMEOUT", "2")
    text = "".join("  " * i + "- x\n" for i in range(1500))
    with pytest.raises(RenderError) as err:
        pandoc.markdown_to_ast(text)
    assert err.value.message == (
        "pandoc (Markdown lesen) hat nach 2 Sekunden nicht geantwortet und wurde abgebrochen."
    )


def test_pandoc_heap_limit(monkeypatch) -> None:
    monkeypatch.setattr(limits, "PANDOC_HEAP", "8m")
    table = "| A | B |\n|---|---|\n" + "| Zelle mit Text | noch eine Zelle |\n" * 20_000
    with pytest.raises(RenderError) as err:
        pandoc.markdown_to_ast(table)
    assert err.value.message == (
        "pandoc (Markdown lesen) brauchte mehr Arbeitsspeicher als erlaubt (8mB) und wurde "
        "abgebrochen."
    )


# In a fresh process: a worker that ran many tests has freed heap its forked child can reuse
# without growing its address space, and the limit would not bite.
MEMORY_SCENARIO = """
import sys
from lafast_docs.errors import RenderError
from lafast_docs.external import limits
from lafast_docs.outputs.document import render
from lafast_docs.workspace import find_workspace
from pathlib import Path
ws = find_workspace(explicit=Path(sys.argv[1]))
render(ws, "warm", formats=("pdf",))  # WeasyPrint and fonts already loaded in this process
limits.CHILD_MEMORY = 1024 * 1024  # 1 MB more than the parent has
try:
    render(ws, "speicher", formats=("pdf",))
except RenderError as err:
    print("REFUSED", err.message)
else:
    print("MADE")
"""


def test_weasyprint_memory_limit(ws) -> None:
    write_draft_body(ws, "warm", "Ein kurzer Text.\n")
    rows = "\n".join(f"| Zeile {i} | Wert {i} |" for i in range(300))
    write_draft_body(ws, "speicher", "# T\n\n| A | B |\n|---|---|\n" + rows + "\n\nTable: T\n")
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_SCENARIO, str(ws.root)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **GIT_ENV, "PYTHONPATH": str(REPO)},
        timeout=300,
    )
    assert proc.stdout.startswith("REFUSED"), proc.stdout + proc.stderr
    assert "Arbeitsspeicher" in proc.stdout
    assert not (ws.build_dir / "speicher" / "speicher.pdf").exists()
