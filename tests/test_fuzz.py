"""Property tests: whatever arrives by e-mail, intake and anchoring raise nothing but lafast's own
errors (which become a German message and a quarantined file), never a crash.

Profiles: "ci" (default; derandomized, so every run tries the same inputs) and "dev"
(`HYPOTHESIS_PROFILE=dev`, random and more examples)."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lafast_docs.consultation.anchor import anchor
from lafast_docs.consultation.intake import safety
from lafast_docs.consultation.intake.registry import detect, read
from lafast_docs.consultation.model import RawComment
from lafast_docs.errors import LafastError

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("dev", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def intake(data: bytes, name: str) -> None:
    """The intake pipeline up to the stored record, as `import_bytes` runs it."""
    try:
        safety.check_size(data)
        fmt = detect(data, name)
        if fmt == "eml":
            return
        if fmt in ("docx", "xlsx"):
            safety.check_office_parts(safety.open_zip(data))
        raw = read(fmt, data)
    except LafastError:
        return
    for c in raw.comments:
        assert isinstance(c.text, str) and isinstance(c.quote, str)


FORM_KEYS = ["format", "dokument", "runde", "organisation", "einwilligung", "anmerkungen"]
ENTRY_KEYS = ["rn", "art", "abschnitt", "zitat", "anmerkung", "aenderungsvorschlag", "begruendung"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(), st.text(max_size=30)
)
entries = st.dictionaries(st.sampled_from(ENTRY_KEYS) | st.text(max_size=8), scalars, max_size=8)
forms = st.fixed_dictionaries(
    {"format": st.sampled_from(["lafast-rueckmeldung/1", "x", 1])},
    optional={
        "dokument": scalars,
        "organisation": scalars,
        "einwilligung": st.sampled_from(["intern", "oeffentlich", "anonymisiert", "?"]),
        "anmerkungen": st.one_of(scalars, st.lists(st.one_of(entries, scalars), max_size=5)),
    },
)


@given(forms)
def test_yaml_forms(form) -> None:
    import yaml

    intake(yaml.safe_dump(form, allow_unicode=True).encode("utf-8"), "antwort.yaml")


@given(st.text(max_size=400))
def test_yaml_any_text(text) -> None:
    intake(("format: lafast-rueckmeldung/1\n" + text).encode("utf-8", "surrogatepass"), "a.yaml")


@given(st.binary(max_size=400))
def test_yaml_any_bytes(data) -> None:
    intake(data, "a.yaml")


@given(st.lists(st.lists(st.text(max_size=20), max_size=7), max_size=6), st.sampled_from(",;\t"))
def test_csv(rows, sep) -> None:
    text = "\n".join(sep.join(r) for r in rows)
    intake(text.encode("utf-8", "surrogatepass"), "tabelle.csv")
    intake(text.encode("utf-16", "surrogatepass"), "tabelle.csv")


cells = st.one_of(
    st.none(), st.integers(-5, 10**6), st.floats(allow_nan=True), st.text(max_size=40)
)


@settings(max_examples=25)
@given(st.lists(st.lists(cells, min_size=0, max_size=7), max_size=5), st.booleans())
def test_xlsx(rows, named_sheet) -> None:
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = Workbook()
    sheet = wb.active
    sheet.title = "Anmerkungen" if named_sheet else "Tabelle1"
    sheet.append(["Rn.", "Abschnitt", "Art", "Anmerkung", "Änderungsvorschlag", "Begründung"])
    try:
        for row in rows:
            sheet.append(row)
    except IllegalCharacterError:
        return  # openpyxl itself refuses control characters; no file can contain them
    buf = io.BytesIO()
    wb.save(buf)
    intake(buf.getvalue(), "tabelle.xlsx")


def small_docx(texts: list[str]) -> bytes:
    import docx

    d = docx.Document()
    for t in texts:
        d.add_paragraph(t)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


@settings(max_examples=25)
@given(
    st.lists(xml_text, max_size=4),
    st.sampled_from(["word/document.xml", "word/comments.xml", "docProps/custom.xml"]),
    st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode()),
)
def test_docx_with_broken_parts(texts, part, garbage) -> None:
    good = small_docx(texts)
    intake(good, "antwort.docx")
    src = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == part:
                body = body[: len(body) // 2] + garbage
            z.writestr(info.filename, body)
        if part not in src.namelist():
            z.writestr(part, garbage)
    intake(out.getvalue(), "antwort.docx")


@given(st.binary(max_size=300))
def test_zip_like_garbage(tail) -> None:
    intake(b"PK\x03\x04" + tail, "antwort.docx")


@pytest.fixture(scope="module")
def blocks():
    from lafast_docs.external import resources
    from lafast_docs.text.drafts import parse_draft
    from lafast_docs.text.history import model_of

    slug = "stellungnahme-verordnung-unterbringung"
    path = resources.sample_drafts() / slug / "document.md"
    return model_of(parse_draft(path.read_text("utf-8"), path=path, slug=slug)).blocks


@given(
    quote=st.text(max_size=60),
    prefix=st.text(max_size=10),
    suffix=st.text(max_size=10),
    rn=st.none() | st.integers(-3, 500),
    pick=st.integers(0, 10**6),
    cut=st.integers(0, 40),
)
def test_anchoring_never_crashes(blocks, quote, prefix, suffix, rn, pick, cut) -> None:
    real = blocks[pick % len(blocks)].text
    for q in (quote, real[cut : cut + 30], real[cut : cut + 30] + quote[:3]):
        result = anchor(RawComment(quote=q, prefix=prefix, suffix=suffix, rn=rn), blocks, "abc")
        assert result["state"] in {"exakt", "unscharf", "veraltet", "randnummer", "ohne"}
        assert result["rn"] is None or 1 <= result["rn"] <= len(blocks)
