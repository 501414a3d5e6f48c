"""When discovery's next run may show its route in a page an earlier run left (pure)."""

from __future__ import annotations

from typing import Any

from walt.engine.keeper import DocumentKeeper, setting_keys


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


def test_the_very_route_is_read_in_the_page_that_shows_it() -> None:
    # Page 1 of a "Load more" list, then page 2: the same route, pressed once more.
    keeper, session = _kept(f"{APP}?q=tide")
    assert keeper.take(f"{APP}?q=tide") is session
    # Of two kept pages, the one showing the route already is handed (nothing to draw).
    keeper = DocumentKeeper(limit=2)
    other, showing = _Session(f"{APP}?q=ferry"), _Session(f"{APP}?q=tide")
    keeper.keep(other, f"{APP}?q=ferry")  # type: ignore[arg-type]
    keeper.keep(showing, f"{APP}?q=tide")  # type: ignore[arg-type]
    assert keeper.take(f"{APP}?q=tide") is showing
    assert keeper.take(f"{APP}?q=tide") is other  # drawn anew in the other one


def test_the_very_route_after_one_naming_more_gets_a_fresh_page() -> None:
    keeper = DocumentKeeper()
    session = _Session(f"{APP}?q=tide&order=asc")
    keeper.keep(session, f"{APP}?q=tide&order=asc")  # type: ignore[arg-type]
    assert keeper.take(f"{APP}?q=tide&order=desc") is session
    session.page.url = f"{APP}?q=tide"  # the app rewrote its address, say
    keeper.keep(session, f"{APP}?q=tide")  # type: ignore[arg-type]
    assert keeper.take(f"{APP}?q=tide") is None  # "order" was named: it may linger


def test_another_document_or_a_plain_url_gets_a_fresh_page() -> None:
    keeper, _ = _kept(f"{APP}?q=tide")
    assert keeper.take("http://app.test/other#/runs?q=x") is None
    assert keeper.take("http://app.test/runs?q=x") is None
    closed, _ = _kept(f"{APP}?q=tide", usable=False)
    assert closed.take(f"{APP}?q=ferry") is None


def test_only_fragment_routes_are_kept_and_the_least_recent_goes_past_the_limit() -> None:
    keeper = DocumentKeeper(limit=2)
    plain = _Session("http://app.test/runs?q=x")
    assert keeper.keep(plain, "http://app.test/runs?q=x") is plain  # type: ignore[arg-type]
    first, second, third = (_Session(f"{APP}?q={w}") for w in "abc")
    assert keeper.keep(first, f"{APP}?q=a") is None  # type: ignore[arg-type]
    assert keeper.keep(second, f"{APP}?q=b") is None  # type: ignore[arg-type]
    assert keeper.keep(third, f"{APP}?q=c") is first  # type: ignore[arg-type]
    assert keeper.drop() is second and keeper.drop() is third and keeper.drop() is None


def test_a_page_is_lent_to_one_run_at_a_time_and_a_busy_one_is_skipped() -> None:
    keeper = DocumentKeeper(limit=2)
    first, second = _Session(f"{APP}?q=a"), _Session(f"{APP}?q=b")
    keeper.keep(first, f"{APP}?q=a")  # type: ignore[arg-type]
    keeper.keep(second, f"{APP}?q=b")  # type: ignore[arg-type]
    assert keeper.take(f"{APP}?q=c") is first
    assert keeper.take(f"{APP}?q=d") is second
    assert keeper.take(f"{APP}?q=e") is None
    assert keeper.reused == 2


def test_every_setting_any_route_was_given_must_be_given_again() -> None:
    # The runs view chose a state: a route of another view that leaves the state out could
    # show it too (an app may apply one view's setting to another), and so could the runs
    # view again.
    keeper, session = _kept(f"{APP}?state=deleted&order=asc")
    assert keeper.take("http://app.test/#/models") is None
    assert keeper.take(f"{APP}?order=desc") is None
    assert keeper.take("http://app.test/#/models?state=active&order=asc") is session
    assert keeper.keep(session, "http://app.test/#/models?state=active&order=asc") is None  # type: ignore[arg-type]
    session.page.url = "http://app.test/#/models?state=active&order=asc"
    assert keeper.take(f"{APP}?order=desc&state=active") is session


