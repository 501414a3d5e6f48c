"""Shared test fixtures and the network guard.

The guard makes every test unable to reach anything but loopback: a socket
connecting elsewhere, or a DNS lookup of a name other than localhost, raises
at once. Browser and Redis tests run their servers on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


class NetworkBlockedError(RuntimeError):
    """A test tried to leave the machine."""


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback_host(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _check_address(sock: socket.socket, address: Any) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) else address
    if not _is_loopback_host(host):
        raise NetworkBlockedError(f"tests may only connect to loopback, not {address!r}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host is not None and not _is_loopback_host(host):
        raise NetworkBlockedError(f"tests may not resolve {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--chaos-full",
        action="store_true",
        help="run the queue's chaos test at full size (500 jobs) instead of the reduced one",
    )


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo


def _corpus_candidates() -> list[Path]:
    env = os.environ.get("WALT_SFR_CORPUS")
    out = [Path(env)] if env else []
    out += [ROOT.parent / "shared" / "sfr-walt-tools", Path("/work/shared/sfr-walt-tools")]
    return out


@pytest.fixture(scope="session")
def sfr_corpus() -> Path:
    """The published sfr-walt tools (read in place, never copied into the project)."""
    for candidate in _corpus_candidates():
        if (candidate / "README.md").is_file():
            return candidate
    pytest.fail(
        "the sfr-walt corpus was not found (looked in "
        + ", ".join(str(c) for c in _corpus_candidates())
        + "); set WALT_SFR_CORPUS"
    )
