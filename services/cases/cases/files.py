"""Attachment files: names, content types and a content-addressed store under ``DATA_DIR/attachments``.

The bytes are streamed to a temporary file while they are hashed and counted, then moved
to ``<root>/<sha[:2]>/<sha[2:4]>/<sha>``: the same file uploaded twice is kept once, and
a file never changes once stored.  Types are sniffed from the bytes, never taken from
the client; anything that could run in a browser is served as ``application/octet-stream``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import puremagic

from servicekit import errors

from .i18n import _

OCTET_STREAM = "application/octet-stream"
CHUNK = 64 * 1024

# Types shown to the browser as what they are (still always as a download).
DISPLAYABLE_TYPES = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff", "application/pdf",
    "text/plain", "text/csv", "message/rfc822", "application/zip",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "audio/mpeg", "audio/wav", "video/mp4",
})

# Programs are refused outright: nobody should run a file from a case.
BLOCKED_EXTENSIONS = frozenset({
    ".exe", ".dll", ".com", ".bat", ".cmd", ".scr", ".pif", ".msi", ".msp", ".vbs", ".vbe", ".js", ".jse",
    ".wsf", ".wsh", ".ps1", ".psm1", ".hta", ".cpl", ".jar", ".lnk", ".reg", ".sh", ".app", ".apk",
})
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe",
                     b"\xce\xfa\xed\xfe", b"#!")
_MARKUP = re.compile(rb"^\s*(<\?xml|<!doctype|<html|<svg|<script|<head|<body|<iframe|<!--)", re.IGNORECASE)
_TEXT_EXTENSIONS = {".txt": "text/plain", ".log": "text/plain", ".csv": "text/csv", ".eml": "message/rfc822"}
_FORBIDDEN_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def safe_filename(name: str | None) -> str:
    """A file name safe to store and to send back: no path, no control or reserved characters, Danish kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _FORBIDDEN_IN_NAMES.sub("_", name).strip().lstrip(".").strip()
    stem, dot, extension = name.rpartition(".")
    keep_extension = dot and len(extension) <= 10
    name = f"{stem[: 200 - len(extension)].rstrip()}.{extension}" if keep_extension else name[:200]
    return name or "fil"


def extension_of(name: str) -> str:
    return Path(name).suffix.lower()


def sniff_content_type(head: bytes, filename: str) -> str:
    """The type the bytes show, limited to types that are safe to name; otherwise octet-stream."""
    if _MARKUP.match(head):
        return OCTET_STREAM
    detected = _detect(head)
    if detected and detected.startswith("application/vnd.openxmlformats") and extension_of(filename) == ".zip":
        detected = "application/zip"  # the magic table names a bare ZIP header after the Office formats
    if detected in DISPLAYABLE_TYPES:
        return detected
    if detected is None and _TEXT_EXTENSIONS.get(extension_of(filename)) and _is_utf8_text(head):
        return _TEXT_EXTENSIONS[extension_of(filename)]
    return OCTET_STREAM


def _detect(head: bytes) -> str | None:
    if not head:
        return None
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return None
    for match in matches:
        if match.mime_type:
            return match.mime_type
    return None


def _is_utf8_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # the head may end inside a multi-byte character
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return not any(ch in text for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08")


def check_allowed(head: bytes, filename: str) -> None:
    """Refuse programs, by name or by their first bytes (415)."""
    if extension_of(filename) in BLOCKED_EXTENSIONS or head.startswith(_EXECUTABLE_MAGIC):
        raise errors.UnsupportedMediaType(_("Programs and scripts cannot be attached to a case."))


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    head: bytes
    created: bool = False  # this save wrote the file (it was not stored before)
    mtime_ns: int = 0  # the file's modification time after this save


class AttachmentStore:
    def __init__(self, root: str | Path, max_bytes: int):
        self.root = Path(root)
        self.max_bytes = max_bytes

    def path_of(self, sha256: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def discard(self, stored: StoredFile) -> None:
        """Remove a file this store created, unless the same bytes were stored again since."""
        path = self.path_of(stored.sha256)
        try:
            if stored.created and path.stat().st_mtime_ns == stored.mtime_ns:
                path.unlink()
        except FileNotFoundError:
            pass

    def save_stream(self, stream: BinaryIO) -> StoredFile:
        return self.save_chunks(iter(lambda: stream.read(CHUNK), b""))

    def save_chunks(self, chunks: Iterable[bytes]) -> StoredFile:
        """Store the bytes; 413 past the limit (nothing is kept then)."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size, head = hashlib.sha256(), 0, b""
        fd, temp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise errors.PayloadTooLarge(
                            _("A file may be at most %(limit)s bytes.", limit=f"{self.max_bytes:,}".replace(",", "."))
                        )
                    if len(head) < 8192:
                        head += chunk[: 8192 - len(head)]
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            sha = digest.hexdigest()
            target = self.path_of(sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            created = not target.exists()
            if created:
                os.replace(temp_name, target)
            else:
                os.unlink(temp_name)
                os.utime(target)  # stored again: a failed first save of the same bytes must now leave it
            return StoredFile(sha256=sha, size=size, head=head, created=created, mtime_ns=target.stat().st_mtime_ns)
        except BaseException:
            if os.path.exists(temp_name):
                os.unlink(temp_name)
            raise
