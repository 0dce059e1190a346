"""Reading, decoding and atomically writing source files without losing a byte of their shape."""

from __future__ import annotations

import codecs
import contextlib
import errno
import hashlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

# PEP 263: the cookie must be on line 1 or 2, in a comment.
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")


# Python and LibCST end a line at \n, \r\n or \r only; str.splitlines() also splits at form
# feeds, \x1c-\x1e, \x85 and \u2028/\u2029, which would shift every later row.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """The lines of `text` as Python numbers them (like str.splitlines, minus its extra breaks)."""
    lines = _LINE.findall(text)
    if keepends:
        return lines
    return [line.rstrip("\r\n") for line in lines]


class SourceError(Exception):
    """A file that cannot be turned into text; becomes an FPI001 finding."""

    def __init__(self, message: str, row: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


@dataclass(frozen=True)
class SourceText:
    """Decoded text plus everything needed to write it back in the same shape."""

    text: str
    encoding: str
    bom: bool
    digest: str

    def encode(self, text: str) -> bytes:
        data = text.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def text_digest(text: str) -> str:
    """content_digest of text that may hold lone surrogates (an editor buffer, a path decoded
    with surrogateescape), which strict UTF-8 cannot encode."""
    return content_digest(text.encode("utf-8", "surrogatepass"))


def detect_encoding(data: bytes) -> tuple[str, bool]:
    """Returns (encoding, has_bom) following PEP 263 and PEP 3120."""
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    lines = data.split(b"\n", 2)
    for index, line in enumerate(lines[:2]):
        match = _COOKIE.match(line)
        if match:
            name = match.group(1).decode("ascii", "replace")
            try:
                encoding = codecs.lookup(name).name
            except LookupError:
                raise SourceError(
                    f"unknown encoding {name!r} in coding cookie", index + 1
                ) from None
            if bom and encoding != "utf-8":
                raise SourceError(
                    f"encoding cookie {name!r} conflicts with the UTF-8 BOM", index + 1
                )
            return encoding, bom
        if not _BLANK_OR_COMMENT.match(line):
            break
    return "utf-8", bom


def decode_source(data: bytes) -> SourceText:
    """Decodes bytes as Python would, or raises SourceError with the position of the problem."""
    digest = content_digest(data)
    nul = data.find(b"\x00")
    if nul != -1:
        row = data.count(b"\n", 0, nul) + 1
        column = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        raise SourceError("source contains a NUL byte", row, column)
    encoding, bom = detect_encoding(data)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        row = body.count(b"\n", 0, exc.start) + 1
        column = exc.start - (body.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(
            f"cannot decode as {encoding}: byte 0x{body[exc.start]:02x} at offset {exc.start}",
            row,
            column,
        ) from None
    return SourceText(text=text, encoding=encoding, bom=bom, digest=digest)


def read_source(path: Path) -> tuple[bytes, SourceText]:
    try:
        data = path.read_bytes()
    except PermissionError:
        raise SourceError("permission denied: the file cannot be read") from None
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror or exc}") from None
    return data, decode_source(data)


def write_source(path: Path, data: bytes) -> None:
    """Replaces a file's content with `data`, as a user expects of `--fix`.

    - A symlink is followed: its target changes, the link stays a link.
    - A file the user may not write raises `SourceError` and is left untouched, even in a
      folder the user may write (a rename there would replace a read-only file).
    - Otherwise the content goes to a temporary file in the same folder, given the file's
      owner, group and mode, and is renamed over it: atomic, a crash leaves the old or the new
      file, never half of one. Where a replacement cannot keep what the file is (it has several
      hard links, it belongs to another user, no temporary file can be made beside it), the
      file is rewritten in place instead, as ruff and black always do: same inode, owner,
      group and mode, and every name of a hard-linked file sees the fix.

    Any other failure raises `SourceError` too, with the file's old content in place."""
    target = Path(os.path.realpath(path))
    try:
        st = target.stat()
        if not os.access(target, os.W_OK):
            raise PermissionError(errno.EACCES, "not writable")
        if st.st_nlink > 1 or not _replace(target, data, st):
            _rewrite_in_place(target, data)
    except OSError as exc:
        reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror
        raise SourceError(
            f"cannot write the fixes: {reason or exc}; the file was left unchanged"
        ) from None


def _replace(target: Path, data: bytes, st: os.stat_result) -> bool:
    """Atomic replacement keeping owner, group and mode; False where that cannot be done."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".fpi-tmp", dir=target.parent)
    except PermissionError:
        return False  # the folder is not writable (the file is)
    try:
        with os.fdopen(fd, "wb") as handle:
            own = os.fstat(handle.fileno())
            if (own.st_uid, own.st_gid) != (st.st_uid, st.st_gid):
                try:
                    os.fchown(handle.fileno(), st.st_uid, st.st_gid)
                except (PermissionError, AttributeError):  # not ours to give away; no fchown
                    handle.close()
                    os.unlink(tmp)
                    return False
            # After the chown, which clears the set-user/group-ID bits.
            os.fchmod(handle.fileno(), stat.S_IMODE(st.st_mode))
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True


def _rewrite_in_place(target: Path, data: bytes) -> None:
    """Overwrites the file itself (not atomic); on a failure, puts its old bytes back."""
    with open(target, "r+b") as handle:
        old = handle.read()
        try:
            handle.seek(0)
            handle.write(data)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
        except OSError:
            with contextlib.suppress(OSError):
                handle.seek(0)
                handle.write(old)
                handle.truncate()
                handle.flush()
            raise
