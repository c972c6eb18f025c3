#!/usr/bin/env python3
"""Build the pandoc reference documents (``--reference-doc``) for lafast-docs.

Output:
    templates/fachstandard/reference.docx    (headings dark blue  #1F3A5F)
    templates/stellungnahme/reference.docx   (headings red-brown  #6B2E1F)

How it works
------------
1. Ask pandoc for its own default reference document
   (``pandoc -o custom-reference.docx --print-default-data-file reference.docx``),
   so every style name pandoc's DOCX writer looks for is present.
2. Restyle it with python-docx (fonts, sizes, spacing, page setup, header and
   footer, new custom styles) and with direct OOXML edits through lxml where
   python-docx has no API (language, borders, shading, table style, fields,
   hyphenation, theme fonts, ...).
3. Remove everything pandoc's sample document contains that is not a style
   (body text, sample footnote, example.com hyperlinks, core properties).
4. Write the package with fixed zip timestamps, so that running the script
   twice with the same pandoc/python-docx versions gives identical bytes.

Usage:  python3 scripts/make_reference_docx.py [--pandoc PATH] [--outdir DIR]

Custom styles for pandoc's ``custom-style`` attribute:
    Randnummer        character  running paragraph number at the start of a
                                 paragraph: ``[12]{custom-style="Randnummer"}``
    Abschnittsnummer  character  section number inside a heading:
                                 ``[2.1]{custom-style="Abschnittsnummer"}``
    Titelangaben      paragraph  "Stand / Version / Geltungsbereich" lines below the title
    Foerderhinweis    paragraph  funding note at the end of the document
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

REPO_ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------
# Design constants
# --------------------------------------------------------------------------
FONT = "DejaVu Sans"
MONO_FONT = "DejaVu Sans Mono"
LANG = "de-DE"

GREY = "6B7280"  # Randnummer, Titelangaben, header/footer
TEXT_DARK = "1F2328"  # body text (near black)
QUOTE_TEXT = "374151"  # blockquote text
RULE_GREY = "9CA3AF"  # table borders, Foerderhinweis rule
LIGHT_RULE = "D1D5DB"  # header rule
TABLE_HEAD_FILL = "E8EEF4"
CODE_FILL = "F3F4F6"

VARIANTS = {
    # name: accent colour (headings, title, Abschnittsnummer, links, quote bar)
    "fachstandard": "1F3A5F",
    "stellungnahme": "6B2E1F",
}

HEADER_TEXT = "Landesfachstelle FSA/MSA"

BODY_SIZE = 10.5  # pt
LINE_SPACING = 1.3  # multiple -> w:line="312" w:lineRule="auto"
FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"

# --------------------------------------------------------------------------
# Schema child orders (ECMA-376) so inserted elements end up where Word wants
# them.  Only the parts we touch are listed.
# --------------------------------------------------------------------------
PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]
RPR_ORDER = [
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
]
STYLE_ORDER = [
    "name",
    "aliases",
    "basedOn",
    "next",
    "link",
    "autoRedefine",
    "hidden",
    "uiPriority",
    "semiHidden",
    "unhideWhenUsed",
    "qFormat",
    "locked",
    "personal",
    "personalCompose",
    "personalReply",
    "rsid",
    "pPr",
    "rPr",
    "tblPr",
    "trPr",
    "tcPr",
    "tblStylePr",
]
TBLPR_ORDER = [
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
    "tblCaption",
    "tblDescription",
]
TBLSTYLEPR_ORDER = ["pPr", "rPr", "tblPr", "trPr", "tcPr"]
TRPR_ORDER = [
    "cnfStyle",
    "divId",
    "gridBefore",
    "gridAfter",
    "wBefore",
    "wAfter",
    "cantSplit",
    "trHeight",
    "tblHeader",
    "tblCellSpacing",
    "jc",
    "hidden",
]
TCPR_ORDER = [
    "cnfStyle",
    "tcW",
    "gridSpan",
    "hMerge",
    "vMerge",
    "tcBorders",
    "shd",
    "noWrap",
    "tcMar",
    "textDirection",
    "tcFitText",
    "vAlign",
    "hideMark",
]
SETTINGS_ORDER = [
    "writeProtection",
    "view",
    "zoom",
    "removePersonalInformation",
    "removeDateAndTime",
    "doNotDisplayPageBoundaries",
    "displayBackgroundShape",
    "printPostScriptOverText",
    "printFractionalCharacterWidth",
    "printFormsData",
    "embedTrueTypeFonts",
    "embedSystemFonts",
    "saveSubsetFonts",
    "saveFormsData",
    "mirrorMargins",
    "alignBordersAndEdges",
    "bordersDoNotSurroundHeader",
    "bordersDoNotSurroundFooter",
    "gutterAtTop",
    "hideSpellingErrors",
    "hideGrammaticalErrors",
    "activeWritingStyle",
    "proofState",
    "formsDesign",
    "attachedTemplate",
    "linkStyles",
    "stylePaneFormatFilter",
    "stylePaneSortMethod",
    "documentType",
    "mailMerge",
    "revisionView",
    "trackRevisions",
    "doNotTrackMoves",
    "doNotTrackFormatting",
    "documentProtection",
    "autoFormatOverride",
    "styleLockTheme",
    "styleLockQFSet",
    "defaultTabStop",
    "autoHyphenation",
    "consecutiveHyphenLimit",
    "hyphenationZone",
    "doNotHyphenateCaps",
    "showEnvelope",
    "summaryLength",
    "clickAndTypeStyle",
    "defaultTableStyle",
    "evenAndOddHeaders",
    "bookFoldRevPrinting",
    "bookFoldPrinting",
    "bookFoldPrintingSheets",
    "drawingGridHorizontalSpacing",
    "drawingGridVerticalSpacing",
    "displayHorizontalDrawingGridEvery",
    "displayVerticalDrawingGridEvery",
    "doNotUseMarginsForDrawingGridOrigin",
    "drawingGridHorizontalOrigin",
    "drawingGridVerticalOrigin",
    "doNotShadeFormData",
    "noPunctuationKerning",
    "characterSpacingControl",
    "printTwoOnOne",
    "strictFirstAndLastChars",
    "noLineBreaksAfter",
    "noLineBreaksBefore",
    "savePreviewPicture",
    "doNotValidateAgainstSchema",
    "saveInvalidXml",
    "ignoreMixedContent",
    "alwaysShowPlaceholderText",
    "doNotDemarcateInvalidXml",
    "saveXmlDataOnly",
    "useXSLTWhenSaving",
    "saveThroughXslt",
    "showXMLTags",
    "alwaysMergeEmptyNamespace",
    "updateFields",
    "hdrShapeDefaults",
    "footnotePr",
    "endnotePr",
    "compat",
    "docVars",
    "rsids",
    "mathPr",
    "attachedSchema",
    "themeFontLang",
    "clrSchemeMapping",
    "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures",
    "forceUpgrade",
    "captions",
    "readModeInkLockDown",
    "smartTagType",
    "schemaLibrary",
    "shapeDefaults",
    "doNotEmbedSmartTags",
    "decimalSymbol",
    "listSeparator",
]


# --------------------------------------------------------------------------
# Small lxml helpers
# --------------------------------------------------------------------------
def w_el(tag: str, **attrs: str) -> etree._Element:
    """Create ``<w:tag w:attr="..."/>`` (attribute names without prefix)."""
    el = etree.Element(qn(f"w:{tag}"))
    for key, val in attrs.items():
        el.set(qn(f"w:{key}"), str(val))
    return el


def put(parent: etree._Element, child: etree._Element, order: list[str]) -> etree._Element:
    """Insert ``child`` into ``parent`` replacing an element with the same tag,
    keeping the schema order given by ``order`` (local names)."""
    local = etree.QName(child).localname
    for old in parent.findall(qn(f"w:{local}")):
        parent.remove(old)
    idx = order.index(local)
    later = {qn(f"w:{name}") for name in order[idx + 1 :]}
    for pos, existing in enumerate(parent):
        if existing.tag in later:
            parent.insert(pos, child)
            return child
    parent.append(child)
    return child


def get_or_put(parent: etree._Element, local: str, order: list[str]) -> etree._Element:
    found = parent.find(qn(f"w:{local}"))
    if found is not None:
        return found
    return put(parent, w_el(local), order)


def remove_children(parent: etree._Element, *locals_: str) -> None:
    for local in locals_:
        for old in parent.findall(qn(f"w:{local}")):
            parent.remove(old)


def style_ppr(style) -> etree._Element:
    return get_or_put(style.element, "pPr", STYLE_ORDER)


def style_rpr(style) -> etree._Element:
    return get_or_put(style.element, "rPr", STYLE_ORDER)


def set_fonts(rpr: etree._Element, name: str) -> None:
    """Explicit font for all scripts; theme attributes would take precedence
    over w:ascii etc., so the rFonts element is replaced entirely."""
    put(rpr, w_el("rFonts", ascii=name, hAnsi=name, eastAsia=name, cs=name), RPR_ORDER)


def set_size(rpr: etree._Element, points: float) -> None:
    half = str(round(points * 2))
    put(rpr, w_el("sz", val=half), RPR_ORDER)
    put(rpr, w_el("szCs", val=half), RPR_ORDER)


def set_color(rpr: etree._Element, hex_rgb: str) -> None:
    put(rpr, w_el("color", val=hex_rgb), RPR_ORDER)


def border(val="single", sz=4, space=0, color=RULE_GREY, tag="top") -> etree._Element:
    return w_el(tag, val=val, sz=str(sz), space=str(space), color=color)


def para_border(ppr: etree._Element, **sides: dict) -> None:
    """sides: top/left/bottom/right -> kwargs for border()."""
    pbdr = w_el("pBdr")
    for side in ("top", "left", "bottom", "right"):
        if side in sides:
            pbdr.append(border(tag=side, **sides[side]))
    put(ppr, pbdr, PPR_ORDER)


def shading(fill: str) -> etree._Element:
    return w_el("shd", val="clear", color="auto", fill=fill)


# --------------------------------------------------------------------------
# Style helpers (python-docx API + the lxml helpers above)
# --------------------------------------------------------------------------
def get_style(doc, name: str, style_type=WD_STYLE_TYPE.PARAGRAPH, builtin=False):
    """Return the style called ``name`` (UI name), creating it if missing."""
    for style in doc.styles:
        if style.name == name and style.type == style_type:
            return style
    style = doc.styles.add_style(name, style_type, builtin=builtin)
    return style


def existing(doc, name: str):
    """Style by UI name (pandoc's reference uses both "heading 1"-style
    built-in names and plain names such as "Caption")."""
    for style in doc.styles:
        if style.name == name:
            return style
    raise KeyError(f"style {name!r} missing in pandoc's reference.docx")


def char_format(style, *, size=None, bold=None, italic=None, color=None, font=None, underline=None):
    if font:
        set_fonts(style_rpr(style), font)
    if size is not None:
        style.font.size = Pt(size)
        set_size(style_rpr(style), size)  # also szCs
    if bold is not None:
        style.font.bold = bold
        put(style_rpr(style), w_el("bCs", val="1" if bold else "0"), RPR_ORDER)
    if italic is not None:
        style.font.italic = italic
        put(style_rpr(style), w_el("iCs", val="1" if italic else "0"), RPR_ORDER)
    if color is not None:
        style.font.color.rgb = RGBColor.from_string(color)
    if underline is not None:
        style.font.underline = underline


def para_format(
    style,
    *,
    before=None,
    after=None,
    line=None,
    keep_next=None,
    keep_lines=None,
    align=None,
    left=None,
    right=None,
    first_line=None,
    no_hyphen=None,
    outline=None,
    contextual=None,
):
    pf = style.paragraph_format
    if before is not None:
        pf.space_before = Pt(before)
    if after is not None:
        pf.space_after = Pt(after)
    if line is not None:
        pf.line_spacing = line
    if keep_next is not None:
        pf.keep_with_next = keep_next
    if keep_lines is not None:
        pf.keep_together = keep_lines
    if align is not None:
        pf.alignment = align
    if left is not None:
        pf.left_indent = Cm(left)
    if right is not None:
        pf.right_indent = Cm(right)
    if first_line is not None:
        pf.first_line_indent = Cm(first_line)
    if no_hyphen is not None:
        ppr = style_ppr(style)
        if no_hyphen:
            put(ppr, w_el("suppressAutoHyphens"), PPR_ORDER)
        else:
            remove_children(ppr, "suppressAutoHyphens")
    if outline is not None:
        put(style_ppr(style), w_el("outlineLvl", val=str(outline)), PPR_ORDER)
    if contextual is not None:
        ppr = style_ppr(style)
        if contextual:
            put(ppr, w_el("contextualSpacing"), PPR_ORDER)
        else:
            remove_children(ppr, "contextualSpacing")


def ui_visible(style, priority=None):
    """Make the style show up in Word's style gallery."""
    el = style.element
    remove_children(el, "semiHidden", "hidden")
    put(el, w_el("unhideWhenUsed"), STYLE_ORDER)
    put(el, w_el("qFormat"), STYLE_ORDER)
    if priority is not None:
        put(el, w_el("uiPriority", val=str(priority)), STYLE_ORDER)


