"""The LLM protocol: how a host lends walt a language model.

walt never calls an LLM provider itself. Where a tool needs one (an ``agent``
step, an extraction with a goal, optional renaming of discovered tools), the
host passes ``llm=`` an object with a ``model`` name and an async ``complete``
method. Token usage it reports is priced by the cost meter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

import attrs

__all__ = ["LLM", "LLMMessage", "LLMResponse"]


@attrs.frozen
class LLMMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@attrs.frozen
class LLMResponse:
    """The model's text and the tokens it used (for pricing)."""

    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    model: str | None = None


@runtime_checkable
class LLM(Protocol):
    """Messages in, text and token usage out."""

    model: str

    async def complete(
        self, messages: Sequence[LLMMessage], *, max_tokens: int = 1024
    ) -> LLMResponse: ...
