"""A paragraph of WordprocessingML broken into lines as LibreOffice breaks it.

Greedy line breaking at spaces and after hyphens and dashes, with the advance widths of the
fonts (`docxstyles`); a word longer than the line is broken where the line ends; tab stops
(left and right aligned, the hanging indent's implicit stop, default stops); pictures by their
extent; proportional, exact and at-least line spacing from the fonts' ascent and descent, as
LibreOffice computes them (in twips, rounded down). Each line records the footnotes referenced
on it. Hyphenation is not modelled: LibreOffice hyphenates only with a hyphenation dictionary
for the language installed (Debian: `hyphen-de`), which a plain LibreOffice on Linux lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import cast

from lafast_docs.render.docxstyles import Props, Styles, face_of, font_height, text_width, with_rpr
from lafast_docs.render.docxxml import Element, q

WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


# -- lines ---------------------------------------------------------------------------------------
@dataclass
class Line:
    height: int
    notes: list[str] = field(default_factory=list)  # footnote ids referenced on this line


@dataclass
class Para:
    props: Props
    style: str
    lines: list[Line]
    names: list[str]  # bookmarks that start in it


BREAK_AFTER = "-–—/"  # a line may break after these when a letter follows
PIECES = re.compile(r"( +|[^ \-–—/]*[\-–—/](?=\w))")  # spaces; a word up to a break after it


def _atoms(p: Element, styles: Styles, props: Props) -> list[tuple[str, object, Props]]:
    """What the paragraph shows, in order: ("t", text), ("tab",), ("br",), ("pic", h), ("note",
    id), each with its run properties. Deleted text and field instructions show nothing."""
    out: list[tuple[str, object, Props]] = []
    for r in p.iter(q("r")):
        rpr = r.find(q("rPr"))
        rp = props
        if rpr is not None:
            rs = rpr.find(q("rStyle"))
            if rs is not None:
                rp = styles.char(rp, str(rs.get(q("val"))))
            rp = with_rpr(rp, rpr)
        for c in r:
            tag = c.tag.rpartition("}")[2]
            if tag == "t":
                out.append(("t", c.text or "", rp))
            elif tag == "tab":
                out.append(("tab", None, rp))
            elif tag in ("br", "cr"):
                out.append(("br", c.get(q("type")) or "", rp))
            elif tag == "noBreakHyphen":
                out.append(("t", "\u2011", rp))
            elif tag == "footnoteReference":
                out.append(("note", c.get(q("id")), rp))
            elif tag == "drawing":
                ext = next(c.iter(f"{WP}extent"), None)
                if ext is not None:
                    w, h = (_emu(ext.get(k)) // 635 for k in ("cx", "cy"))
                    out.append(("pic", (w, h), rp))
    return out


def _emu(value: str | None) -> int:
    """A picture's extent (EMU); 0 for what is not a number."""
    return int(value) if value and value.isdigit() else 0


def _line_height(props: Props, faces: set[tuple[str, int]], picture: int) -> int:
    ascent = descent = 0
    for face, size in faces or {(face_of(props.bold, props.italic, props.mono), props.size)}:
        a, d = font_height(face or "sans", size)
        if face and a > ascent:
            ascent = a
        if d > descent:
            descent = d
    if not ascent:
        ascent = font_height(face_of(props.bold, props.italic, props.mono), props.size)[0]
    natural = max(ascent, picture) + descent
    if props.rule == "exact":
        return props.line
    if props.rule == "atLeast":
        return max(props.line, natural)
    if picture > ascent:  # LibreOffice scales the text's height, not a picture's
        return picture + (ascent + descent) * props.line // 240 - ascent
    return natural * props.line // 240


def _up_to_tab(atoms: list[tuple[str, object, Props]]) -> float:
    """Width of the text up to the next tab or line break."""
    width = 0.0
    for kind, value, rp in atoms:
        if kind != "t":
            break
        width += text_width(str(value), face_of(rp.bold, rp.italic, rp.mono), rp.size)
    return width


