"""The parts of one PDF (front matter, the text or its halves) joined as one tagged PDF.

pdffront and pdfsplit let several processes lay out and write the parts of one PDF at the
same time (both cores at work). WeasyPrint wrote each part as a tagged PDF of its own; here,
with pikepdf, the earlier parts' pages go before the last part's and everything that points
at pages is joined, so the result is what WeasyPrint writes for the whole in one piece:

- structure: each earlier part's top-level elements go first under the last part's Document
  element; its parent tree entries (pages, link annotations) get keys after those there;
- named destinations: all parts' (links point by name, so the contents reach the text's
  headings); a name a part gave a page only to keep its links gives way to the real one;
- bookmarks: written anew from WeasyPrint's bookmark tree of the whole document (a chapter of
  the text belongs under the document title on the title page).

The catalog (language, metadata, PDF/UA identification) is the last part's: all come from the
same page head.
"""

from __future__ import annotations

import io
from typing import Any

from lafast_docs.errors import RenderError

# WeasyPrint's bookmark tree: (label, (page index, x, y), children, "open" | "closed")
Outline = list[tuple[str, tuple[int, float, float], list[Any], str]]


def join(doc: Any, before: list[bytes], stand_ins: list[list[str]], outline: Outline) -> None:
    """Put the pages of the PDFs `before` (in order) before the pages of `doc` (an open
    pikepdf.Pdf, the last part). `stand_ins`: per part (the last included), the names that
    part gave a page only so its links were kept; the part that has the anchor wins."""
    import pikepdf

    own = set(stand_ins[-1])
    for part, names in reversed(list(zip(before, stand_ins[:-1], strict=True))):
        with pikepdf.open(io.BytesIO(part)) as piece:
            count = len(piece.pages)
            for index, page in enumerate(piece.pages):
                doc.pages.insert(index, page)  # copies the page, its annotations, resources
            _join_structure(doc, piece, count)
            own = _join_names(doc, piece, set(names), own)
    _drop_names(doc, own)
    _write_outline(doc, outline)


def _document_element(pdf: Any) -> tuple[Any, Any]:
    import pikepdf

    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None or "/ParentTree" not in tree or "/Nums" not in tree.ParentTree:
        raise _unlike("ohne Strukturbaum mit flacher ParentTree")
    kids = tree.K
    element = kids[0] if isinstance(kids, pikepdf.Array) and len(kids) == 1 else kids
    if not isinstance(element, pikepdf.Dictionary) or element.get("/S") != "/Document":
        raise _unlike("mit einem Strukturbaum ohne Document-Element")
    return tree, element


def as_array(obj: Any) -> Any:
    """A PDF entry that may hold one object or an array of them (a structure element's /K),
    as an array."""
    import pikepdf

    return obj if isinstance(obj, pikepdf.Array) else pikepdf.Array([obj])


def _unlike(what: str) -> RenderError:
    return RenderError(
        f"Die Teile der PDF-Datei ließen sich nicht zusammenfügen: ein Teil ist {what}.",
        hint="WeasyPrint schreibt anders als erwartet (eine neue Version?); melden Sie den "
        "Fehler mit dem Entwurf.",
    )


def _join_structure(doc: Any, front: Any, count: int) -> None:
    import pikepdf

    tree, document = _document_element(doc)
    front_tree, front_document = _document_element(front)
    nums = tree.ParentTree.Nums
    offset = max((int(nums[i]) for i in range(0, len(nums), 2)), default=-1) + 1
    front_nums = front_tree.ParentTree.Nums
    for i in range(0, len(front_nums), 2):
        nums.append(int(front_nums[i]) + offset)
        nums.append(_copied(doc, front_nums[i + 1]))
    for page in doc.pages[:count]:  # the copies inserted above
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annot in page.obj.get("/Annots", pikepdf.Array()):
            if "/StructParent" in annot:
                annot.StructParent = int(annot.StructParent) + offset
    joined = pikepdf.Array()
    for kid in as_array(front_document.K):
        copied = _copied(doc, kid)
        if isinstance(copied, pikepdf.Dictionary):
            copied.P = document
        joined.append(copied)
    joined.extend(as_array(document.K))
    document.K = joined
    if "/ParentTreeNextKey" in tree:
        tree.ParentTreeNextKey = offset + max(
            (int(front_nums[i]) + 1 for i in range(0, len(front_nums), 2)), default=0
        )


def _join_names(doc: Any, piece: Any, stand_ins: set[str], doc_stand_ins: set[str]) -> set[str]:
    """The piece's named destinations added to `doc`'s, a real one over a stand-in; gives the
    names in `doc` that are still stand-ins."""
    import pikepdf

    theirs = piece.Root.get("/Names", {}).get("/Dests")
    if theirs is None:
        return doc_stand_ins
    if "/Names" not in doc.Root:
        doc.Root.Names = pikepdf.Dictionary()
    if "/Dests" not in doc.Root.Names:
        doc.Root.Names.Dests = doc.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array()))
    ours = pikepdf.NameTree(doc.Root.Names.Dests)
    left = set(doc_stand_ins)
    for name, dest in pikepdf.NameTree(theirs).items():
        if name in stand_ins:
            if name not in ours:
                ours[name] = _copied(doc, dest)
                left.add(name)
        elif name not in ours or name in left:
            ours[name] = _copied(doc, dest)
            left.discard(name)
    return left


def _drop_names(doc: Any, names: set[str]) -> None:
    """Stand-ins no part has the anchor for (none, if WeasyPrint's anchors were complete)."""
    import pikepdf

    if names and "/Names" in doc.Root and "/Dests" in doc.Root.Names:
        tree = pikepdf.NameTree(doc.Root.Names.Dests)
        for name in names:
            if name in tree:
                del tree[name]


def _copied(doc: Any, obj: Any) -> Any:
    """`obj` of the front's PDF as an object of `doc`: indirect objects by pikepdf's copy (the
    same copy each time, so the pages inserted before are the ones pointed at), direct arrays
    and dictionaries item by item."""
    import pikepdf

    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        return doc.copy_foreign(obj)
    if isinstance(obj, pikepdf.Array):
        return pikepdf.Array([_copied(doc, item) for item in obj])
    if isinstance(obj, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copied(doc, value) for key, value in obj.items()})
    return obj


def _write_outline(doc: Any, outline: Outline) -> None:
    """WeasyPrint's `add_outlines`, on the joined pages."""
    import pikepdf

    if "/Outlines" in doc.Root:
        del doc.Root["/Outlines"]
    if not outline:
        return
    root = doc.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
    first, last, count = _items(doc, outline, root)
    root.First, root.Last, root.Count = first, last, count
    doc.Root.Outlines = root


def _items(doc: Any, tree: Outline, parent: Any) -> tuple[Any, Any, int]:
    import pikepdf

    items: list[Any] = []
    count = len(tree)
    for title, (page, x, y), children, state in tree:
        item = doc.make_indirect(
            pikepdf.Dictionary(
                Title=pikepdf.String(title),
                Dest=pikepdf.Array([doc.pages[page].obj, pikepdf.Name.XYZ, x, y, 0]),
                Parent=parent,
            )
        )
        if children:
            item.First, item.Last, below = _items(doc, children, item)
        else:
            below = 0
        item.Count = -below if state == "closed" else below
        if state != "closed":
            count += below
        if items:
            item.Prev = items[-1]
            items[-1].Next = item
        items.append(item)
    return items[0], items[-1], count
