"""PDF documents with WeasyPrint: A4, Chinese text in Noto Sans CJK (Debian fonts-noto-cjk,
embedded as a subset, so the text can be copied and searched), the system's name and the page
number in the footer. Templates in, bytes out; no queries."""

import functools
from array import array
from decimal import Decimal
from pathlib import Path

import pikepdf
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

_FONTS = FontConfiguration()


def render_pdf(template: str, context: dict, target) -> None:
    """Render a Django template to a PDF written to `target` (a path or a binary file)."""
    html = render_to_string(template, context)
    document = HTML(string=html, base_url=str(Path(settings.BASE_DIR) / "static")).render(font_config=_FONTS)
    document.write_pdf(target)


# Page attributes a /Pages node may pass down to its pages (PDF 32000-1, 7.7.3.4).
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


def merge_pdfs(parts: list[Path], target: Path) -> None:
    """Concatenate PDF files into one, their pages copied as they are (nothing re-rendered),
    holding one part in memory at a time.

    qpdf (through pikepdf) reads each part; the result is written here, object by object, each
    part's pages under their own /Pages node. Merging with qpdf alone keeps every copied object
    of every part in memory until the end (1.8 GB for 100,000 certificates) and its
    `pages.extend()` slows with the square of the pages (ten minutes for 100,000); this writes
    100,000 pages in constant memory. Only a part's pages and what they refer to are copied,
    not its catalogue: outlines, metadata and named destinations (links inside a document) are
    left behind, which none of our printouts has."""
    with open(target, "wb") as out:
        writer = _PdfWriter(out)
        part_nodes = []
        for part in parts:
            with pikepdf.Pdf.open(part) as source:
                part_nodes.append(writer.copy_pages(source))
        writer.finish(part_nodes)


@functools.cache
def _name(key: str) -> bytes:
    """A dictionary key as written in the file (pikepdf hands keys over decoded)."""
    return pikepdf.Name(key).unparse()


class _PdfWriter:
    """A plain PDF 1.7 file (classic xref table) written sequentially. Objects 1 and 2 are the
    catalogue and the page tree's root, written last."""

    CATALOG, ROOT = 1, 2

    def __init__(self, out):
        self.out = out
        self.offsets = array("Q", [0, 0, 0])  # byte offset of each object number, for the xref
        self.next_number = 3
        self.position = 0
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def _allocate(self) -> int:
        self.offsets.append(0)
        self.next_number += 1
        return self.next_number - 1

    def _write_object(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def copy_pages(self, source) -> tuple[int, int]:
        """Copy the source's pages and all they reach; returns (its /Pages node, page count)."""
        node = self._allocate()
        numbers = {}  # source (objnum, gen) -> number here
        pending = []

        def reference(obj) -> bytes:
            key = obj.objgen
            if key not in numbers:
                numbers[key] = self._allocate()
                pending.append(obj)
            return b"%d 0 R" % numbers[key]

        def direct(value, top=False) -> bytes:
            """The value written out, with references renumbered (pikepdf hands direct
            numbers, booleans and null over as Python values)."""
            if isinstance(value, pikepdf.Object):
                if value.is_indirect and not top:
                    return reference(value)
                if isinstance(value, pikepdf.Dictionary):
                    return b"<<" + b"".join(b"%s %s" % (_name(key), direct(item))
                                            for key, item in value.items()) + b">>"
                if isinstance(value, pikepdf.Array):
                    return b"[" + b" ".join(direct(item) for item in value) + b"]"
                return value.unparse()
            if isinstance(value, bool):
                return b"true" if value else b"false"
            if isinstance(value, int):
                return b"%d" % value
            if isinstance(value, Decimal):
                return format(value, "f").encode()
            if value is None:
                return b"null"
            raise TypeError(f"unexpected PDF value {value!r}")

        # Numbers for all pages first, so a page another object points to (a link) is
        # written once, as a page of this tree.
        pages = [page.obj for page in source.pages]
        for page in pages:
            numbers[page.objgen] = self._allocate()
        for page in pages:
            entries = [b"%s %s" % (_name(key), direct(item))
                       for key, item in page.items() if key != "/Parent"]
            self._write_object(numbers[page.objgen],
                               b"<<" + b"".join(entries) + b" /Parent %d 0 R>>" % node)
        inherited = [b"%s %s" % (_name(key), direct(source.Root.Pages[key]))
                     for key in _INHERITED if key in source.Root.Pages]
        while pending:
            obj = pending.pop()
            number = numbers[obj.objgen]
            if isinstance(obj, pikepdf.Stream):
                raw = obj.read_raw_bytes()
                entries = [b"%s %s" % (_name(key), direct(item))
                           for key, item in obj.stream_dict.items() if key != "/Length"]
                self._write_object(number, b"<<" + b"".join(entries) + b" /Length %d>>\nstream\n" % len(raw)
                                   + raw + b"\nendstream")
            else:
                self._write_object(number, direct(obj, top=True))
        kids = b" ".join(b"%d 0 R" % numbers[page.objgen] for page in pages)
        self._write_object(node, b"<</Type /Pages /Parent %d 0 R /Count %d /Kids [%s]%s>>" % (
            self.ROOT, len(pages), kids, b"".join(b" " + entry for entry in inherited)))
        return node, len(pages)

    def finish(self, part_nodes: list[tuple[int, int]]) -> None:
        total = sum(count for _, count in part_nodes)
        kids = b" ".join(b"%d 0 R" % node for node, _ in part_nodes)
        self._write_object(self.ROOT, b"<</Type /Pages /Count %d /Kids [%s]>>" % (total, kids))
        self._write_object(self.CATALOG, b"<</Type /Catalog /Pages %d 0 R>>" % self.ROOT)
        xref_at = self.position
        size = self.next_number
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for start in range(1, size, 10_000):  # in slices: one line per object adds up
            self._write(b"".join(b"%010d 00000 n \n" % self.offsets[number]
                                 for number in range(start, min(start + 10_000, size))))
        self._write(b"trailer\n<</Size %d /Root %d 0 R>>\nstartxref\n%d\n%%%%EOF\n"
                    % (size, self.CATALOG, xref_at))
