"""Pure rules of the Redis queue protocol."""

from __future__ import annotations

from walt.backends.redis.protocol import is_transient, reconnect_pause


def test_reconnect_pauses_are_jittered_and_bounded() -> None:
    for failures in (0, 1, 3, 10, 1000):
        pauses = [reconnect_pause(failures, cap=5.0) for _ in range(200)]
        assert all(0.05 <= p <= 5.0 for p in pauses)
        assert max(pauses) <= max(0.05, min(5.0, 0.1 * 2**failures))
    # Readers that lost Redis together spread out instead of returning together.
    late = [reconnect_pause(8) for _ in range(200)]
    assert len({round(p, 3) for p in late}) > 100
    assert min(late) < 0.5 < max(late)


def test_transient_failures_are_connection_level() -> None:
    assert is_transient(ConnectionRefusedError(111, "refused"))
    assert is_transient(TimeoutError())
    assert is_transient(RuntimeError("LOADING Redis is loading the dataset in memory"))
    assert not is_transient(ValueError("bad job"))
