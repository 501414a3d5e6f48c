"""Client settings: explicit arguments first, then ``WALT_*`` environment variables, then defaults.

=====================  ============================================================
variable               meaning
=====================  ============================================================
``WALT_BACKEND``       ``auto`` (default), ``inprocess``, ``redis``, ``remote`` or a plugin
``WALT_REDIS_URL``     the Redis of the queue backend (``redis://``, ``rediss://``)
``WALT_QUEUE``         queue name, so several applications share one Redis (``walt``)
``WALT_REMOTE_URL``    base URL of a ``walt serve`` service
``WALT_REMOTE_TOKEN``  bearer token for that service
``WALT_ALLOW_PRIVATE`` ``1`` to allow private and loopback addresses
``WALT_ALLOW_HOSTS``   comma-separated hosts, host:port pairs or CIDRs to allow
``WALT_BROWSER_PATH``  the Chromium executable to use
``WALT_TOOLS_DIR``     directory of the tool store (tools executed by name)
=====================  ============================================================
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from walt.core.errors import ValidationError

__all__ = ["Settings"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _env_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValidationError(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}")


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@attrs.frozen(kw_only=True)
class Settings:
    backend: str = "auto"
    redis_url: str | None = attrs.field(default=None, repr=False)
    remote_url: str | None = None
    remote_token: str | None = attrs.field(default=None, repr=False)
    queue: str = "walt"
    allow_private: bool = False
    allow_hosts: tuple[str, ...] = ()
    browser_path: str | None = None
    tools_dir: str | None = None

    @classmethod
    def resolve(cls, environ: Mapping[str, str] | None = None, **given: Any) -> Settings:
        """Settings from ``given`` (``None`` = not given), then ``environ``, then defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in attrs.fields(cls):
            name = field.name
            explicit = given.get(name)
            if explicit is not None:
                if name == "allow_hosts":
                    explicit = (
                        _split(explicit)
                        if isinstance(explicit, str)
                        else tuple(_iter_str(explicit))
                    )
                values[name] = explicit
                continue
            raw = env.get(f"WALT_{name.upper()}")
            if raw is None or raw == "":
                continue
            if name == "allow_private":
                values[name] = _env_bool("WALT_ALLOW_PRIVATE", raw)
            elif name == "allow_hosts":
                values[name] = _split(raw)
            else:
                values[name] = raw.strip()
        unknown = set(given) - {f.name for f in attrs.fields(cls)}
        if unknown:
            raise ValidationError(f"unknown settings: {', '.join(sorted(unknown))}")
        return cls(**values)


def _iter_str(values: Iterable[Any]) -> Iterable[str]:
    for value in values:
        if not isinstance(value, str):
            raise ValidationError(f"allow_hosts entries must be strings, got {value!r}")
        yield value