def reset_rpr(style):
    """Drop the rPr/pPr inherited from pandoc's default (theme fonts, theme
    colours...) so that the style only carries what we set."""
    remove_children(style.element, "rPr")


# --------------------------------------------------------------------------
# The actual restyling
# --------------------------------------------------------------------------
def style_defaults(doc):
    styles_el = doc.styles.element
    doc_defaults = styles_el.find(qn("w:docDefaults"))
    rpr_default = doc_defaults.find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    rpr.clear()
    set_fonts(rpr, FONT)
    set_color(rpr, TEXT_DARK)
    set_size(rpr, BODY_SIZE)
    put(rpr, w_el("lang", val=LANG, eastAsia="en-US", bidi="ar-SA"), RPR_ORDER)

    ppr_default = doc_defaults.find(qn("w:pPrDefault"))
    ppr = ppr_default.find(qn("w:pPr"))
    ppr.clear()
    put(ppr, w_el("widowControl"), PPR_ORDER)
    put(
        ppr,
        w_el("spacing", after="120", line=str(int(240 * LINE_SPACING)), lineRule="auto"),
        PPR_ORDER,
    )

    normal = existing(doc, "Normal")
    reset_rpr(normal)
    remove_children(normal.element, "pPr")


def style_body(doc, accent):
    body = existing(doc, "Body Text")
    remove_children(body.element, "pPr", "rPr")
    ui_visible(body, 1)
    para_format(body, before=0, after=6, line=LINE_SPACING, align=WD_ALIGN_PARAGRAPH.LEFT)

    first = existing(doc, "First Paragraph")
    remove_children(first.element, "pPr", "rPr")
    ui_visible(first, 1)

    compact = existing(doc, "Compact")
    remove_children(compact.element, "pPr", "rPr")
    ui_visible(compact, 2)
    para_format(compact, before=0, after=2, line=1.2)

    # Block Text = pandoc blockquote: indented, accent bar on the left.
    block = existing(doc, "Block Text")
    remove_children(block.element, "pPr", "rPr")
    ui_visible(block, 3)
    para_format(block, before=6, after=6, left=0.9, right=0.5, first_line=0)
    para_border(style_ppr(block), left=dict(sz=18, space=8, color=accent))
    char_format(block, color=QUOTE_TEXT)

    # Definition lists
    dt = existing(doc, "Definition Term")
    remove_children(dt.element, "pPr", "rPr")
    para_format(dt, before=6, after=0, keep_next=True, keep_lines=True)
    char_format(dt, bold=True)
    dd = existing(doc, "Definition")
    remove_children(dd.element, "pPr", "rPr")
    para_format(dd, before=0, after=6, left=0.9)

    bib = existing(doc, "Bibliography")
    remove_children(bib.element, "pPr", "rPr")
    para_format(bib, after=4, left=0.9, first_line=-0.9)


