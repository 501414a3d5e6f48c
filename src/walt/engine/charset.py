"""A page's character encoding, found as a browser finds it (HTML standard, "Determining the
character encoding"): a byte order mark, then the ``charset`` of the Content-Type header,
then a ``<meta>`` in the first 1,024 bytes, else UTF-8. Labels are read as the WHATWG
Encoding standard reads them (``latin1`` and ``iso-8859-1`` mean windows-1252).
"""

from __future__ import annotations

import codecs
import re
from typing import Final

__all__ = ["encoding_label", "encoding_name", "sniff_encoding"]

_BOMS: Final = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16le"), (b"\xfe\xff", "utf-16be"))
# Labels the Encoding standard maps to another encoding than Python's codec of that name.
_WHATWG: Final = {
    **dict.fromkeys(
        "ascii us-ascii iso-8859-1 iso8859-1 iso_8859-1 latin1 latin-1 l1 cp819 ibm819 "
        "iso-ir-100 csisolatin1 x-cp1252 windows-1252 cp1252".split(),
        "windows-1252",
    ),
    **dict.fromkeys(
        "gb2312 gb_2312 gb_2312-80 chinese csgb2312 iso-ir-58 x-gbk gbk".split(), "gbk"
    ),
    **dict.fromkeys("iso-8859-9 iso8859-9 latin5 l5 windows-1254".split(), "windows-1254"),
    **dict.fromkeys("tis-620 iso-8859-11 windows-874".split(), "windows-874"),
}
_META: Final = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.IGNORECASE
)
_HEADER_CHARSET: Final = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_:.+-]+)""", re.IGNORECASE)


def encoding_label(label: str | None) -> str | None:
    """The encoding a label names (WHATWG names where they differ), or None if unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _WHATWG:
        return _WHATWG[name]
    if name in ("utf-16", "utf-16le", "utf-16be") or "utf-8" in name or name == "utf8":
        return "utf-8"  # a form never submits in UTF-16; neither does a meta that says so
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


_STANDARD_NAMES: Final = {
    "utf_8": "UTF-8",
    "cp866": "IBM866",
    "koi8_r": "KOI8-R",
    "koi8_u": "KOI8-U",
    "mac_roman": "macintosh",
    "mac_cyrillic": "x-mac-cyrillic",
    "gbk": "GBK",
    "gb2312": "GBK",
    "gb18030": "gb18030",
    "big5": "Big5",
    "big5hkscs": "Big5",
    "euc_jp": "EUC-JP",
    "iso2022_jp": "ISO-2022-JP",
    "shift_jis": "Shift_JIS",
    "cp932": "Shift_JIS",
    "euc_kr": "EUC-KR",
    "cp949": "EUC-KR",
    "utf_16_be": "UTF-16BE",
    "utf_16_le": "UTF-16LE",
}
_ISO_8859: Final = re.compile(r"iso8859[-_](\d+)")
_WINDOWS: Final = re.compile(r"cp(874|125\d)")


def encoding_name(encoding: str) -> str:
    """The Encoding Standard's name of ``encoding`` (a label or a codec name, as
    :func:`encoding_label` returns): ``UTF-8``, ``windows-1252``, ``ISO-8859-2``,
    ``Shift_JIS``... what a form's ``_charset_`` field submits. An encoding the standard
    does not name keeps the name it was given."""
    try:
        codec = codecs.lookup(encoding).name.replace("-", "_")
    except LookupError:
        return encoding
    if codec in _STANDARD_NAMES:
        return _STANDARD_NAMES[codec]
    if (iso := _ISO_8859.fullmatch(codec)) is not None:
        return f"ISO-8859-{iso.group(1)}"
    if (windows := _WINDOWS.fullmatch(codec)) is not None:
        return f"windows-{windows.group(1)}"
    return encoding


def sniff_encoding(content_type: str, body: bytes) -> str:
    """The encoding to decode ``body`` with (see the module docstring)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    header = _HEADER_CHARSET.search(content_type or "")
    if header is not None:
        found = encoding_label(header.group(1))
        if found is not None:
            return found
    meta = _META.search(body[:1024])
    if meta is not None:
        found = encoding_label(meta.group(1).decode("ascii", "replace"))
        if found is not None:
            return found
    return "utf-8"
