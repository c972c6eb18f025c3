"""Several documents on all cores (`render --all`, several final renders): results in order,
the first failure raised, outputs equal to a render one at a time."""

from __future__ import annotations

import shutil
import threading

import pytest

from lafast_docs.outputs.document import render
from lafast_docs.render.pipeline import each_in_parallel
from lafast_docs.workspace import Workspace

from .conftest import SAMPLE_SN


def test_results_come_in_order_from_several_threads() -> None:
    names: set[str] = set()
    barrier = threading.Barrier(2, timeout=30)

    def work(n: int) -> int:
        names.add(threading.current_thread().name)
        if n < 2:
            barrier.wait()  # the first two run at the same time, or this times out
        return n * n

    assert list(each_in_parallel(work, [0, 1, 2, 3])) == [(0, 0), (1, 1), (2, 4), (3, 9)]
    assert len(names) == 2 and all(n.startswith("lafast-render") for n in names)
    assert list(each_in_parallel(work, [])) == []


def test_the_first_failure_is_raised_in_its_turn() -> None:
    def work(n: int) -> int:
        if n == 1:
            raise ValueError("kaputt")
        return n

    results = each_in_parallel(work, [0, 1, 2])
    assert next(results) == (0, 0)
    with pytest.raises(ValueError, match="kaputt"):
        next(results)


def test_two_documents_rendered_at_once_equal_one_at_a_time(sample_ws: Workspace) -> None:
    from pypdf import PdfReader

    ws = sample_ws
    twin = SAMPLE_SN + "-zwei"
    shutil.copytree(ws.drafts_dir / SAMPLE_SN, ws.drafts_dir / twin)
    made = dict(
        each_in_parallel(lambda s: render(ws, s, formats=("pdf", "html")), [SAMPLE_SN, twin])
    )
    assert [o.path.name for o in made[twin]] == [f"{twin}.pdf", f"{twin}.html"]
    alone = render(ws, SAMPLE_SN, formats=("html",), out_dir=ws.root / "einzeln", force=True)
    assert made[SAMPLE_SN][1].path.read_text("utf-8") == alone[0].path.read_text("utf-8")
    for slug in (SAMPLE_SN, twin):
        text = "".join(p.extract_text() for p in PdfReader(made[slug][0].path).pages)
        assert "Unterbringung" in text
