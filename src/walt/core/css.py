"""CSS escaping, as the browser does it (CSSOM, "Serializing identifiers and strings").

Every CSS selector walt writes goes through these two functions, so a value
with quotes, backslashes, control characters or non-ASCII text selects the same
element in Chromium as it names in the page.

* :func:`css_string` is CSSOM's "serialize a string": the value in double
  quotes, with ``"`` and ``\\`` escaped and control characters written as code
  points; everything else (non-ASCII included) is kept as it is.
* :func:`css_ident` is ``CSS.escape()`` ("serialize an identifier").
"""

from __future__ import annotations

__all__ = ["css_ident", "css_string"]

_REPLACEMENT = "\ufffd"


def _code_point(char: str) -> str:
    return f"\\{ord(char):x} "


def _is_control(char: str) -> bool:
    return "\x01" <= char <= "\x1f" or char == "\x7f"


def css_string(value: str) -> str:
    """``value`` as a quoted CSS string: ``café"x`` -> ``"café\\"x"``."""
    out = ['"']
    for char in value:
        if char == "\x00":
            out.append(_REPLACEMENT)
        elif _is_control(char):
            out.append(_code_point(char))
        elif char in ('"', "\\"):
            out.append("\\" + char)
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def css_ident(value: str) -> str:
    """``value`` escaped as a CSS identifier, exactly as ``CSS.escape(value)`` does."""
    out: list[str] = []
    for index, char in enumerate(value):
        if char == "\x00":
            out.append(_REPLACEMENT)
        elif (
            _is_control(char)
            or (index == 0 and char.isascii() and char.isdigit())
            or (index == 1 and char.isascii() and char.isdigit() and value[0] == "-")
        ):
            out.append(_code_point(char))
        elif index == 0 and char == "-" and len(value) == 1:
            out.append("\\-")
        elif ord(char) >= 0x80 or char in "-_" or (char.isascii() and char.isalnum()):
            out.append(char)
        else:
            out.append("\\" + char)
    return "".join(out)
