"""Response bodies decoded a piece at a time, never past a byte limit.

``Content-Encoding`` may list several codings (``gzip, gzip``), applied in order, so
they are undone in reverse (RFC 9110 §8.4). A few kilobytes of stacked gzip can hold a
gigabyte: every stage is fed the previous stage's output in bounded steps
(``zlib``'s ``max_length`` and ``unconsumed_tail``), and decoding stops as soon as the
decoded body passes the limit, so memory stays within a few times the limit whatever
the input. Codings walt does not ask for (it sends ``Accept-Encoding: gzip, deflate``)
are an error, not a body.
"""

from __future__ import annotations

import zlib
from typing import Final, Protocol

from walt.core.errors import ExecutionError

__all__ = ["ACCEPT_ENCODING", "BoundedDecoder", "UnsupportedEncodingError"]

ACCEPT_ENCODING: Final = "gzip, deflate"
_STEP: Final = 64 * 1024


class UnsupportedEncodingError(ExecutionError):
    """The response uses a content coding walt cannot undo."""

    code = "unsupported_encoding"


class _Stage(Protocol):
    def feed(self, data: bytes, limit: int) -> bytes: ...


class _Zlib:
    """gzip (``wbits`` 16+15), zlib-wrapped deflate (15) or raw deflate (-15), which
    servers also send as "deflate": the first bytes tell which."""

    def __init__(self, gzip: bool) -> None:
        self.gzip = gzip
        self.inner: zlib._Decompress | None = (
            zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
        )
        self.tail = b""

    def feed(self, data: bytes, limit: int) -> bytes:
        if self.inner is None:
            raw = (data[:1][0] & 0x0F) != 8 if data else False
            self.inner = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        out: list[bytes] = []
        size = 0
        pending = self.tail + data
        while pending and size <= limit:
            try:
                piece = self.inner.decompress(pending, min(_STEP, limit + 1 - size))
            except zlib.error as exc:
                raise ExecutionError(f"the response body is not valid {self._name}: {exc}") from exc
            out.append(piece)
            size += len(piece)
            pending = self.inner.unconsumed_tail
            if self.inner.eof:
                rest = self.inner.unused_data
                if self.gzip and rest:
                    # Concatenated gzip members make one body (RFC 1952 §2.2).
                    self.inner = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    pending = rest
                    continue
                pending = b""
            elif not piece:
                break
        self.tail = pending
        return b"".join(out)

    @property
    def _name(self) -> str:
        return "gzip" if self.gzip else "deflate"


class _Identity:
    def feed(self, data: bytes, limit: int) -> bytes:
        return data


def _stage(coding: str) -> _Stage:
    if coding in ("gzip", "x-gzip"):
        return _Zlib(gzip=True)
    if coding == "deflate":
        return _Zlib(gzip=False)
    if coding in ("identity", ""):
        return _Identity()
    raise UnsupportedEncodingError(
        f"the response uses the content coding {coding!r}, which walt does not decode",
        details={"coding": coding},
    )


class BoundedDecoder:
    """Undo ``content_encoding`` (a header value) on chunks of raw body; :meth:`feed`
    returns the decoded bytes so far, never more than ``limit`` + 1 in total, and
    :attr:`over` says the limit was passed (the rest of the body is not worth reading)."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        self.stages = [_stage(c) for c in reversed(codings)]
        self.limit = limit
        self.size = 0

    @property
    def over(self) -> bool:
        return self.size > self.limit

    def finish(self) -> bytes:
        """What the stages still hold once the raw body has ended."""
        out: list[bytes] = []
        while not self.over and any(getattr(s, "tail", b"") for s in self.stages):
            piece = self.feed(b"")
            out.append(piece)
            if not piece and not any(getattr(s, "tail", b"") for s in self.stages[:-1]):
                break
        return b"".join(out)

    def feed(self, raw: bytes) -> bytes:
        data = raw
        for stage in self.stages:
            # Intermediate stages are bounded too: their output is the next one's input.
            data = stage.feed(data, self.limit + 1)
        data = data[: self.limit + 1 - self.size]
        self.size += len(data)
        return data
