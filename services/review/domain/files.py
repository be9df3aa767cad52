"""What a summary's attached file may be: its type told by its first bytes, never by its name.

Accepted: PDF, Word (.docx), Excel (.xlsx), PNG and JPEG. A .docx and an .xlsx are both ZIP
archives; their part names (``word/`` or ``xl/``) tell them apart. The name the person gave is kept
for display only, cleaned of paths and control characters, with the extension of the detected type.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from .errors import NotEligible

TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
}
MAX_NAME = 100
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


class FileRefused(NotEligible):
    """The file is of a type not accepted, or empty (naming the field ``file``)."""

    title = "File refused"


def sniff(data: bytes) -> str:
    """The extension of ``data``'s type by its magic bytes (:class:`FileRefused` when not accepted)."""
    if not data:
        raise FileRefused("文件为空 (the file is empty)", field="file")
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            names = []
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    raise FileRefused(
        "只接受 PDF、Word (docx)、Excel (xlsx)、PNG 和 JPEG 文件（按文件内容判断） "
        "(only pdf, docx, xlsx, png and jpeg files are accepted, told by their content)",
        field="file",
    )


def clean_name(given: str, extension: str) -> str:
    """A display name: no directories, no control or reserved characters, the detected extension."""
    base = unicodedata.normalize("NFC", given.replace("\\", "/").rsplit("/", 1)[-1])
    stem = _UNSAFE.sub("", base.rsplit(".", 1)[0] if "." in base else base).strip(" .")
    stem = stem[: MAX_NAME - len(extension) - 1] or "附件"
    return f"{stem}.{extension}"
