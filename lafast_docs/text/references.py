"""References from a draft to the register, and the values they stand for at a Stand date.

In Markdown a reference is a span with the entry's id, its text readable on its own:
`[1:80]{kz=betreuungsschluessel}` or `[§ 12 LAufnG]{norm=laufng-12}` (`[]{kz=…}` works too).
`resolve` replaces the written text by the value valid at the document's Stand, linked to its
source when the register has a link, before the text model numbers the blocks: so every
product (HTML, PDF, DOCX, forms, Synopse, redline, anchors) sees the same value. A value is
always one `Str`: markup or a link inside a value is shown as text.

`Figures` tells a draft which register and which Stand to use; `load_draft` and `draft_at`
attach one that is worked out only when a draft has references.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from lafast_docs.errors import Problem
from lafast_docs.text import textmodel
from lafast_docs.text.register import KIND_NAMES, KINDS, Entry, Period, Register
from lafast_docs.text.textmodel import Node

# what `lafast check` looks for in a draft's source, and what the where-used scan reads
SOURCE_REF = re.compile(r"\]\{[^}\n]*?\b(kz|norm)=[\"']?([a-z0-9][a-z0-9-]*)")


@dataclass
class Figures:
    """The register and the Stand a draft's references resolve against (both lazy)."""

    load: Callable[[], Register]
    stand_of: Callable[[], dt.date]

    @cached_property
    def register(self) -> Register:
        return self.load()

    @cached_property
    def stand(self) -> dt.date:
        return self.stand_of()


def at_stand(figures: Figures | None, stand: dt.date) -> Figures | None:
    """The same register, at a Stand already known (the title block's)."""
    return Figures(figures.load, lambda: stand) if figures is not None else None


def register_digest(draft: Any) -> str:
    """What the render cache must know of the register: its digest when the draft uses it."""
    if draft.figures is None or not has_references(draft.body):
        return ""
    return str(draft.figures.register.digest)


@dataclass(frozen=True)
class Use:
    """One reference in a rendered text: which entry, where, and what it showed."""

    kind: str
    id: str
    rn: int | None  # Randnummer of the block it stands in (None: in a heading)
    text: str  # what the text shows there


@dataclass
class Resolution:
    uses: list[Use] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # (what, written text) of references that keep their written text: no value at the Stand,
    # or no register file in the workspace at all
    missing: list[tuple[str, str]] = field(default_factory=list)


def ref_of(node: Node) -> tuple[str, str] | None:
    """(kind, id) when `node` is a reference span."""
    if node.get("t") != "Span":
        return None
    for key, value in node["c"][0][2]:
        if key in KINDS:
            return key, value
    return None


def has_references(body: str) -> bool:
    return SOURCE_REF.search(body) is not None


def resolve(
    ast: Node,
    figures: Figures | None,
    *,
    where: Callable[[str, str], Problem] | None = None,
    spans: list[Node] | None = None,
) -> Resolution:
    """Put the value valid at the Stand into every reference of `ast`, in place.

    With `where` (strict: the render checks), an id the register lacks is a problem made by
    `where(message, needle)`; without it, the written text stays (old versions may name ids
    removed since). Where no value is valid at the Stand, the written text stays too.
    `spans`: every reference span of `ast` in document order, found by a walk the caller made
    anyway (`analysis`), so the whole text is not walked again.
    """
    result = Resolution()
    register = figures.register if figures is not None else None

    def visit(el: Node) -> None:
        ref = ref_of(el)
        if ref is None:
            return
        kind, entry_id = ref
        attrs, inlines = el["c"]
        if kind not in attrs[1]:
            attrs[1].append(kind)
        entry = register.get(kind, entry_id) if register is not None else None
        if entry is None and (register is None or not register.digest):
            label = f"{KIND_NAMES[kind]} „{entry_id}“"
            result.missing.append((f"{label}: es gibt kein Kennzahlenregister", ""))
            return
        if entry is None:
            if where is not None:
                known = sorted(i for k, i in (register.entries if register else {}) if k == kind)
                result.problems.append(
                    where(
                        f"{KIND_NAMES[kind]} „{entry_id}“ steht nicht im Kennzahlenregister "
                        f"(vorhanden: {', '.join(known) or 'keine'}).",
                        f"{kind}={entry_id}",
                    )
                )
            return
        assert figures is not None
        period = entry.at(figures.stand)
        if period is None:
            result.missing.append(
                (
                    f"{entry.label()}: das Register hat keinen Wert zum Stand "
                    f"{figures.stand:%d.%m.%Y}",
                    textmodel.inlines_text(inlines),
                )
            )
            return
        if spans is not None:  # a reference inside this one is no longer in the text
            textmodel.walk(el["c"][1], lambda inner: replaced.add(id(inner)))
        el["c"][1] = value_inlines(entry, period)

    if spans is None:
        textmodel.walk(ast["blocks"], visit)
        return result
    replaced: set[int] = set()
    for span in spans:
        if id(span) not in replaced:
            visit(span)
    return result


def value_inlines(entry: Entry, period: Period) -> list[Node]:
    """The value as one text run, linked to its source when the register has a link."""
    text: Node = {"t": "Str", "c": period.value}
    if not period.link:
        return [text]
    return [
        {"t": "Link", "c": [["", ["quelle"], []], [text], [period.link, describe(entry, period)]]}
    ]


def describe(entry: Entry, period: Period) -> str:
    """The German alternative text of a value's source link."""
    what = entry.title or entry.id
    if entry.kind == "norm":
        return f"Rechtsgrundlage: {what}" + (f", {period.version}" if period.version else "")
    return f"Quelle der Kennzahl „{what}“" + (f": {period.source}" if period.source else "")


