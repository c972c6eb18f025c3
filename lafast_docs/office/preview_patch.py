"""How the open preview page becomes the new one without fetching it whole (`lafast vorschau`).

The body of the page is kept as parts (`incremental.ChunkWriter.parts`: one per section, the
endnotes last). After a build the new page is compared with the one the browser shows, and the
browser is told only what changed:
- `start`, `remove`, `html`: one run of old sections replaced by the new ones;
- `shift`: how far the Randnummern and footnote numbers of every later section move. A
  paragraph inserted near the top renumbers the whole rest of the text; the script in the page
  renumbers those sections in place (`SHIFT_SCRIPT`) instead of receiving them again;
- `notes`: the new endnotes, when they changed ("" when there are none any more);
- `meta` and `after`: what changed around the body. The first save after a commit turns the
  committed draft into a changed one: the page's commit `<meta>` and the footer's "Fassung"
  change, nothing else around the body.
The patch is applied here to the old page's text exactly as the script applies it to the DOM
(`apply`), and only a patch that gives the new page is sent; otherwise the browser fetches
the page (the first page, a new heading or title, changed styles).
"""

from __future__ import annotations

import re
from typing import Any

# the numbered elements of a section, as pandoc writes them (raw HTML is refused in drafts,
# so nothing else has these shapes); the script checks the same shapes on the DOM
_RN_DIV = re.compile(r'<div id="rn-([0-9]+)" class="rn-block" data-rn="\1">')
_RN_MARK = re.compile(r'<a href="#rn-([0-9]+)" class="rn" aria-label="Randnummer \1">\1</a>')
_FN_REF = re.compile(
    r'<a href="#fn([0-9]+)" class="footnote-ref" id="fnref\1" role="doc-noteref">'
    r"<sup>\1</sup></a>"
)
_META = re.compile(r'<meta name="([^"<>]*)" content="([^"<>]*)">')
_NOTES = '<section id="footnotes"'
_MAIN_END = "\n</main>"
_BODY_END = "</body>"


def shifted(html: str, rn: int, fn: int) -> str:
    """`html` with every Randnummer moved by `rn` and every footnote reference by `fn`."""
    if rn:
        html = _RN_DIV.sub(lambda m: _rn_div(int(m.group(1)) + rn), html)
        html = _RN_MARK.sub(lambda m: _rn_mark(int(m.group(1)) + rn), html)
    if fn:
        html = _FN_REF.sub(lambda m: _fn_ref(int(m.group(1)) + fn), html)
    return html


def _rn_div(k: int) -> str:
    return f'<div id="rn-{k}" class="rn-block" data-rn="{k}">'


def _rn_mark(k: int) -> str:
    return f'<a href="#rn-{k}" class="rn" aria-label="Randnummer {k}">{k}</a>'


def _fn_ref(k: int) -> str:
    return (
        f'<a href="#fn{k}" class="footnote-ref" id="fnref{k}" role="doc-noteref"><sup>{k}</sup></a>'
    )


def _split_notes(parts: list[str]) -> tuple[list[str], str | None]:
    if parts and parts[-1].startswith(_NOTES):
        return parts[:-1], parts[-1]
    return parts, None


def _metas(text: str) -> dict[str, str]:
    return dict(_META.findall(text))


def _with_metas(text: str, metas: dict[str, str]) -> str:
    return _META.sub(lambda m: f'<meta name="{m.group(1)}" content="{metas[m.group(1)]}">', text)


def page_patch(
    old_page: str, old_parts: list[str], new_page: str, new_parts: list[str]
) -> dict[str, Any] | None:
    """The patch from `old_page` to `new_page` (see module docstring), or None."""
    old_body, new_body = "\n".join(old_parts), "\n".join(new_parts)
    at_old, at_new = old_page.find(old_body), new_page.find(new_body)
    if not old_parts or not new_parts or at_old < 0 or at_new < 0:
        return None
    before_old, before_new = old_page[:at_old], new_page[:at_new]
    meta = None
    if before_old != before_new:  # only the head's <meta name=… content=…> may differ
        metas_old, metas_new = _metas(before_old), _metas(before_new)
        if metas_old.keys() != metas_new.keys() or _with_metas(before_old, metas_new) != before_new:
            return None
        meta = {k: v for k, v in metas_new.items() if metas_old[k] != v}
    after_old, after_new = old_page[at_old + len(old_body) :], new_page[at_new + len(new_body) :]
    after = None
    if after_old != after_new:  # the elements after <main>, e.g. the footer, sent whole
        if not (_main_end(after_old) and _main_end(after_new)):
            return None
        if after_old[after_old.index(_BODY_END) :] != after_new[after_new.index(_BODY_END) :]:
            return None  # only the body's elements after <main> are replaced
        after = after_new[len(_MAIN_END) : after_new.index(_BODY_END)]
    old_sections, old_notes = _split_notes(old_parts)
    new_sections, new_notes = _split_notes(new_parts)
    rn = new_body.count('class="rn-block"') - old_body.count('class="rn-block"')
    fn = new_body.count('class="footnote-ref"') - old_body.count('class="footnote-ref"')
    start = 0
    limit = min(len(old_sections), len(new_sections))
    while start < limit and old_sections[start] == new_sections[start]:
        start += 1
    end = 0  # sections at the end that are the old ones renumbered
    while end < limit - start and shifted(old_sections[-1 - end], rn, fn) == new_sections[-1 - end]:
        end += 1
    return {
        "start": start,
        "remove": len(old_sections) - start - end,
        "count": len(old_parts),
        "html": "\n".join(new_sections[start : len(new_sections) - end]),
        "shift": {"rn": rn, "fn": fn} if end and (rn or fn) else None,
        "notes": None if old_notes == new_notes else (new_notes or ""),
        "meta": meta,
        "after": after,
    }


def _main_end(after: str) -> bool:
    return after.startswith(_MAIN_END) and _BODY_END in after


def apply(old_page: str, old_parts: list[str], patch: dict[str, Any]) -> str:
    """What the script in the page makes of `old_page` with `patch`, on the text."""
    sections, notes = _split_notes(old_parts)
    start, stop = patch["start"], patch["start"] + patch["remove"]
    shift = patch["shift"] or {"rn": 0, "fn": 0}
    later = [shifted(p, shift["rn"], shift["fn"]) for p in sections[stop:]]
    new = [*sections[:start], *([patch["html"]] if patch["html"] else []), *later]
    if patch["notes"] is not None:
        notes = patch["notes"] or None
    at = old_page.index("\n".join(old_parts))
    before, after = old_page[:at], old_page[at + len("\n".join(old_parts)) :]
    if patch["meta"]:
        before = _with_metas(before, {**_metas(before), **patch["meta"]})
    if patch["after"] is not None:
        after = _MAIN_END + patch["after"] + after[after.index(_BODY_END) :]
    return before + "\n".join([*new, *([notes] if notes else [])]) + after
