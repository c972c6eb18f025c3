import pytest

from lafast_docs.errors import SlugError
from lafast_docs.workspace.slugs import check_slug, slugify


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Mindeststandards Ü", "mindeststandards-ue"),
        ("Größe & Maß", "groesse-mass"),
        ("  Stellungnahme zur VwV  FSA/MSA 2026 ", "stellungnahme-zur-vwv-fsa-msa-2026"),
        ("Café Noël", "cafe-noel"),
        ("***", ""),
    ],
)
def test_slugify_transliterates_german(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_cuts_long_titles_at_a_word() -> None:
    s = slugify("wort " * 40)
    assert len(s) <= 80 and not s.endswith("-") and s.startswith("wort-wort")


@pytest.mark.parametrize("bad", ["Mindeststandards Ü", "../etc", "a--b", "-a", "", "ÄÖÜ", "a_b"])
def test_check_slug_refuses_with_suggestion(bad: str) -> None:
    with pytest.raises(SlugError) as info:
        check_slug(bad)
    assert "Ungültige Kurzbezeichnung" in info.value.message
    assert info.value.hint


def test_check_slug_suggests_transliteration() -> None:
    with pytest.raises(SlugError) as info:
        check_slug("Mindeststandards Ü")
    assert "„mindeststandards-ue“" in (info.value.hint or "")