def uses(model: textmodel.Annotated) -> list[Use]:
    """Every reference in an annotated text, with its Randnummer."""
    found: list[Use] = []

    def scan(node: Any, rn: int | None) -> None:
        if isinstance(node, list):
            for item in node:
                if isinstance(item, dict):
                    if item.get("t") not in textmodel.LEAVES:  # words hold no reference
                        scan(item, rn)
                elif isinstance(item, list):  # strings and numbers hold none either
                    scan(item, rn)
            return
        if not isinstance(node, dict) or "t" not in node:
            return
        t = node["t"]
        if t == "Div":
            attrs = dict(node["c"][0][2])
            if "rn-block" in node["c"][0][1] and "rn" in attrs:
                rn = int(attrs["rn"])
        elif t == "Span" and (ref := ref_of(node)) is not None:
            text = textmodel.inlines_text(node["c"][1])
            found.append(Use(ref[0], ref[1], rn, text))
            return
        c = node.get("c")
        if isinstance(c, (list, dict)):  # not the text of a Str
            scan(c, rn)

    scan(model.ast["blocks"], None)
    return found


_SOURCE_SPAN = re.compile(r"\[[^\]\n]*\]\{[^}\n]*\b(?:kz|norm)=[^}\n]*\}")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def typed_values(body: str, register: Register) -> list[tuple[int, str, Entry, Period]]:
    """Values of the register written by hand in `body` (outside references and code):
    (offset, text found, entry, the period whose value it is). A bare number counts only when
    the entry's unit follows it („54 Stellen“): numbers alone are everywhere."""
    masked = _CODE.sub(lambda m: " " * len(m.group()), body)
    masked = _SOURCE_SPAN.sub(lambda m: " " * len(m.group()), masked)
    found: dict[int, tuple[int, str, Entry, Period]] = {}
    for entry in register:
        for period in entry.periods:
            pattern = r"\s+".join(re.escape(w) for w in period.value.split())
            if re.fullmatch(r"[\d.,]+", period.value):
                unit = entry.unit.split()[0] if entry.unit else ""
                if not unit:
                    continue
                pattern += r"\s+" + re.escape(unit)
            for m in re.finditer(rf"(?<![\w:/.,]){pattern}(?![\w:/]|[.,]\d)", masked):
                found.setdefault(m.start(), (m.start(), m.group(), entry, period))
    return sorted(found.values(), key=lambda f: f[0])


def hand_typed_hints(draft: Any) -> list[Problem]:
    """`lafast check`: a registered value typed by hand, and the reference to write instead."""
    if draft.figures is None or not draft.figures.register:
        return []
    figures: Figures = draft.figures
    hints = []
    seen: set[tuple[int, str]] = set()
    for offset, text, entry, period in typed_values(draft.body, figures.register):
        now = entry.at(figures.stand)
        line = draft.body_line + draft.body[:offset].count("\n")
        if (line, text) in seen:
            continue  # twice in one line: one hint
        seen.add((line, text))
        valid = f"Wert gültig {period.span()}" + (
            f"; zum Stand {figures.stand:%d.%m.%Y} gilt {now.value}"
            if now is not None and now.value != period.value
            else ""
        )
        hints.append(
            Problem(
                f"„{text}“ ist von Hand geschrieben: {entry.label()}, {valid}. Stattdessen "
                f"schreiben: [{(now or period).value}]{{{entry.kind}={entry.id}}}",
                draft.path,
                line,
            )
        )
    return hints


def missing_hints(draft: Any, missing: list[tuple[str, str]]) -> list[Problem]:
    """`lafast check`: references that keep their written text, and why."""
    return [
        Problem(
            f"{what}; es bleibt der geschriebene Text"
            + (f" „{written}“" if written else "")
            + ". Im Kennzahlenregister (kennzahlen.yaml) einen Wert mit passender Gültigkeit "
            "eintragen.",
            draft.path,
            None,
        )
        for what, written in missing
    ]


@dataclass(frozen=True)
class ValueChange:
    """A proposal (old text -> new text) that replaces a value the register holds."""

    entry: Entry
    old: str  # the registered value in the old text
    new: str  # what the new text has in its place ("" when it drops it)

    def note(self) -> str:
        instead = f"„{self.new}“ statt „{self.old}“" if self.new else f"„{self.old}“ streichen"
        return (
            f"Schlägt einen anderen Wert für die {self.entry.label()} vor: {instead}. Der Wert "
            "steht im Kennzahlenregister: bei Annahme dort ändern (kennzahlen.yaml), nicht im Text."
        )


def value_changes(register: Register, old: str, new: str) -> list[ValueChange]:
    """Registered values in `old` that `new` no longer has, with what stands there instead
    (a value of the same shape: „1:60“ for „1:80“, „56 Stellen“ for „54 Stellen“)."""
    kept = {text for _o, text, _e, _p in typed_values(new, register)}
    changes: list[ValueChange] = []
    seen: set[tuple[str, str, str]] = set()
    for _offset, text, entry, _period in typed_values(old, register):
        if text in kept or (entry.kind, entry.id, text) in seen:
            continue
        seen.add((entry.kind, entry.id, text))
        shape = re.sub(r"\d+", r"\\d+", re.escape(text))
        others = [m.group() for m in re.finditer(rf"(?<![\w:]){shape}(?![\w:])", new)]
        changes.append(ValueChange(entry, text, next((o for o in others if o != text), "")))
    return changes
