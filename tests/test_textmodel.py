from lafast_docs.external import pandoc
from lafast_docs.text.textmodel import annotate, protect_gender_star


def model(md: str):
    return annotate(pandoc.markdown_to_ast(protect_gender_star(md)))


def test_gender_star_protected_outside_code() -> None:
    src = (
        "Sozialarbeiter*innen und Erzieher*innen, `Code*innen`, **fett** und *kursiv*.\n\n"
        "```\nKlient*innen\n```\n"
    )
    out = protect_gender_star(src)
    assert r"Sozialarbeiter\*innen und Erzieher\*innen" in out
    assert "`Code*innen`" in out and "**fett**" in out and "*kursiv*" in out
    assert "```\nKlient*innen\n```" in out


def test_two_gender_stars_in_one_paragraph_stay_literal() -> None:
    m = model("Sozialarbeiter*innen und Erzieher*innen beraten Klient*innen.\n")
    assert m.blocks[0].text == "Sozialarbeiter*innen und Erzieher*innen beraten Klient*innen."
    assert '"Emph"' not in str(m.ast).replace("'", '"')


def test_randnummern_for_every_body_block_in_order() -> None:
    md = """# Eins

Absatz eins.

- Punkt a
- Punkt b
    - verschachtelt (gehört zu b)

> Ein Zitat.

| A | B |
|---|---|
| 1 | 2 |

## Eins Punkt Eins

1. erster
2. zweiter

Schluss.[^1]

[^1]: Fußnote ohne eigene Randnummer.
"""
    m = model(md)
    kinds = [(b.rn, b.kind, b.section_number) for b in m.blocks]
    assert kinds == [
        (1, "absatz", "1"),
        (2, "listenpunkt", "1"),
        (3, "listenpunkt", "1"),
        (4, "zitat", "1"),
        (5, "tabelle", "1"),
        (6, "listenpunkt", "1.1"),
        (7, "listenpunkt", "1.1"),
        (8, "absatz", "1.1"),
    ]
    assert m.blocks[2].text.startswith("Punkt b") and "verschachtelt" in m.blocks[2].text
    assert "A | B" in m.blocks[4].text
    assert "Fußnote" not in m.blocks[7].text


def test_heading_ids_are_stable_unique_and_explicit_ids_win() -> None:
    md = (
        "# Datenschutz und Schweigepflicht\n\n# Datenschutz und Schweigepflicht\n\n"
        "# Über uns {#ueber}\n\n## Größe\n\n## Anhang {-}\n"
    )
    m = model(md)
    assert [(h.id, h.number) for h in m.headings] == [
        ("datenschutz-und-schweigepflicht", "1"),
        ("datenschutz-und-schweigepflicht-2", "2"),
        ("ueber", "3"),
        ("groesse", "3.1"),
        ("anhang", ""),
    ]
    assert model(md).headings == m.headings  # same text, same ids


def test_html_comments_are_dropped_without_number() -> None:
    m = model("<!-- interne Notiz -->\n\nText.\n")
    assert [b.text for b in m.blocks] == ["Text."]


def test_walk_kinds_visits_what_a_filtered_walk_visits() -> None:
    from lafast_docs.text import textmodel

    body = (
        "# Titel {#t .x}\n\nText *mit [Link](https://example.org) und `code`* <b>fett</b>.\n\n"
        "- Punkt ![Bild](a.png){width=5}\n  - innen [s]{.y}\n\n"
        "| a | b |\n|---|---|\n| [c]{.z} | d |\n\n"
        "::: {.rahmen}\n> Zitat[^1]\n:::\n\n[^1]: Fuß[note]{lang=en}.\n"
    )
    ast = pandoc.markdown_to_ast(body)

    def visited(wanted: frozenset[str]) -> tuple[list[int], list[int]]:
        walked: list[int] = []
        textmodel.walk(ast, lambda el: walked.append(id(el)) if el["t"] in wanted else None)
        found: list[int] = []
        textmodel.walk_kinds(ast, wanted, lambda el: found.append(id(el)))
        return walked, found

    kinds = frozenset(("Link", "Span", "Image", "RawInline", "Div", "Code", "Str", "Table"))
    for wanted in (kinds, frozenset(("Span",)), frozenset()):
        walked, found = visited(wanted)
        assert found == walked
        assert bool(found) == bool(wanted)
