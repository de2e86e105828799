"""Decoding a file's bytes: UTF-8 (with or without BOM), UTF-16 and Windows-1252, and the bytes a store cannot hold.

``files`` reads a file and hands its bytes here; nothing here opens a file.
"""

from __future__ import annotations

import codecs
import contextlib
import re

import pandas as pd

from mentorkit.errors import InputFileError

NOT_TEXT = "is not a CSV or XLSX file (binary content); save it from your spreadsheet as CSV UTF-8 or XLSX"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _utf16_order(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the bytes look like UTF-16 text (a BOM, or NULs at every other byte)."""
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16"
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    head = data[:512]
    if len(head) >= 4:
        odd, even = head[1::2], head[0::2]
        if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.2 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.8 * len(even) and odd.count(0) < 0.2 * len(odd):
            return "utf-16-be"
    return None


def decode_text(data: bytes) -> str:
    """Bytes of a CSV file as text: UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or
    Windows-1252; one clear error for anything else."""
    utf16 = _utf16_order(data)
    text: str | None = None
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            text = None
    if text is None and _is_binary(data[:4096].decode("latin-1")):
        raise InputFileError(NOT_TEXT)
    if text is None:
        with contextlib.suppress(UnicodeDecodeError):
            text = data.decode("utf-8-sig")
    if text is None:
        text = _utf8_with_stray_bytes(data)
    if text is None:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise InputFileError(
                "is not text in UTF-8, UTF-16 or Windows-1252; save it from your spreadsheet as CSV UTF-8 or XLSX"
            ) from None
    text = text.lstrip("\ufeff")
    if _is_binary(text[:4096]):
        raise InputFileError(NOT_TEXT)
    return text


def _is_binary(head: str) -> bool:
    """Control characters in the first line, or more than a few in the first 4 KB (a NUL in a later
    row is that row's problem: it is quarantined)."""
    return bool(_CONTROL_CHARS.search(head.split("\n", 1)[0])) or len(_CONTROL_CHARS.findall(head)) > 4


# a valid UTF-8 sequence of two to four bytes (RFC 3629: no overlong forms, no surrogates)
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# a byte that is not valid UTF-8 reads as this private-use character plus its value (0x80–0xFF), so
# that the rows holding one can be quarantined and the quarantine file can show the byte
STRAY_BASE = 0x10FF00
_STRAY = re.compile(f"[{chr(STRAY_BASE + 0x80)}-{chr(STRAY_BASE + 0xFF)}]")
UNSTORABLE = re.compile(f"[\\x00{chr(STRAY_BASE + 0x80)}-{chr(STRAY_BASE + 0xFF)}]")  # NUL or a stray byte


def _stray_bytes(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    return "".join(chr(STRAY_BASE + b) for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error("mentorkit-stray", _stray_bytes)


def _utf8_with_stray_bytes(data: bytes) -> str | None:
    """UTF-8 text with some bytes that are not UTF-8 (a file pasted together from two encodings),
    each stray byte marked; ``None`` for a Windows-1252 file (its stray bytes outnumber its valid
    UTF-8 multi-byte sequences, which in Windows-1252 text are rare coincidences)."""
    sequences = len(_UTF8_SEQUENCE.findall(data))
    if not sequences:
        return None
    text = data.decode("utf-8", errors="mentorkit-stray").removeprefix("\ufeff")
    return text if sequences >= len(_STRAY.findall(text)) else None


def show_match(found: re.Match[str]) -> str:
    """A NUL or stray byte matched by ``UNSTORABLE``, written as ``\\x00`` / ``\\xe9``."""
    code = ord(found.group())
    return f"\\x{code - STRAY_BASE if code >= STRAY_BASE else code:02x}"


def show_bytes(text: str) -> str:
    """Text with its NUL characters and stray bytes written as ``\\x00`` / ``\\xe9``."""
    return UNSTORABLE.sub(show_match, text)


def byte_problems(*frames: pd.DataFrame) -> pd.Series:
    """Per row, why the store cannot hold it as read: a cell with a NUL or with bytes that are not
    valid UTF-8, naming the first such column (of the first frame that has one); missing elsewhere.

    The same rule on SQLite and PostgreSQL (which cannot store a NUL in text).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    index = frames[0].index
    reasons = pd.Series(pd.NA, index=index, dtype="string")
    for frame in frames:
        for pos, column in enumerate(frame.columns):
            values = frame.iloc[:, pos]
            if not (isinstance(values.dtype, pd.StringDtype) or values.dtype == object):
                continue
            cells = pa.array(values.astype("string"), type=pa.large_string())
            stray_cells = pc.match_substring_regex(cells, _STRAY.pattern)
            nul_cells = pc.match_substring(cells, "\x00")
            if not (pc.any(stray_cells).as_py() or pc.any(nul_cells).as_py()):
                continue
            stray = pd.Series(stray_cells.fill_null(False).to_numpy(zero_copy_only=False), index=index)
            nul = pd.Series(nul_cells.fill_null(False).to_numpy(zero_copy_only=False), index=index)
            name = show_bytes(str(column))
            why = pd.Series(pd.NA, index=index, dtype="string")
            why[nul] = f"{name}: a NUL character (\\x00 in the quarantine file); remove it and import the row again"
            why[stray] = (
                f"{name}: bytes that are not UTF-8 (\\xNN in the quarantine file); "
                "save the file as CSV UTF-8 and import the row again"
            )
            reasons = reasons.fillna(why)
    return reasons
