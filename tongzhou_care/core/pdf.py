"""PDF documents with WeasyPrint: A4, Chinese text in Noto Sans CJK (Debian fonts-noto-cjk,
embedded as a subset, so the text can be copied and searched), the system's name and the page
number in the footer. Templates in, bytes out; no queries."""

from pathlib import Path

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


def merge_pdfs(parts: list[Path], target: Path) -> None:
    """Concatenate PDF files into one (qpdf through pikepdf: pages are copied, not re-rendered)."""
    import pikepdf

    sources = [pikepdf.Pdf.open(part) for part in parts]
    try:
        with pikepdf.Pdf.new() as merged:
            for source in sources:
                merged.pages.extend(source.pages)
            merged.save(target)
    finally:
        for source in sources:
            source.close()
