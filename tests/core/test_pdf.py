"""Merging rendered parts into one PDF (certificate batches): every page kept, in order,
looking exactly as rendered, with its links."""

import subprocess

import pikepdf
from weasyprint import HTML

from tongzhou_care.core.pdf import merge_pdfs

LINKED_PART = """<html><body style="font-family: 'Noto Sans CJK SC'">
<p>第一部分第一页 <a href="https://wsjkw.example.cn/">卫健委</a></p>
<svg width="40" height="40"><rect width="40" height="40" fill="#c00"/></svg>
<p style="break-before: page">第一部分第二页</p></body></html>"""
PLAIN_PART = """<html><body style="font-family: 'Noto Sans CJK SC'"><p>第二部分唯一一页</p></body></html>"""


def _render(html: str, path):
    HTML(string=html).write_pdf(path)
    return path


def _text(path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout.strip()


def _image(path, page: int, tmp_path) -> bytes:
    prefix = tmp_path / f"{path.stem}-{page}"
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", "40", "-png",
                    "-singlefile", str(path), str(prefix)], check=True)
    return prefix.with_suffix(".png").read_bytes()


def test_merge_keeps_pages_in_order_and_looking_the_same(tmp_path):
    first = _render(LINKED_PART, tmp_path / "part-1.pdf")
    second = _render(PLAIN_PART, tmp_path / "part-2.pdf")
    merged = tmp_path / "merged.pdf"

    merge_pdfs([first, second, first], merged)

    with pikepdf.Pdf.open(merged) as pdf:
        assert len(pdf.pages) == 5
        assert pdf.check_pdf_syntax() == []
        for page in (0, 3):  # the link, with each copy of the part
            assert str(pdf.pages[page].obj.Annots[0].A.URI) == "https://wsjkw.example.cn/"
    assert [_text(merged, page) for page in range(1, 6)] == [
        "第一部分第一页 卫健委", "第一部分第二页", "第二部分唯一一页", "第一部分第一页 卫健委",
        "第一部分第二页"]
    assert _image(merged, 1, tmp_path) == _image(first, 1, tmp_path)
    assert _image(merged, 3, tmp_path) == _image(second, 1, tmp_path)
    assert _image(merged, 5, tmp_path) == _image(first, 2, tmp_path)


def test_merge_of_nothing_is_an_empty_but_valid_pdf(tmp_path):
    merged = tmp_path / "merged.pdf"
    merge_pdfs([], merged)
    with pikepdf.Pdf.open(merged) as pdf:
        assert len(pdf.pages) == 0
