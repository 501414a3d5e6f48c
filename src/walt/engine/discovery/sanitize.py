"""What an ``input`` element submits when nobody touched it. Pure.

A control's value starts as its ``value`` attribute, but the HTML standard runs its
type's *value sanitization algorithm* over it first: a number field whose markup says
``value="abc"`` submits an empty string, a range without a value submits the middle of
its range, a colour submits ``#000000``. A form tool that takes the markup's value as
its default would send what no browser sends, or refuse its own default (an integer
input defaulting to ``"abc"``). :func:`sanitized_value` applies the algorithms of the
standard's input types (section "The input element", per type) to a value attribute.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Final

__all__ = ["sanitized_value"]

_NEWLINES: Final = re.compile(r"[\r\n]")
_ASCII_WHITESPACE: Final = " \t\n\f\r"
# "Valid floating-point number": optional minus, digits with an optional fraction (or a
# fraction alone), optional exponent; no plus sign, no leading or trailing space.
_FLOAT: Final = re.compile(r"-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_COLOR: Final = re.compile(r"#[0-9a-fA-F]{6}")
# The standard's digits are ASCII digits (re.ASCII: "\d" would take any script's).
_MONTH: Final = re.compile(r"(\d{4,})-(\d{2})", re.ASCII)
_WEEK: Final = re.compile(r"(\d{4,})-W(\d{2})", re.ASCII)
_TIME: Final = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?", re.ASCII)
_DATE: Final = re.compile(r"(\d{4,})-(\d{2})-(\d{2})", re.ASCII)
_DATETIME: Final = re.compile(
    r"(\d{4,}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)", re.ASCII
)


def sanitized_value(
    input_type: str,
    value: str | None,
    minimum: str | None = None,
    maximum: str | None = None,
    step: str | None = None,
    *,
    multiple: bool = False,
) -> str | None:
    """The value an ``<input type=input_type>`` submits when its ``value`` attribute is
    ``value`` (None: no attribute) and nobody changed it; None when the markup gives no
    value and the type has no default of its own. ``minimum``, ``maximum`` and ``step``
    are the ``min``, ``max`` and ``step`` attributes (a range's value lies on its steps
    between them); ``multiple`` is the attribute of an email field that takes several."""
    kind = input_type.strip().lower()
    if kind == "range":
        return _range_value(value, minimum, maximum, step)
    if kind == "color":
        return value.lower() if value is not None and _COLOR.fullmatch(value) else "#000000"
    if value is None:
        return None
    if kind in ("text", "search", "tel", "password", "hidden"):
        return value if kind == "hidden" else _NEWLINES.sub("", value)
    if kind == "email" and multiple:
        return ",".join(token.strip(_ASCII_WHITESPACE) for token in value.split(","))
    if kind in ("url", "email"):
        return _NEWLINES.sub("", value).strip(_ASCII_WHITESPACE)
    if kind == "number":
        return value if _is_float(value) else ""
    if kind == "date":
        return value if _is_date(value) else ""
    if kind == "month":
        return value if _is_month(value) else ""
    if kind == "week":
        return value if _is_week(value) else ""
    if kind == "time":
        return value if _is_time(value) else ""
    if kind == "datetime-local":
        return _local_datetime(value)
    return value


def _is_float(value: str) -> bool:
    return _FLOAT.fullmatch(value) is not None and math.isfinite(float(value))


def _range_value(
    value: str | None, minimum: str | None, maximum: str | None, step: str | None
) -> str:
    """The standard's range: min defaults to 0, max to 100 (and never below min); a value
    that is no valid number becomes the middle; then the value is clamped to the range
    and moved to the nearest step (the greater of two) counted from the step base: min
    when given, else the value attribute, else 0. A step that is no positive number is
    1; ``any`` has no steps."""
    low = _number(minimum, 0.0)
    high = max(_number(maximum, 100.0), low)
    number = _number(value, low + (high - low) / 2)
    number = min(max(number, low), high)
    size = _step_size(step)
    if size is not None:
        base = _number(minimum, _number(value, 0.0))
        number = base + math.floor((number - base) / size + 0.5) * size
        if number > high:
            number -= size
        if number < low:
            number += size
    return _number_text(round(number, 10))  # no binary noise from the step (0.1 * 3)


def _step_size(step: str | None) -> float | None:
    if step is not None and step.lower() == "any":
        return None
    size = _number(step, 1.0)
    return size if size > 0 else 1.0


def _number(text: str | None, fallback: float) -> float:
    return float(text) if text is not None and _is_float(text) else fallback


def _number_text(number: float) -> str:
    """The shortest form of a number, as the standard's "best representation" gives it."""
    return str(int(number)) if number.is_integer() else repr(number)


def _calendar_year(year: int) -> int:
    """A year Python's calendar holds with the same leap rule and weekdays as ``year``:
    the Gregorian calendar repeats every 400 years, and the standard allows any year
    above 0, Python's dates only up to 9999."""
    return year if year <= dt.MAXYEAR else 2000 + year % 400


def _is_date(value: str) -> bool:
    match = _DATE.fullmatch(value)
    if match is None:
        return False
    year, month, day = (int(g) for g in match.groups())
    if year <= 0:
        return False
    try:
        dt.date(_calendar_year(year), month, day)
    except ValueError:
        return False
    return True


def _is_month(value: str) -> bool:
    match = _MONTH.fullmatch(value)
    return match is not None and int(match.group(1)) > 0 and 1 <= int(match.group(2)) <= 12


def _is_week(value: str) -> bool:
    match = _WEEK.fullmatch(value)
    if match is None or int(match.group(1)) <= 0:
        return False
    year, week = _calendar_year(int(match.group(1))), int(match.group(2))
    # A year has 53 weeks when its 28 December falls in week 53 (ISO 8601).
    weeks = dt.date(year, 12, 28).isocalendar()[1]
    return 1 <= week <= weeks


def _is_time(value: str) -> bool:
    match = _TIME.fullmatch(value)
    if match is None:
        return False
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    return hour <= 23 and minute <= 59 and second <= 59


def _local_datetime(value: str) -> str:
    """A valid local date and time, normalized (``T`` separator, seconds only when not
    zero), else the empty string."""
    match = _DATETIME.fullmatch(value)
    if match is None or not _is_date(match.group(1)) or not _is_time(match.group(2)):
        return ""
    date, time = match.groups()
    parts = time.split(":")
    if len(parts) == 3 and float(parts[2]) == 0:
        time = ":".join(parts[:2])
    return f"{date}T{time}"