def test_a_page_that_showed_routes_without_settings_serves_any_route() -> None:
    keeper, session = _kept("http://app.test/#/models")
    assert keeper.take(f"{APP}?q=tide") is session


def test_a_closed_keeper_keeps_nothing() -> None:
    keeper, session = _kept(f"{APP}?q=a")
    assert keeper.close() == [session]
    later = _Session(f"{APP}?q=b")
    assert keeper.keep(later, f"{APP}?q=b") is later  # type: ignore[arg-type]
    assert keeper.drop() is None


def test_a_page_whose_run_failed_is_not_kept_with_its_old_routes() -> None:
    keeper, session = _kept(f"{APP}?state=deleted")
    assert keeper.take(f"{APP}?state=active") is session
    keeper.forget(session)
    # Kept afresh later (another run in that session), it carries only that run's route.
    assert keeper.keep(session, "http://app.test/#/models") is None  # type: ignore[arg-type]
    session.page.url = "http://app.test/#/models"
    assert keeper.take(f"{APP}?order=desc") is session


def test_a_run_that_opens_a_route_may_take_a_kept_page_but_only_a_navigation_keeps_it() -> None:
    from walt.core.models import (
        ClickStep,
        ExtractPageContentStep,
        NavigationStep,
        Tool,
        WaitStep,
    )
    from walt.engine.keeper import RouteOpening, route_opening

    route = f"{APP}?order={{order}}"
    assert route_opening(Tool(name="t", url_template=route)) == RouteOpening(route, True)
    read = Tool(name="t", steps=(NavigationStep(url=route), ExtractPageContentStep(goal="rows")))
    assert route_opening(read) == RouteOpening(route, True)
    # A click changes what no route says: the page is not kept after it.
    more = Tool(name="t", steps=(NavigationStep(url=route), ClickStep(repeat="{page}")))
    assert route_opening(more) == RouteOpening(route, False)
    # A wait for the network, a plain address, or a first step that is not a navigation:
    # a fresh page.
    waits = Tool(name="t", steps=(NavigationStep(url=route), WaitStep(until="networkidle")))
    assert route_opening(waits) is None
    assert route_opening(Tool(name="t", url_template="http://app.test/runs?q={q}")) is None
    assert route_opening(Tool(name="t", steps=(ClickStep(),))) is None


def test_served_says_whether_the_calling_tasks_run_was_handed_a_kept_page() -> None:
    # A run predicted warm (a page of its document is kept) may find it lent to another
    # run: only the task that was handed the page is told so, once.
    import asyncio

    keeper, _ = _kept(f"{APP}?q=tide")
    assert keeper.holds(f"{APP}?q=ferry")

    async def run() -> tuple[bool, bool]:
        keeper.take(f"{APP}?q=ferry")
        return keeper.served(), keeper.served()

    async def other() -> bool:
        keeper.take(f"{APP}?q=sails")  # lent already: a fresh page
        return keeper.served()

    async def main() -> tuple[tuple[bool, bool], bool]:
        first = await asyncio.create_task(run())
        return first, await asyncio.create_task(other())

    assert asyncio.run(main()) == ((True, False), False)
    assert keeper.served() is False  # outside any task


def test_a_return_address_to_a_view_shown_before_sets_nothing() -> None:
    settings = "http://app.test/#/settings?returnTo=%2Fruns%3Forder%3Dasc&tab=hooks"
    assert setting_keys(settings, {"/runs"}) == {"tab"}
    # A full URL of that view, too; the address of a view nobody showed is kept.
    assert setting_keys(f"{APP}?next=http%3A%2F%2Fapp.test%2F%23%2Fruns", {"/runs"}) == set()
    # Another site's address is no view of this one.
    assert setting_keys(f"{APP}?next=http%3A%2F%2Fevil.test%2F%23%2Fruns", {"/runs"}) == {"next"}
    assert setting_keys(f"{APP}?next=%2F%2Fevil.test%2F%23%2Fruns", {"/runs"}) == {"next"}
    assert setting_keys(settings, {"/models"}) == {"returnTo", "tab"}
    assert setting_keys(settings, ()) == {"returnTo", "tab"}
    # Values that are no address count whatever views were shown.
    assert setting_keys(f"{APP}?view=runs&q=runs", {"/runs"}) == {"view", "q"}
