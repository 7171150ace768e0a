"""Uploaded files: documents checked by content and size (S16), and files on disk for exactly
as long as a request needs them (S20)."""

import hashlib
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .rules import RuleViolation

# A supporting document (a claim's papers, a rectification's evidence): a phone photo or a
# scanned PDF fits; larger is refused unread.
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"%PDF-": "application/pdf"}
DOCUMENT_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
DOCUMENT_TOO_LARGE = f"文件超过 {DOCUMENT_MAX_BYTES // (1024 * 1024)} MB，请压缩或分页拍照后上传。"


def sniff_document(head: bytes) -> str | None:
    """The content type of an upload from its first bytes (JPEG, PNG or PDF), or None."""
    return next((kind for magic, kind in DOCUMENT_TYPES.items() if head.startswith(magic)), None)


def _check_size(uploaded) -> None:
    if uploaded.size == 0:
        raise RuleViolation("empty", "文件为空，请重新选择。")
    if uploaded.size > DOCUMENT_MAX_BYTES:
        raise RuleViolation("too_large", DOCUMENT_TOO_LARGE)


def _sha256(uploaded) -> str:
    uploaded.seek(0)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def check_document(uploaded) -> tuple[str, str]:
    """(content type, SHA-256) of an uploaded document after checking its size and its real
    type by content (S16); raises RuleViolation ("empty", "too_large", "file_type")."""
    _check_size(uploaded)
    uploaded.seek(0)
    content_type = sniff_document(uploaded.read(16))
    if content_type is None:
        raise RuleViolation("file_type", "只能上传 JPG、PNG 图片或 PDF 文件（按文件内容判断，改扩展名无效）。")
    return content_type, _sha256(uploaded)


@dataclass(frozen=True)
class KeptDocument:
    """An upload as it is stored: the file (the upload itself, or the photo made from it), the
    name shown, its real type, size and SHA-256."""

    file: object
    name: str
    content_type: str
    size: int
    sha256: str


def document_for_keeping(uploaded) -> KeptDocument:
    """A document checked like check_document (S16), also taking the photos phones make: an
    iPhone's HEIC is converted to JPEG and a large photo reduced to A4 print size
    (core.photos). Raises RuleViolation ("empty", "too_large", "file_type")."""
    from .photos import is_heif, photo_for_keeping

    _check_size(uploaded)
    uploaded.seek(0)
    head = uploaded.read(16)
    content_type = sniff_document(head) or ("image/heic" if is_heif(head) else None)
    if content_type is None:
        raise RuleViolation("file_type", "只能上传 JPG、PNG、HEIC 照片或 PDF 文件（按文件内容判断，改扩展名无效）。")
    photo = photo_for_keeping(uploaded, content_type)
    if photo is None:
        return KeptDocument(uploaded, uploaded.name, content_type, uploaded.size, _sha256(uploaded))
    file, content_type = photo
    return KeptDocument(file, file.name, content_type, file.size, _sha256(file))


def request_too_large(request, limit: int) -> bool:
    """True when the body announced by the client exceeds `limit` bytes plus room for the form
    fields: refuse before Django reads the upload at all. (Django caps form fields, not files.)"""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024
    except ValueError:
        return True


@contextmanager
def upload_on_disk(uploaded):
    """A path to the uploaded file's bytes. A large upload already sits in Django's temporary
    file (removed by Django when the request ends); a small one, held in memory, is written to
    a temporary file of our own that is removed here, on success and on error alike."""
    if hasattr(uploaded, "temporary_file_path"):
        yield Path(uploaded.temporary_file_path())
        return
    directory = settings.FILE_UPLOAD_TEMP_DIR or None
    fd, name = tempfile.mkstemp(prefix="tz-upload-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in uploaded.chunks():
                f.write(chunk)
        yield Path(name)
    finally:
        os.unlink(name)
