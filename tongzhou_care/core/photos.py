"""Photos from phones, made fit to keep and to print: an iPhone's HEIC converted to JPEG, a large
photo reduced to the size an A4 printout needs, turned the way the camera was held, its
metadata (the GPS position of a family's home, the device) left behind.

A phone photo of a discharge summary is 12–50 megapixels and 3–10 MB; printed on A4 it needs
about 2480 pixels on the long side (210 dpi over 297 mm), where the small print of a summary
stays sharp. Reducing it keeps the file at a few hundred kilobytes, so a claim's papers fit
in storage and in the insurer's download for years."""

import io

from django.core.files.base import ContentFile

from .rules import RuleViolation

# The long side kept: A4 (297 mm) at about 210 dpi.
PRINT_LONG_SIDE = 2480
# A JPEG or PNG within the long side and below this size is kept byte for byte.
KEEP_BYTES = 2 * 1024 * 1024
JPEG_QUALITY = 85
# Larger than any phone camera's usual output (200 MP sensors save 12–50 MP by default);
# refused before decoding, so a crafted file cannot make the server decode a billion pixels.
MAX_PIXELS = 120_000_000

# ISO base media files whose brand says HEIF/HEIC (iPhones since iOS 11, many Android phones).
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})

UNREADABLE = "图片无法读取（文件可能已损坏），请重新拍照后上传。"


def is_heif(head: bytes) -> bool:
    """True when the first bytes are those of a HEIF/HEIC image (`ftyp` box with a HEIF brand)."""
    return len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS


def photo_for_keeping(uploaded, content_type: str) -> tuple[ContentFile, str] | None:
    """(file, content type) of the photo converted (HEIC → JPEG) and reduced to
    PRINT_LONG_SIDE, upright and without metadata, named with its new extension; None when the
    upload is kept as it is (a PDF; a JPEG or PNG that is already small). Raises RuleViolation
    for an image that cannot be read or is absurdly large."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if content_type not in ("image/jpeg", "image/png", "image/heic"):
        return None
    if content_type == "image/heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
    uploaded.seek(0)
    try:
        with Image.open(uploaded) as image:
            if image.width * image.height > MAX_PIXELS:
                raise RuleViolation("too_large", "图片像素过多，请用手机相机的普通模式重新拍照。")
            if (content_type != "image/heic" and max(image.size) <= PRINT_LONG_SIDE
                    and uploaded.size <= KEEP_BYTES):
                return None
            if image.format == "JPEG":
                image.draft("RGB", (PRINT_LONG_SIDE, PRINT_LONG_SIDE))   # decode at a reduced scale
            image = ImageOps.exif_transpose(image)
            image.thumbnail((PRINT_LONG_SIDE, PRINT_LONG_SIDE), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            if content_type == "image/png" and image.mode in ("RGBA", "LA", "P", "1", "L"):
                # A screenshot or a scan in PNG stays lossless.
                image.save(out, "PNG", optimize=True)
                kept_type, extension = "image/png", ".png"
            else:
                image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
                kept_type, extension = "image/jpeg", ".jpg"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise RuleViolation("file_type", UNREADABLE) from None
    finally:
        uploaded.seek(0)
    stem = (uploaded.name or "photo").rsplit(".", 1)[0]
    return ContentFile(out.getvalue(), name=stem + extension), kept_type
