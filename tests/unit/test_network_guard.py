import socket

import pytest

from tests.conftest import NetworkBlockedError


def test_unit_tests_cannot_reach_public_addresses() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkBlockedError):
            sock.connect(("93.184.215.14", 80))
    finally:
        sock.close()


def test_unit_tests_cannot_resolve_public_names() -> None:
    with pytest.raises(NetworkBlockedError):
        socket.getaddrinfo("example.com", 80)


def test_loopback_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket()
    try:
        client.connect(server.getsockname())
    finally:
        client.close()
        server.close()