def style_title_block(doc, accent):
    title = existing(doc, "Title")
    remove_children(title.element, "pPr", "rPr", "rsid")
    ui_visible(title, 10)
    para_format(
        title,
        before=0,
        after=6,
        line=1.05,
        keep_next=True,
        keep_lines=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        no_hyphen=True,
    )
    char_format(title, font=FONT, size=22, bold=True, color=accent)

    subtitle = existing(doc, "Subtitle")
    remove_children(subtitle.element, "pPr", "rPr", "rsid")
    ui_visible(subtitle, 11)
    # pandoc's default carries a stray <w:numPr><w:ilvl w:val="1"/></w:numPr>
    para_format(
        subtitle,
        before=0,
        after=12,
        line=1.15,
        keep_next=True,
        keep_lines=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        no_hyphen=True,
    )
    char_format(subtitle, font=FONT, size=14, bold=False, color=accent)

    for name in ("Author", "Date"):
        st = existing(doc, name)
        remove_children(st.element, "pPr", "rPr")
        ui_visible(st)
        para_format(
            st,
            before=0,
            after=2,
            line=1.15,
            keep_next=True,
            keep_lines=True,
            align=WD_ALIGN_PARAGRAPH.LEFT,
            no_hyphen=True,
        )
        char_format(st, size=BODY_SIZE, bold=False, color=GREY)
    # Based on Title in pandoc's default: rebase on Normal so they do not
    # inherit 22pt bold.
    existing(doc, "Author").base_style = existing(doc, "Normal")
    existing(doc, "Date").base_style = existing(doc, "Normal")
    put(existing(doc, "Date").element, w_el("next", val="BodyText"), STYLE_ORDER)

    abstract_title = existing(doc, "Abstract Title")
    remove_children(abstract_title.element, "pPr", "rPr")
    para_format(
        abstract_title,
        before=12,
        after=2,
        keep_next=True,
        keep_lines=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        no_hyphen=True,
    )
    char_format(abstract_title, size=9.5, bold=True, color=accent)

    abstract = existing(doc, "Abstract")
    remove_children(abstract.element, "pPr", "rPr")
    ui_visible(abstract)
    para_format(
        abstract, before=2, after=12, line=1.25, left=0.0, keep_next=False, keep_lines=False
    )
    char_format(abstract, size=9.5, italic=False, color=QUOTE_TEXT)

    # Titelangaben: "Stand / Version / Geltungsbereich" lines below the title
    meta = get_style(doc, "Titelangaben")
    meta.base_style = existing(doc, "Normal")
    meta.next_paragraph_style = existing(doc, "Body Text")
    remove_children(meta.element, "pPr", "rPr")
    ui_visible(meta, 12)
    para_format(
        meta,
        before=0,
        after=1,
        line=1.15,
        keep_next=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        no_hyphen=True,
    )
    char_format(meta, size=9.5, color=GREY)