def lay_lines(p: Element, styles: Styles, props: Props, width: int) -> list[Line]:
    """The lines of paragraph `p` set in `width` twips (the text area of page or cell)."""
    atoms = _atoms(p, styles, props)
    first_x = props.left + props.first
    right_edge = width - props.right
    lines: list[Line] = []
    x = float(first_x)
    faces: set[tuple[str, int]] = set()  # the fonts on the line being set
    pic = 0
    notes: list[str] = []
    word: list[tuple[str, float, str, int]] = []  # pieces of the word being set
    word_w = 0.0
    empty = True
    pending: list[str] = []  # footnotes referenced in the word being set

    def close_line() -> None:
        nonlocal x, faces, pic, notes, empty
        lines.append(Line(_line_height(props, faces, pic), notes))
        x, faces, pic, notes, empty = float(props.left), set(), 0, [], True

    def flush_word() -> None:
        """Put the pending word on the line, or on a new one if it does not fit."""
        nonlocal x, word, word_w, empty
        if not word:
            if pending:
                notes.extend(pending)
                pending.clear()
            return
        if x + word_w > right_edge + 1 and not empty:
            close_line()
        while x + word_w > right_edge + 1 and empty and len(word) > 0:
            # a word longer than the line: broken where the line ends
            fit: list[tuple[str, float, str, int]] = []
            for text, w, face, size in word:
                if x + w <= right_edge:
                    fit.append((text, w, face, size))
                    x += w
                    continue
                head = ""
                for ch in text:
                    cw = text_width(ch, face, size)
                    if x + cw > right_edge and (head or fit):
                        break
                    head, x = head + ch, x + cw
                if head:
                    fit.append((head, 0, face, size))
                rest = text[len(head) :]
                idx = word.index((text, w, face, size))
                word = ([(rest, text_width(rest, face, size), face, size)] if rest else []) + word[
                    idx + 1 :
                ]
                break
            faces.update((f, s) for _t, _w, f, s in fit)
            close_line()
            word_w = sum(w for _t, w, _f, _s in word)
        if len(word) == 1:
            faces.add(word[0][2:])
        else:
            faces.update(piece[2:] for piece in word)
        x += word_w
        empty = not word
        word, word_w = [], 0.0
        if pending:
            notes.extend(pending)
            pending.clear()

    for i, (kind, value, rp) in enumerate(atoms):
        face = face_of(rp.bold, rp.italic, rp.mono)
        size = rp.size
        if kind == "t":
            text = str(value)
            for piece in PIECES.split(text):
                if not piece:
                    continue
                if piece[0] == " ":
                    if word or pending:
                        flush_word()
                    x += text_width(piece, face, size)  # a space at the line's end hangs
                    continue
                w = text_width(piece, face, size)
                word.append((piece, w, face, size))
                word_w += w
                if piece[-1] in BREAK_AFTER:
                    flush_word()
        elif kind == "tab":
            flush_word()
            faces.add(("", size))  # LibreOffice: a tab's font counts below the baseline only
            stops = {pos: kind for pos, kind in props.tabs if pos > x + 1}
            if props.first < 0 and props.left > x + 1:
                stops.setdefault(props.left, "left")
            pos = min(stops) if stops else (int(x) // 709 + 1) * 709
            if stops.get(pos) in ("right", "end", "decimal"):  # the text after it ends there
                x = max(x, pos - _up_to_tab(atoms[i + 1 :]))
            else:
                x = float(min(pos, right_edge))
            empty = False
        elif kind == "br":
            flush_word()
            if value in ("", "textWrapping"):
                close_line()
        elif kind == "note":
            pending.append(str(value))
            w = text_width("1", face, max(2, rp.size * 58 // 100))
            word.append(("", w, face, size))
            word_w += w
        elif kind == "pic":
            flush_word()
            pw, ph = cast(tuple[int, int], value)
            if x + pw > right_edge + 1 and not empty:
                close_line()
            x += pw
            pic = max(pic, ph)
            empty = False
    flush_word()
    if not empty or not lines:
        close_line()
    return lines
