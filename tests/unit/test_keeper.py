"""When one check's next run may show its route in the page of the run before (pure)."""

from __future__ import annotations

from typing import Any

from walt.engine.keeper import DocumentKeeper


class _Page:
    def __init__(self, url: str) -> None:
        self.url = url


class _Session:
    def __init__(self, url: str, usable: bool = True) -> None:
        self.page = _Page(url)
        self._usable = usable

    def usable(self) -> bool:
        return self._usable


def _kept(url: str, **kwargs: Any) -> tuple[DocumentKeeper, Any]:
    keeper = DocumentKeeper()
    session = _Session(url, **kwargs)
    assert keeper.keep(session, url) is None  # type: ignore[arg-type]
    return keeper, session


APP = "http://app.test/#/runs"


def test_a_route_naming_every_setting_again_is_shown_in_the_kept_page() -> None:
    keeper, session = _kept(f"{APP}?q=tide&order=asc")
    assert keeper.take(f"{APP}?q=ferry&order=desc") is session
    assert keeper.reused == 1
    assert keeper.take(f"{APP}?q=ferry&order=desc&page=2") is None  # handed over already


def test_a_route_that_leaves_a_setting_out_gets_a_fresh_page() -> None:
    # An empty search is left out of the URL: the app may keep the last word.
    keeper, _ = _kept(f"{APP}?q=tide&order=asc")
    assert keeper.take(f"{APP}?order=asc") is None


def test_the_same_route_another_document_or_a_plain_url_gets_a_fresh_page() -> None:
    keeper, _ = _kept(f"{APP}?q=tide")
    assert keeper.take(f"{APP}?q=tide") is None  # the page's script would see no change
    assert keeper.take("http://app.test/other#/runs?q=x") is None
    assert keeper.take("http://app.test/runs?q=x") is None
    closed, _ = _kept(f"{APP}?q=tide", usable=False)
    assert closed.take(f"{APP}?q=ferry") is None


def test_only_fragment_routes_are_kept_and_the_one_kept_before_is_given_back() -> None:
    keeper = DocumentKeeper()
    plain = _Session("http://app.test/runs?q=x")
    assert keeper.keep(plain, "http://app.test/runs?q=x") is plain  # type: ignore[arg-type]
    first, second = _Session(f"{APP}?q=a"), _Session(f"{APP}?q=b")
    assert keeper.keep(first, f"{APP}?q=a") is None  # type: ignore[arg-type]
    assert keeper.keep(second, f"{APP}?q=b") is first  # type: ignore[arg-type]
    assert keeper.drop() is second and keeper.drop() is None


def test_a_page_that_left_its_document_is_neither_kept_nor_used() -> None:
    keeper = DocumentKeeper()
    redirected = _Session("http://app.test/login#/?next=runs")
    assert keeper.keep(redirected, f"{APP}?q=a") is redirected  # type: ignore[arg-type]
    keeper, session = _kept(f"{APP}?q=a")
    session.page.url = "http://app.test/login#/"
    assert keeper.take(f"{APP}?q=b") is None
