"""walt.core.httpcache: which responses a browser cache may give again, and to whom
(RFC 9111 sections 3, 4.2 and 5.2)."""

from __future__ import annotations

import pytest

from walt.core.httpcache import (
    answered_anyone,
    cache_directives,
    held_for_one_user,
    reusable_without_origin,
)

NOW = 1_800_000_000.0  # 2027-01-15
FUTURE = "Wed, 01 Jan 2031 00:00:00 GMT"
PAST = "Thu, 19 Nov 1981 08:52:00 GMT"


def test_directives_are_read_as_rfc_9111_writes_them() -> None:
    assert cache_directives('Public, max-age="600", no-cache="Set-Cookie"') == {
        "public": None,
        "max-age": "600",
        "no-cache": "Set-Cookie",
    }
    # A field sent twice reaches us joined by a newline; the first of a name wins.
    assert cache_directives("max-age=60\nmax-age=0, private") == {
        "max-age": "60",
        "private": None,
    }
    assert cache_directives("") == {}


@pytest.mark.parametrize(
    ("status", "headers", "reusable"),
    [
        (200, {"cache-control": "max-age=600"}, True),
        # A browser is a private cache: s-maxage is a shared cache's lifetime.
        (200, {"cache-control": "s-maxage=60, max-age=0"}, False),
        (200, {"cache-control": "s-maxage=0, max-age=600"}, True),
        (200, {"cache-control": "max-age=0"}, False),
        (200, {"cache-control": "max-age=ten"}, False),  # invalid: no lifetime
        (200, {"cache-control": "no-store, max-age=600"}, False),
        (200, {"cache-control": "no-cache, max-age=600"}, False),
        # A no-cache naming fields drops those fields only.
        (200, {"cache-control": 'no-cache="Set-Cookie", max-age=600'}, True),
        (200, {"cache-control": "max-age=0, stale-while-revalidate=60"}, True),
        (200, {"expires": FUTURE}, True),
        (200, {"expires": PAST}, False),
        (200, {"expires": "0"}, False),  # invalid: already expired
        (200, {"cache-control": "max-age=0", "expires": FUTURE}, False),  # max-age wins
        (200, {"last-modified": PAST}, True),  # a heuristic lifetime
        (301, {}, True),
        (308, {}, True),
        (300, {}, True),
        (410, {}, True),
        (302, {}, False),
        (200, {}, False),
        (200, {"cache-control": "no-cache", "last-modified": PAST}, False),
    ],
)
def test_what_a_browser_may_give_again_without_asking(
    status: int, headers: dict[str, str], reusable: bool
) -> None:
    assert reusable_without_origin(status, headers, now=NOW) is reusable


@pytest.mark.parametrize(
    ("headers", "one_users"),
    [
        ({"cache-control": "public, max-age=31536000"}, False),
        ({"cache-control": "public, max-age=31536000", "etag": '"v1"'}, False),
        ({"cache-control": "s-maxage=600"}, False),
        ({"cache-control": "s-maxage=0, max-age=600"}, True),
        ({"cache-control": "private, max-age=600"}, True),
        ({"cache-control": "public, private, max-age=600"}, True),
        # A lifetime alone: a page answered to someone's cookie may be theirs alone.
        ({"cache-control": "max-age=600"}, True),
        ({"last-modified": PAST}, True),
        # Asked again, the origin may say "not modified" to another user's request, and
        # the browser shows the first user's page (the validator names the record).
        ({"cache-control": "private, max-age=0, must-revalidate", "last-modified": PAST}, True),
        ({"cache-control": "no-cache", "etag": '"v1"'}, True),
        # What the origin is asked for again, with nothing to validate, it answers anew.
        ({"cache-control": "private, no-cache"}, False),
        ({"cache-control": "no-store", "etag": '"v1"'}, False),
        ({}, False),
    ],
)
def test_what_a_cache_may_hold_for_one_user(headers: dict[str, str], one_users: bool) -> None:
    assert held_for_one_user(200, headers, now=NOW) is one_users


BROWSER = {"accept": "*/*", "user-agent": "Chromium", "sec-fetch-mode": "cors", "referer": "x"}


@pytest.mark.parametrize(
    ("status", "headers", "sent", "anyone"),
    [
        (200, {"cache-control": "max-age=600"}, BROWSER, True),
        (200, {}, {**BROWSER, "if-none-match": '"v1"'}, True),
        (200, {}, {**BROWSER, "cookie": "sid=1"}, False),
        (200, {}, {**BROWSER, "authorization": "Bearer t"}, False),
        (200, {}, {**BROWSER, "x-auth-token": "alice"}, False),  # a script's own field
        (200, {"cache-control": "private, max-age=600"}, BROWSER, False),
        (200, {"set-cookie": "sid=S1"}, BROWSER, False),  # a session minted on this visit
        (301, {}, BROWSER, False),  # may lead into a session kept in the address
        (304, {}, BROWSER, True),
    ],
)
def test_what_any_newcomer_asking_the_same_gets(
    status: int, headers: dict[str, str], sent: dict[str, str], anyone: bool
) -> None:
    assert answered_anyone(status, headers, sent) is anyone
