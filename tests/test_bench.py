"""The benchmarks in bench/ run on demand, never in CI; this keeps their lafast imports valid
when modules move (a restructure once left them importing names that no longer existed)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_bench_imports_resolve(script: Path) -> None:
    missing = []
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lafast_docs")):
            continue
        module = importlib.import_module(node.module or "")
        for alias in node.names:
            if hasattr(module, alias.name):
                continue
            try:
                importlib.import_module(f"{node.module}.{alias.name}")
            except ImportError:
                missing.append(f"{script.name}:{node.lineno}: {node.module}.{alias.name}")
    assert not missing, "bench imports names that do not exist:\n" + "\n".join(missing)