HEADINGS = {
    # level: (size pt, bold, italic, space before, space after)
    1: (16, True, False, 20, 6),
    2: (13, True, False, 16, 4),
    3: (11.5, True, False, 12, 3),
    4: (10.5, True, False, 10, 2),
    5: (10.5, True, True, 8, 2),
    6: (10.5, False, True, 8, 2),
    7: (10.5, False, True, 6, 0),
    8: (10, False, True, 6, 0),
    9: (10, False, True, 6, 0),
}


def style_headings(doc, accent):
    for level, (size, bold, italic, before, after) in HEADINGS.items():
        st = existing(doc, f"Heading {level}")
        remove_children(st.element, "pPr", "rPr", "rsid")
        if level <= 6:
            ui_visible(st, 9)
        para_format(
            st,
            before=before,
            after=after,
            line=1.15,
            keep_next=True,
            keep_lines=True,
            align=WD_ALIGN_PARAGRAPH.LEFT,
            no_hyphen=True,
            outline=level - 1,
        )
        char_format(st, font=FONT, size=size, bold=bold, italic=italic, color=accent)
        # Keep the linked "Heading N Char" style in sync (Word shows it when
        # a heading style is applied to a part of a paragraph).
        char = existing(doc, f"Heading {level} Char")
        remove_children(char.element, "rPr", "rsid")
        char_format(char, font=FONT, size=size, bold=bold, italic=italic, color=accent)

    for name in ("Title Char", "Subtitle Char"):
        char = existing(doc, name)
        remove_children(char.element, "rPr", "rsid")
    char_format(existing(doc, "Title Char"), font=FONT, size=22, bold=True, color=accent)
    char_format(existing(doc, "Subtitle Char"), font=FONT, size=14, color=accent)

    toc_heading = existing(doc, "TOC Heading")
    remove_children(toc_heading.element, "pPr", "rPr")
    para_format(toc_heading, before=0, after=8, keep_next=True, outline=9, no_hyphen=True)
    char_format(toc_heading, font=FONT, size=14, bold=True, color=accent)

    # TOC entries (pandoc --toc writes a TOC field; Word fills it with these)
    for level, (indent, bold, before) in {
        1: (0, True, 6),
        2: (0.6, False, 0),
        3: (1.2, False, 0),
    }.items():
        st = get_style(doc, f"toc {level}", builtin=True)
        st.style_id = f"TOC{level}"  # Word's own ids
        st.base_style = existing(doc, "Normal")
        st.next_paragraph_style = existing(doc, "Normal")
        remove_children(st.element, "pPr", "rPr")
        ui_visible(st, 39)
        para_format(st, before=before, after=2, left=indent, line=1.15)
        tabs = st.paragraph_format.tab_stops
        tabs.add_tab_stop(Cm(15.5), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        char_format(st, bold=bold)

    # Abschnittsnummer: section number inside headings (custom-style span)
    num = get_style(doc, "Abschnittsnummer", WD_STYLE_TYPE.CHARACTER)
    num.base_style = existing(doc, "Default Paragraph Font")
    remove_children(num.element, "rPr")
    ui_visible(num, 20)
    char_format(num, bold=True, color=accent)

    # pandoc's own "Section Number" (used with --number-sections)
    secnum = existing(doc, "Section Number")
    secnum.base_style = existing(doc, "Default Paragraph Font")
    remove_children(secnum.element, "rPr")
    char_format(secnum, bold=True, color=accent)


def style_character(doc, accent):
    body_char = existing(doc, "Body Text Char")
    remove_children(body_char.element, "rPr")

    verb = existing(doc, "Verbatim Char")
    remove_children(verb.element, "rPr")
    verb.base_style = existing(doc, "Default Paragraph Font")
    char_format(verb, font=MONO_FONT, size=9)

    fnref = existing(doc, "Footnote Reference")
    fnref.base_style = existing(doc, "Default Paragraph Font")
    remove_children(fnref.element, "rPr")
    ui_visible(fnref)
    fnref.font.superscript = True

    link = existing(doc, "Hyperlink")
    link.base_style = existing(doc, "Default Paragraph Font")
    remove_children(link.element, "rPr")
    ui_visible(link)
    char_format(link, color=accent, underline=True)

    # Randnummer: running paragraph number at the start of a paragraph
    rn = get_style(doc, "Randnummer", WD_STYLE_TYPE.CHARACTER)
    rn.base_style = existing(doc, "Default Paragraph Font")
    remove_children(rn.element, "rPr")
    ui_visible(rn, 20)
    char_format(rn, size=8, bold=False, italic=False, color=GREY)
    put(style_rpr(rn), w_el("noProof"), RPR_ORDER)


def style_notes_captions_code(doc, accent):
    fn = existing(doc, "Footnote Text")
    remove_children(fn.element, "pPr", "rPr")
    ui_visible(fn)
    para_format(fn, before=0, after=2, line=1.1)
    char_format(fn, size=8.5)

    fnblock = existing(doc, "Footnote Block Text")
    remove_children(fnblock.element, "pPr", "rPr")
    para_format(fnblock, before=2, after=2, left=0.6)
    para_border(style_ppr(fnblock), left=dict(sz=12, space=6, color=accent))

    caption = existing(doc, "Caption")
    remove_children(caption.element, "pPr", "rPr", "link")
    ui_visible(caption, 35)
    para_format(caption, before=4, after=10, line=1.15, no_hyphen=True)
    char_format(caption, size=9, italic=False, color=GREY)

    # Table captions stand above the table in pandoc's output.
    tcap = existing(doc, "Table Caption")
    remove_children(tcap.element, "pPr", "rPr")
    para_format(tcap, before=10, after=4, keep_next=True, keep_lines=True)
    char_format(tcap, size=9, bold=True, color=accent)

    icap = existing(doc, "Image Caption")
    remove_children(icap.element, "pPr", "rPr")
    para_format(icap, before=2, after=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    char_format(icap, size=9, italic=True, color=GREY)

    fig = existing(doc, "Figure")
    remove_children(fig.element, "pPr", "rPr")
    para_format(fig, before=6, after=4, line=1.0, align=WD_ALIGN_PARAGRAPH.CENTER)
    cfig = existing(doc, "Captioned Figure")
    remove_children(cfig.element, "pPr", "rPr")
    para_format(cfig, keep_next=True, keep_lines=True)

    # Source Code: pandoc only generates its own if the reference lacks it.
    src = get_style(doc, "Source Code")
    src.base_style = existing(doc, "Normal")
    remove_children(src.element, "pPr", "rPr")
    src.next_paragraph_style = existing(doc, "Body Text")
    ui_visible(src)
    para_format(src, before=4, after=8, line=1.0, left=0.2, right=0.2, no_hyphen=True)
    ppr = style_ppr(src)
    para_border(
        ppr,
        **{
            side: dict(sz=4, space=4, color=CODE_FILL)
            for side in ("top", "left", "bottom", "right")
        },
    )
    put(ppr, shading(CODE_FILL), PPR_ORDER)
    put(ppr, w_el("wordWrap", val="off"), PPR_ORDER)
    char_format(src, font=MONO_FONT, size=8.5)

    # Foerderhinweis: funding note
    fh = get_style(doc, "Foerderhinweis")
    fh.base_style = existing(doc, "Normal")
    remove_children(fh.element, "pPr", "rPr")
    ui_visible(fh, 30)
    para_format(fh, before=18, after=4, line=1.2, keep_lines=True)
    para_border(style_ppr(fh), top=dict(sz=4, space=6, color=RULE_GREY))
    char_format(fh, size=8.5, italic=True, color=QUOTE_TEXT)

    # Header / footer paragraph styles (Word built-ins "header"/"footer")
    for name, align in (
        ("Header", WD_ALIGN_PARAGRAPH.RIGHT),
        ("Footer", WD_ALIGN_PARAGRAPH.CENTER),
    ):
        st = get_style(doc, name, builtin=True)
        st.style_id = name  # Word's own ids are "Header"/"Footer"
        st.base_style = existing(doc, "Normal")
        remove_children(st.element, "pPr", "rPr")
        remove_children(st.element, "qFormat")
        put(st.element, w_el("uiPriority", val="99"), STYLE_ORDER)
        put(st.element, w_el("unhideWhenUsed"), STYLE_ORDER)
        para_format(st, before=0, after=0, line=1.0, align=align, no_hyphen=True)
        char_format(st, size=8, color=GREY)


def style_table(doc):
    """pandoc's table style "Table": grid, shaded header row, cell padding.

    pandoc writes <w:tblHeader/> on header rows itself (repeat on every
    page); the table style carries it too for tables created by hand in Word.
    """
    table = existing(doc, "Table")
    el = table.element
    remove_children(el, "semiHidden", "pPr", "rPr", "tblPr", "trPr", "tcPr", "tblStylePr")
    put(el, w_el("uiPriority", val="59"), STYLE_ORDER)
    put(el, w_el("unhideWhenUsed"), STYLE_ORDER)
    put(el, w_el("qFormat"), STYLE_ORDER)

    ppr = put(el, w_el("pPr"), STYLE_ORDER)
    put(ppr, w_el("spacing", before="0", after="0", line="264", lineRule="auto"), PPR_ORDER)
    rpr = put(el, w_el("rPr"), STYLE_ORDER)
    set_size(rpr, 9.5)

    tblpr = put(el, w_el("tblPr"), STYLE_ORDER)
    put(tblpr, w_el("tblStyleRowBandSize", val="1"), TBLPR_ORDER)
    put(tblpr, w_el("tblStyleColBandSize", val="1"), TBLPR_ORDER)
    put(tblpr, w_el("tblInd", w="0", type="dxa"), TBLPR_ORDER)
    borders = w_el("tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(border(tag=side, sz=4, color=RULE_GREY))
    put(tblpr, borders, TBLPR_ORDER)
    mar = w_el("tblCellMar")
    for side, width in (("top", 91), ("left", 85), ("bottom", 17), ("right", 85)):
        mar.append(w_el(side, w=str(width), type="dxa"))
    put(tblpr, mar, TBLPR_ORDER)

    trpr = put(el, w_el("trPr"), STYLE_ORDER)
    put(trpr, w_el("cantSplit"), TRPR_ORDER)
    tcpr = put(el, w_el("tcPr"), STYLE_ORDER)
    put(tcpr, w_el("vAlign", val="top"), TCPR_ORDER)

    first = w_el("tblStylePr", type="firstRow")
    frpr = put(first, w_el("rPr"), TBLSTYLEPR_ORDER)
    put(frpr, w_el("b"), RPR_ORDER)
    put(frpr, w_el("bCs"), RPR_ORDER)
    ftrpr = put(first, w_el("trPr"), TBLSTYLEPR_ORDER)
    put(ftrpr, w_el("tblHeader"), TRPR_ORDER)
    ftcpr = put(first, w_el("tcPr"), TBLSTYLEPR_ORDER)
    tcb = w_el("tcBorders")
    tcb.append(border(tag="bottom", sz=8, color=RULE_GREY))
    put(ftcpr, tcb, TCPR_ORDER)
    put(ftcpr, shading(TABLE_HEAD_FILL), TCPR_ORDER)
    put(ftcpr, w_el("vAlign", val="bottom"), TCPR_ORDER)
    el.append(first)

    # Word's default table style for tables inserted by hand.
    put(doc.settings.element, w_el("defaultTableStyle", val="Table"), SETTINGS_ORDER)


# --------------------------------------------------------------------------
# Page, header, footer
# --------------------------------------------------------------------------
def add_field(paragraph, instr: str, placeholder: str):
    """Append a complex field (fldChar begin/instrText/separate/end)."""
    runs = [
        f'<w:r {NSDECL}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {NSDECL}><w:instrText xml:space="preserve"> {instr} \\* MERGEFORMAT '
        "</w:instrText></w:r>",
        f'<w:r {NSDECL}><w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r {NSDECL}><w:rPr><w:noProof/></w:rPr><w:t>{placeholder}</w:t></w:r>",
        f'<w:r {NSDECL}><w:fldChar w:fldCharType="end"/></w:r>',
    ]
    for xml in runs:
        paragraph._p.append(parse_xml(xml))


NSDECL = f'xmlns:w="{W_NS}"'


def setup_page(doc):
    section = doc.sections[0]
    section.page_width = Cm(21.0)
    section.page_height = Cm(29.7)
    section.top_margin = Cm(2.5)
    section.bottom_margin = Cm(2.5)
    section.right_margin = Cm(2.5)
    section.left_margin = Cm(3.0)
    section.header_distance = Cm(1.25)
    section.footer_distance = Cm(1.25)
    section.gutter = Cm(0)

    header = section.header
    header.is_linked_to_previous = False
    hp = header.paragraphs[0]
    hp.style = existing(doc, "Header")
    hp.add_run(HEADER_TEXT)

    footer = section.footer
    footer.is_linked_to_previous = False
    fp = footer.paragraphs[0]
    fp.style = existing(doc, "Footer")
    fp.add_run("Seite ")
    add_field(fp, "PAGE", "1")
    fp.add_run(" von ")
    add_field(fp, "NUMPAGES", "1")


# --------------------------------------------------------------------------
# Settings, theme, fonts, clean-up of pandoc's sample content
# --------------------------------------------------------------------------
def setup_settings(doc):
    st = doc.settings.element
    put(st, w_el("autoHyphenation", val="true"), SETTINGS_ORDER)
    put(st, w_el("consecutiveHyphenLimit", val="3"), SETTINGS_ORDER)
    put(st, w_el("hyphenationZone", val="357"), SETTINGS_ORDER)
    put(st, w_el("defaultTabStop", val="709"), SETTINGS_ORDER)
    put(st, w_el("themeFontLang", val=LANG), SETTINGS_ORDER)
    put(st, w_el("decimalSymbol", val=","), SETTINGS_ORDER)
    put(st, w_el("listSeparator", val=";"), SETTINGS_ORDER)
    # Word should open the file in its current (2013+) layout mode, not in
    # compatibility mode.
    compat = w_el("compat")
    setting = w_el(
        "compatSetting",
        name="compatibilityMode",
        uri="http://schemas.microsoft.com/office/word",
        val="15",
    )
    compat.append(setting)
    put(st, compat, SETTINGS_ORDER)
    # No w:updateFields: Word would ask a question on every opening; PAGE
    # and NUMPAGES in header/footer are recalculated on display anyway.
    # rsids/proofState of the sample text are meaningless for a template.
    remove_children(st, "rsids", "proofState", "updateFields")


def find_part(doc, partname: str):
    for part in doc.part.package.iter_parts():
        if str(part.partname) == partname:
            return part
    return None


def rewrite_blob(part, fn):
    root = etree.fromstring(part.blob)
    fn(root)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def setup_theme_and_fonts(doc):
    theme = find_part(doc, "/word/theme/theme1.xml")

    def fix_theme(root):
        for which in ("majorFont", "minorFont"):
            for font in root.iter(f"{{{A_NS}}}{which}"):
                latin = font.find(f"{{{A_NS}}}latin")
                latin.set("typeface", FONT)
                latin.set("panose", "020B0603030804020204")

    rewrite_blob(theme, fix_theme)

    fonts = find_part(doc, "/word/fontTable.xml")

    def fix_fonts(root):
        for name, panose, family, pitch in (
            (FONT, "020B0603030804020204", "swiss", "variable"),
            (MONO_FONT, "020B0609030804020204", "modern", "fixed"),
        ):
            if any(f.get(qn("w:name")) == name for f in root):
                continue
            font = w_el("font", name=name)
            font.append(w_el("panose1", val=panose))
            font.append(w_el("charset", val="00"))
            font.append(w_el("family", val=family))
            font.append(w_el("pitch", val=pitch))
            root.insert(0, font)

    rewrite_blob(fonts, fix_fonts)


APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties" '
    b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<Template>Normal.dotm</Template><TotalTime>0</TotalTime><Pages>1</Pages>"
    b"<Words>0</Words><Characters>0</Characters><DocSecurity>0</DocSecurity>"
    b"<Lines>0</Lines><Paragraphs>0</Paragraphs><ScaleCrop>false</ScaleCrop>"
    b"<LinksUpToDate>false</LinksUpToDate><CharactersWithSpaces>0</CharactersWithSpaces>"
    b"<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
    b"</Properties>"
)


def clean_sample_content(doc):
    """Remove pandoc's sample document (pandoc only reads styles, numbering,
    settings, headers/footers from a reference doc, but a clean template is
    what people open in Word)."""
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    # One empty paragraph: Word dislikes a body without any paragraph.
    body.insert(0, parse_xml(f'<w:p {NSDECL}><w:pPr><w:pStyle w:val="BodyText"/></w:pPr></w:p>'))

    # example.com hyperlink relationships of the sample text
    for part in (doc.part, find_part(doc, "/word/footnotes.xml")):
        for rId, rel in list(part.rels.items()):
            if rel.reltype.endswith("/hyperlink"):
                part.rels.pop(rId)

    # Sample footnote: keep only the separator notes (ids -1 and 0).
    def fix_footnotes(root):
        for note in list(root):
            if note.get(qn("w:type")) not in ("separator", "continuationSeparator"):
                root.remove(note)

    rewrite_blob(find_part(doc, "/word/footnotes.xml"), fix_footnotes)

    comments = find_part(doc, "/word/comments.xml")
    if comments is not None:
        for c in list(comments.element):
            comments.element.remove(c)

    # Core properties: all empty (pandoc writes its own from the metadata).
    core = doc.core_properties._element
    for child in list(core):
        core.remove(child)
    find_part(doc, "/docProps/app.xml")._blob = APP_XML


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------
def pandoc_path(explicit: str | None) -> str:
    if explicit:
        return explicit
    try:
        import pypandoc  # type: ignore

        return pypandoc.get_pandoc_path()
    except Exception:  # pragma: no cover - fallback
        found = shutil.which("pandoc")
        if not found:
            sys.exit("pandoc not found (install pypandoc-binary or pass --pandoc)")
        return found


def pandoc_default_reference(pandoc: str, workdir: Path) -> Path:
    target = workdir / "custom-reference.docx"
    subprocess.run(
        [pandoc, "-o", str(target), "--print-default-data-file", "reference.docx"], check=True
    )
    return target


def deterministic_zip(data: bytes) -> bytes:
    """Re-pack with fixed timestamps/permissions so the output is stable."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 0
            dst.writestr(zi, src.read(info.filename), compresslevel=9)
    return out.getvalue()


def build(default_docx: Path, accent: str) -> bytes:
    doc = Document(str(default_docx))
    style_defaults(doc)
    style_body(doc, accent)
    style_title_block(doc, accent)
    style_headings(doc, accent)
    style_character(doc, accent)
    style_notes_captions_code(doc, accent)
    style_table(doc)
    setup_settings(doc)
    setup_theme_and_fonts(doc)
    clean_sample_content(doc)
    setup_page(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return deterministic_zip(buf.getvalue())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pandoc", help="pandoc executable (default: pypandoc's)")
    parser.add_argument(
        "--outdir",
        type=Path,
        default=REPO_ROOT / "templates",
        help="target folder (default: templates/)",
    )
    args = parser.parse_args(argv)

    pandoc = pandoc_path(args.pandoc)
    with tempfile.TemporaryDirectory() as tmp:
        default_docx = pandoc_default_reference(pandoc, Path(tmp))
        for variant, accent in VARIANTS.items():
            data = build(default_docx, accent)
            target = args.outdir / variant / "reference.docx"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            try:
                shown = target.relative_to(Path.cwd())
            except ValueError:
                shown = target
            print(f"wrote {shown} ({len(data)} bytes, accent #{accent})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
