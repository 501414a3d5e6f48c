"""A page's character encoding, found as a browser finds it (HTML standard, "Determining the
character encoding"): a byte order mark, then the ``charset`` of the Content-Type header,
then a ``<meta>`` in the first 1,024 bytes, else UTF-8. Labels are read as the WHATWG
Encoding standard reads them (``latin1`` and ``iso-8859-1`` mean windows-1252).
"""

from __future__ import annotations

import codecs
import re
from typing import Final

__all__ = ["encoding_label", "sniff_encoding"]

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
