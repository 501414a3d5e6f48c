"""Finding backends by name: built-ins by dotted path (imported lazily), plugins by entry point.

A third-party package registers a backend in its ``pyproject.toml``::

    [project.entry-points."walt.backends"]
    mybackend = "mypackage.backend:MyBackend"

and ``UnifiedClient(backend="mybackend")`` uses it. The object named there is
called with a :class:`~walt.backends.base.BackendConfig` (or, if it has one,
its ``from_config`` classmethod is).
"""

from __future__ import annotations

import difflib
import importlib
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from walt.backends.base import Backend, BackendConfig
from walt.core.errors import BackendUnavailableError, ValidationError
from walt.core.logging import get_logger

__all__ = [
    "BUILTIN_BACKENDS",
    "ENTRY_POINT_GROUP",
    "available_backends",
    "create_backend",
    "load_backend_factory",
]

log = get_logger(__name__)

ENTRY_POINT_GROUP = "walt.backends"
BUILTIN_BACKENDS: dict[str, str] = {
    "inprocess": "walt.backends.inprocess:InProcessBackend",
    "redis": "walt.backends.redis.queue:RedisQueueBackend",
    "remote": "walt.backends.remote:RemoteBackend",
}
_EXTRAS = {"redis": "redis", "remote": "", "inprocess": ""}


def _plugins() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_backends() -> list[str]:
    """Names usable as ``backend=``: the built-ins, then installed plugins."""
    return [*BUILTIN_BACKENDS, *sorted(n for n in _plugins() if n not in BUILTIN_BACKENDS)]


def _import_dotted(path: str) -> Any:
    module_name, _, attr = path.partition(":")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def load_backend_factory(name: str) -> Any:
    """The class or factory registered under ``name``; a typo gets a suggestion."""
    if name in BUILTIN_BACKENDS:
        try:
            return _import_dotted(BUILTIN_BACKENDS[name])
        except ImportError as exc:
            extra = _EXTRAS.get(name)
            hint = f" (pip install 'walt-tools[{extra}]')" if extra else ""
            raise BackendUnavailableError(
                f"backend {name!r} cannot be imported: {exc}{hint}",
                details={"backend": name},
                retryable=False,
            ) from exc
    plugins = _plugins()
    if name in plugins:
        try:
            return plugins[name].load()
        except Exception as exc:
            raise BackendUnavailableError(
                f"backend plugin {name!r} failed to load: {exc}",
                details={"backend": name, "entry_point": plugins[name].value},
                retryable=False,
            ) from exc
    known = [*available_backends(), "auto"]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValidationError(
        f"unknown backend {name!r} (available: {', '.join(known)}){hint}",
        details={"backend": name, "available": known},
    )


def create_backend(name: str, config: BackendConfig) -> Backend:
    """Instantiate the backend called ``name`` with ``config``."""
    factory = load_backend_factory(name)
    maker = getattr(factory, "from_config", None)
    backend = maker(config) if callable(maker) else factory(config)
    if not isinstance(backend, Backend):
        raise ValidationError(
            f"backend {name!r} does not implement the Backend protocol "
            "(discover, generate, execute, health, aclose and a name)",
            details={"backend": name},
        )
    log.debug("created backend %s", name)
    return backend
