"""Phone photos made fit to keep: HEIC converted, large photos reduced to A4 print size and
turned upright, their location left behind; small files and PDFs kept as they came."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from tongzhou_care.core.photos import PRINT_LONG_SIDE, is_heif, photo_for_keeping
from tongzhou_care.core.rules import RuleViolation


def photo(size=(4032, 3024), fmt="JPEG", name="IMG_0001.jpg", exif=None, mode="RGB", **save) -> SimpleUploadedFile:
    """A camera-sized picture of a page: black lines of print on white, as a phone saves it."""
    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    for y in range(100, size[1] - 100, 60):
        draw.line((100, y, size[0] - 100, y), fill="black", width=6)
    if fmt == "HEIF":
        import pillow_heif
        pillow_heif.register_heif_opener()
    out = io.BytesIO()
    image.save(out, fmt, **({"exif": exif} if exif else {}), **save)
    return SimpleUploadedFile(name, out.getvalue())


def opened(kept) -> Image.Image:
    file, _ = kept
    return Image.open(io.BytesIO(file.read()))


def test_a_large_jpeg_is_reduced_to_print_size():
    upload = photo(quality=95)
    kept = photo_for_keeping(upload, "image/jpeg")
    image, (file, content_type) = opened(kept), kept
    assert image.format == "JPEG" and content_type == "image/jpeg"
    assert image.size == (PRINT_LONG_SIDE, 1860)                    # 4:3 kept
    assert file.size < upload.size and file.name == "IMG_0001.jpg"
    # The lines of print are still lines: dark rows between white ones, none smeared grey.
    column = [image.getpixel((1240, y))[0] for y in range(0, 1860)]
    assert min(column) < 60 and max(column) > 240


def test_an_iphone_heic_becomes_a_jpeg():
    upload = photo(fmt="HEIF", name="IMG_4711.HEIC", quality=90)
    assert is_heif(upload.read(16)) and not is_heif(b"%PDF-1.4 0000000")
    kept = photo_for_keeping(upload, "image/heic")
    image = opened(kept)
    assert (image.format, image.size, kept[0].name) == ("JPEG", (PRINT_LONG_SIDE, 1860), "IMG_4711.jpg")


def test_a_small_heic_is_converted_without_reduction():
    kept = photo_for_keeping(photo(size=(1200, 900), fmt="HEIF", name="a.heic"), "image/heic")
    assert opened(kept).size == (1200, 900) and kept[1] == "image/jpeg"


def test_a_photo_taken_upright_is_stored_upright_and_without_its_location():
    exif = Image.Exif()
    exif[0x0112] = 6                                   # orientation: rotate 90° to view
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}     # GPS: where the family lives
    kept = photo_for_keeping(photo(exif=exif), "image/jpeg")
    image = opened(kept)
    assert image.size == (1860, PRINT_LONG_SIDE)       # portrait, as the officer held the phone
    assert not image.getexif()


def test_a_small_photo_and_a_pdf_are_kept_as_they_came():
    assert photo_for_keeping(photo(size=(1600, 1200), quality=80), "image/jpeg") is None
    assert photo_for_keeping(SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n"), "application/pdf") is None


def test_a_large_screenshot_stays_a_lossless_png():
    kept = photo_for_keeping(photo(size=(3000, 2000), fmt="PNG", name="scan.png", mode="RGBA"), "image/png")
    image = opened(kept)
    assert (image.format, image.size, kept[1]) == ("PNG", (PRINT_LONG_SIDE, 1653), "image/png")


def test_a_broken_photo_is_refused_with_a_reason():
    broken = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 5000)
    with pytest.raises(RuleViolation) as refused:
        photo_for_keeping(broken, "image/jpeg")
    assert refused.value.code == "file_type" and "重新拍照" in refused.value.message
