"""SessionPool's bookkeeping (which session a job gets, which are reset or closed), with
fake sessions; tests/integration/test_session_reuse.py resets real contexts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from walt.core.urls import UrlPolicy
from walt.engine.browser import BrowserPool
from walt.engine.session import MAX_JOBS, MAX_READY, SessionPool


class FakeContext:
    def set_default_timeout(self, ms: float) -> None:
        self.timeout = ms

    def set_default_navigation_timeout(self, ms: float) -> None:
        self.navigation_timeout = ms


class FakeSession:
    def __init__(
        self, number: int, anonymous: bool, *, resets: bool = True, hangs: bool = False
    ) -> None:
        self.hangs = hangs
        self.number = number
        self.anonymous = anonymous
        self.jobs = 0
        self.context = FakeContext()
        self.resets_ok = resets
        self.resets = 0
        self.closed = False
        self.alive = True

    def usable(self) -> bool:
        return self.alive and not self.closed

    def resettable(self) -> bool:
        return self.anonymous and self.jobs < MAX_JOBS and self.usable()

    async def reset(self) -> None:
        await asyncio.sleep(60 if self.hangs else 0)
        if not self.resets_ok:
            raise RuntimeError("the page hangs")
        self.resets += 1

    async def close(self) -> None:
        self.closed = True


class FakePool(SessionPool):
    def __init__(self, *, reuse: bool = True) -> None:
        super().__init__(BrowserPool(), UrlPolicy(), reuse=reuse)
        self.opened: list[FakeSession] = []
        self.resets_ok = True
        self.hangs = False

    async def open(self, storage_state: dict[str, Any] | None = None) -> Any:
        session = FakeSession(
            len(self.opened), storage_state is None, resets=self.resets_ok, hangs=self.hangs
        )
        self.opened.append(session)
        return session


async def _job(pool: FakePool, auth: dict[str, Any] | None = None) -> Any:
    session = await pool.take(auth, timeout=5)
    pool.release(session)
    pool.refill()
    return session


async def test_a_reset_session_serves_the_next_anonymous_job() -> None:
    pool = FakePool()
    first = await _job(pool)
    second = await _job(pool)
    assert second is first and first.resets == 1 and first.jobs == 2
    assert len(pool.opened) == 1 and not first.closed
    assert first.context.timeout == 5000
    await pool.aclose()
    assert first.closed


async def test_a_session_with_auth_state_is_closed_never_reset() -> None:
    pool = FakePool()
    logged_in = await _job(pool, {"cookies": []})
    assert logged_in.closed is False  # closing happens in the background
    anonymous = await _job(pool)
    assert anonymous is not logged_in and not logged_in.anonymous
    assert logged_in.resets == 0
    await pool.aclose()
    assert logged_in.closed


async def test_a_job_with_auth_state_never_gets_a_ready_session() -> None:
    pool = FakePool()
    anonymous = await _job(pool)
    logged_in = await pool.take({"cookies": []}, timeout=5)
    assert logged_in is not anonymous
    pool.release(logged_in)
    await pool.aclose()


async def test_a_session_that_does_not_reset_is_closed_and_replaced() -> None:
    pool = FakePool()
    pool.resets_ok = False
    first = await _job(pool)
    second = await _job(pool)
    assert second is not first and first.closed
    await pool.aclose()


async def test_no_reuse_closes_every_session_and_opens_a_spare() -> None:
    pool = FakePool(reuse=False)
    first = await _job(pool)
    second = await _job(pool)
    assert second is not first and first.resets == 0
    await asyncio.sleep(0)
    assert first.closed and len(pool.opened) == 3  # the third is the next job's spare
    await pool.aclose()


async def test_a_session_retires_after_its_last_job() -> None:
    pool = FakePool()
    first = await _job(pool)
    first.jobs = MAX_JOBS
    pool.release(await pool.take(None, timeout=5))
    await asyncio.sleep(0)
    assert first.closed
    await pool.aclose()


async def test_at_most_max_ready_sessions_wait_for_jobs() -> None:
    pool = FakePool()
    sessions = [await pool.take(None, timeout=5) for _ in range(MAX_READY + 2)]
    for session in sessions:
        pool.release(session)
    await asyncio.sleep(0.01)
    assert sum(s.closed for s in sessions) == 2 and sum(s.resets for s in sessions) == MAX_READY
    await pool.aclose()
    assert all(s.closed for s in sessions)


async def test_a_dead_session_is_not_handed_out() -> None:
    pool = FakePool()
    first = await _job(pool)
    await asyncio.sleep(0)
    first.alive = False  # the browser crashed while it waited
    second = await _job(pool)
    await asyncio.sleep(0)
    assert second is not first and first.closed
    await pool.aclose()


async def test_a_job_cancelled_while_its_session_resets_gives_the_session_back() -> None:
    pool = FakePool()
    first = await _job(pool)
    waiting = asyncio.ensure_future(pool.take(None, timeout=5))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.sleep(0.01)
    # The reset finished and the session went back to wait for the next job.
    assert await pool.take(None, timeout=5) is first
    await pool.aclose()


async def test_a_job_does_not_wait_long_for_a_reset_that_hangs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import walt.engine.session as session_module

    monkeypatch.setattr(session_module, "READY_WAIT", 0.05)
    monkeypatch.setattr(session_module, "RESET_TIMEOUT", 0.3)
    pool = FakePool()
    pool.hangs = True  # its page hangs: leaving it never ends
    first = await _job(pool)
    pool.hangs = False
    started = asyncio.get_running_loop().time()
    second = await pool.take(None, timeout=5)
    assert second is not first
    assert asyncio.get_running_loop().time() - started < 0.25
    await asyncio.sleep(0.4)
    assert first.closed  # its reset ran out of time: closed, not handed out
    pool.release(second)
    await pool.aclose()


def test_which_sessions_may_be_reset_for_another_job() -> None:
    from types import SimpleNamespace

    from walt.engine.session import MAX_ORIGINS, BrowserSession

    def session(**changes: Any) -> BrowserSession:
        guard = SimpleNamespace(origins={"http://a.test"}, asked_to_authenticate=False)
        browser = SimpleNamespace(is_connected=lambda: True)
        made = BrowserSession(
            guard,  # type: ignore[arg-type]
            SimpleNamespace(browser=browser),  # type: ignore[arg-type]
            SimpleNamespace(is_closed=lambda: False),  # type: ignore[arg-type]
        )
        for name, value in changes.items():
            if name in ("origins", "asked_to_authenticate"):
                setattr(guard, name, value)
            else:
                setattr(made, name, value)
        return made

    assert session().resettable()
    assert not session(anonymous=False).resettable()  # opened with a caller's auth state
    assert not session(spent=True).resettable()  # its job signed in
    assert not session(asked_to_authenticate=True).resettable()
    assert not session(jobs=MAX_JOBS).resettable()
    many = {f"http://{n}.test" for n in range(MAX_ORIGINS + 1)}
    assert not session(origins=many).resettable()
