"""Backends: where walt's work runs (in-process, a Redis queue, a remote service, plugins)."""

from walt.backends.base import Backend, BackendConfig
from walt.backends.mock import MockBackend
from walt.backends.registry import available_backends, create_backend, load_backend_factory

__all__ = [
    "Backend",
    "BackendConfig",
    "MockBackend",
    "available_backends",
    "create_backend",
    "load_backend_factory",
]
