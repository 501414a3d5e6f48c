"""Results found by contrast, probe words from records: pure."""

from __future__ import annotations

from walt.core.models import ResultsRegion
from walt.engine.discovery.contrast import (
    informative_words,
    results_region,
    standing_region,
    template_similarity,
)
from walt.engine.dom import parse_html
from walt.engine.extract import extract

SIDEBAR = """<div class="side"><ul class="links">
<li><a href="/navigation">Navigation and personal tools</a> <span class="n">12 pages of help</span></li>
<li><a href="/tools">Tools for every context</a> <span class="n">3 pages of categories</span></li>
<li><a href="/content">Content policies</a> <span class="n">7 pages of rules</span></li>
</ul></div>"""


def page(results: str) -> str:
    return f"""<html><body><div class="top"><a href="/">Home</a></div>{SIDEBAR}
<div class="body"><h1>Search</h1><div class="hits">{results}</div></div></body></html>"""


def hits(*titles: str) -> str:
    return "".join(
        f'<div class="hit"><a href="/w/{i}">{t}</a> <span class="snip">{t} is described '
        "here at length</span></div>"
        for i, t in enumerate(titles)
    )


def test_the_results_are_what_changes_not_the_sidebar() -> None:
    probe = parse_html(page(hits("Garden compost", "Garden beds", "Garden tools")), "https://w/")
    nonsense = parse_html(page("<p>Nothing found.</p>"), "https://w/")
    blank = parse_html(page(hits("Kitchen bread", "Trail maps")), "https://w/")
    found = results_region(probe, [nonsense, blank], term="garden")
    assert found is not None
    assert [r["title"] for r in found.records] == ["Garden compost", "Garden beds", "Garden tools"]
    assert found.share == 1.0
    # Without contrast the sidebar (three link entries with text) could pass for records.
    _, unfiltered = standing_region(blank, found.region)
    assert [r["title"] for r in unfiltered] == ["Kitchen bread", "Trail maps"]
    _, none = standing_region(nonsense, found.region)
    assert none == []


def test_a_region_reads_only_its_records_on_later_runs() -> None:
    region = ResultsRegion(container="div.body > div.hits", item="div.hit")
    data = extract(page("<p>Nothing found.</p>"), "https://w/", region)
    assert data["items"] == [] and data["region"] == {"found": True, "records": 0}
    data = extract(page(hits("Garden compost")), "https://w/", region)
    assert [i["title"] for i in data["items"]] == ["Garden compost"]


def test_informative_words_skip_chrome_and_words_every_title_has() -> None:
    titles = [
        "Community garden compost",
        "Community garden beds",
        "Community kitchen bread",
        "Community trail maps",
    ]
    words = informative_words(titles, avoid=["compost"])
    assert words[0] == "garden"  # in some titles, not all
    assert "community" not in words  # in every title: tells nothing apart
    assert "compost" not in words


def test_pages_of_one_template_are_similar_and_others_not() -> None:
    one = parse_html(page(hits("A", "B")), "https://w/")
    two = parse_html(page(hits("C")), "https://w/")
    other = parse_html(
        "<html><body><form><input name=u><input type=password name=p></form></body></html>",
        "https://w/login",
    )
    assert template_similarity(one, two) >= 0.75
    assert template_similarity(one, other) < 0.5
