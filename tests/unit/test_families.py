"""Link families and URL patterns: pure, links in, families out."""

from __future__ import annotations

from walt.engine.discovery.analyze import analyze, url_pattern
from walt.engine.discovery.candidates import build_candidates
from walt.engine.discovery.families import PageLink, link_families

BASE = "https://repo.example"


def links(*urls: str, texts: tuple[str, ...] = ()) -> list[PageLink]:
    return [PageLink(BASE + url, texts[i] if i < len(texts) else url) for i, url in enumerate(urls)]


def test_an_id_glued_to_a_word_is_one_family_and_one_pattern() -> None:
    found = link_families(
        links("/issue1", "/issue11", "/issue23", texts=("Crash", "Typo", "Slow")),
        BASE + "/issues",
    )
    (family,) = [f for f in found if f.in_path]
    assert family.path == "/issue{}"
    assert family.prefix == "issue"
    assert url_pattern(BASE + "/issue1") == url_pattern(BASE + "/issue11")
    assert url_pattern(BASE + "/issue1") != url_pattern(BASE + "/user1/settings")


def test_opaque_segments_are_placeholders_wherever_they_are() -> None:
    found = link_families(
        links(
            "/diff/3f2a9c1b7d4e/README",
            "/diff/3f2a9c1b7d4e/setup.py",
            "/diff/9c1b3f2a7d4e/README",
        ),
        BASE + "/rev/tip",
    )
    paths = {f.path for f in found}
    # One family with both placeholders; the per-file ones are covered by it.
    assert "/diff/{}/{}" in paths
    assert "/diff/{}/README" not in paths
    family = next(f for f in found if f.path == "/diff/{}/{}")
    assert family.slots == ("diff", "item")
    assert ("3f2a9c1b7d4e", "setup.py") in family.samples


def test_a_file_tree_is_a_tail_family() -> None:
    found = link_families(
        links("/file/tip/README", "/file/tip/src/app.py", "/file/tip/src/lib/util.py"),
        BASE + "/file/tip",
    )
    tails = [f for f in found if f.tail]
    assert [f.path for f in tails] == ["/file/tip/{}"]


def test_records_at_one_depth_beside_their_parent_are_not_a_tree() -> None:
    runs = [f"/projects/1/runs/{i:032x}" for i in range(1, 9)]
    found = link_families(
        links("/projects/1", *runs, texts=("Forecast", *(f"run {i}" for i in range(8)))),
        BASE + "/projects/1/runs",
    )
    assert not [f for f in found if f.tail]
    (family,) = [f for f in found if f.path == "/projects/{}/runs/{}"]
    assert family.slots == ("projects", "runs")
    assert len(family.values) == 8


def test_sections_are_not_one_family_with_an_input() -> None:
    found = link_families(links("/rev/tip", "/file/tip", "/log/tip"), BASE + "/")
    assert not [f for f in found if f.path.startswith("/{}")]


def test_a_lone_next_link_is_a_page_family() -> None:
    page = BASE + "/search/?query=ferry"
    found = link_families([PageLink(BASE + "/search/?query=ferry&page=2", "Next")], page)
    (family,) = found
    assert family.param == "page" and family.values == (("2", "Next"),)
    assert family.fixed == (("query", "ferry"),)


def test_keys_that_vary_together_make_one_family() -> None:
    page = BASE + "/doku.php?id=a&do=revisions"
    found = link_families(
        [
            PageLink(BASE + "/doku.php?id=a&do=diff&rev2[0]=1&rev2[1]=2", "1 vs 2"),
            PageLink(BASE + "/doku.php?id=a&do=diff&rev2[0]=2&rev2[1]=3", "2 vs 3"),
        ],
        page,
    )
    (family,) = found
    assert family.together and {family.param, *family.together} == {"rev2[0]", "rev2[1]"}


def test_query_family_values_stay_with_their_record() -> None:
    first = analyze(
        '<a href="/w?id=ns:a&rev=1">one</a><a href="/w?id=ns:a&rev=2">two</a>',
        BASE + "/w?id=ns:a",
    )
    second = analyze(
        '<a href="/w?id=ns:b&rev=7">seven</a><a href="/w?id=ns:b&rev=8">eight</a>'
        '<a href="/w?id=ns:c">c</a><a href="/w?id=ns:d">d</a>',
        BASE + "/w?id=ns:b",
    )
    candidates = build_candidates([first, second])
    tool = next(c for c in candidates if "rev" in (c.tool.url_template or ""))
    # id names the record (many values site-wide): an input, with the revisions it has.
    assert "{id}" in (tool.tool.url_template or "")
    assert {"id": "ns:a", "rev": "1"} in tool.sample_sets
    assert {"id": "ns:b", "rev": "8"} in tool.sample_sets


def _listing(url: str, rows: int, extra: str = "") -> str:
    heads = "".join(
        f'<th><a href="?{extra}ordering={key}">{label}</a></th>'
        for key, label in (("title", "Title"), ("-created", "Created"), ("status", "Status"))
    )
    body = "".join(
        f'<tr><td><a href="/admin/item/{i}/">Item number {i}</a></td>'
        f"<td>2026-01-{i + 1:02d}</td><td>{'live' if i % 2 else 'draft'}</td></tr>"
        for i in range(rows)
    )
    return (
        f"<html><head><title>{url}</title></head><body><main><table><thead><tr>{heads}"
        f"</tr></thead><tbody>{body}</tbody></table></main></body></html>"
    )


SITE = "http://app.example"


def _sorts(listings: list[tuple[str, int, str]]) -> set[str | None]:
    pages = [
        analyze(_listing(SITE + path, rows, extra), SITE + path) for path, rows, extra in listings
    ]
    return {c.tool.url_template for c in build_candidates(pages) if c.kind == "sort"}


def test_each_section_of_an_app_under_one_prefix_keeps_its_sort() -> None:
    # An application mounted under one prefix (/admin/...) lists its sections one level
    # down: each section's listing has its own sort, however many sections there are.
    sorts = _sorts([("/admin/sites/", 3, ""), ("/admin/users/", 5, ""), ("/admin/pages/4/", 8, "")])
    assert {SITE + p + "?ordering={ordering}" for p in ("/admin/sites/", "/admin/users/")} <= sorts
    assert SITE + "/admin/pages/4/?ordering={ordering}" in sorts


def test_within_a_section_the_fullest_listings_links_are_kept() -> None:
    # Three listings of one section whose sort links differ in what else they carry: the
    # kept ones include the folder with records to order, not only folders of one row.
    sorts = _sorts(
        [
            ("/admin/pages/1/", 1, "q=&"),
            ("/admin/pages/2/", 1, "status=live&"),
            ("/admin/pages/4/", 8, ""),
        ]
    )
    assert SITE + "/admin/pages/4/?ordering={ordering}" in sorts
