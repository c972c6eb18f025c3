"""`mypy lafast_docs` stays clean (configuration in pyproject.toml, `[tool.mypy]`).

Runs mypy as a user would, from the repository root; its cache (`.mypy_cache`, git-ignored)
makes a repeated run take about a second, a cold one some 15 s.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "lafast_docs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"mypy lafast_docs:\n{result.stdout}{result.stderr}"
