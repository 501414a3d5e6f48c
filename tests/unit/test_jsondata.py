"""Records out of a site's JSON answer: the results list, not a list inside one result."""

from __future__ import annotations

from walt.engine.jsondata import json_records, records_key

TAGS = [{"key": f"tag{i}", "value": f"v{i}"} for i in range(4)]


def test_a_single_result_with_more_tags_than_results_is_still_one_record() -> None:
    answer = {"experiments": [{"experiment_id": "3", "name": "ferry-delay", "tags": TAGS}]}
    assert records_key(answer) == "experiments"
    (record,) = json_records(answer)
    assert record["title"] == "ferry-delay"
    # The record's own list, a key/value list, is flattened into it.
    assert record["tags.tag0"] == "v0" and record["tags.tag3"] == "v3"


def test_the_longest_top_level_list_of_objects_is_the_results() -> None:
    answer = {
        "data": {"items": [{"title": f"run {i}", "metrics": TAGS} for i in range(3)]},
        "facets": [{"name": "state"}],
        "next_page_token": "abc",
    }
    assert records_key(answer) == "data.items"
    assert [r["title"] for r in json_records(answer)] == ["run 0", "run 1", "run 2"]


def test_a_top_level_list_and_a_named_key() -> None:
    assert records_key([{"name": "a"}, {"name": "b"}]) is None
    assert [r["title"] for r in json_records([{"name": "a"}, {"name": "b"}])] == ["a", "b"]
    answer = {"models": [{"name": "m"}], "runs": [{"name": "r1"}, {"name": "r2"}]}
    assert [r["title"] for r in json_records(answer, "models")] == ["m"]
    assert json_records({"models": "none"}, "models") == []
    assert json_records({"count": 0}) == []


def test_the_hits_inside_a_multi_search_envelope_are_the_results() -> None:
    # An envelope per query ({hits, nbHits, query}) holds the records; it has no name.
    hits = [{"objectID": str(i), "title": f"Ferry {i}"} for i in range(20)]
    answer = {"results": [{"hits": hits, "nbHits": 20, "query": "ferry", "index": "docs"}]}
    assert records_key(answer) == "results.hits"
    assert len(json_records(answer)) == 20


def test_a_named_records_own_list_is_not_the_results() -> None:
    post = {"id": 1, "title": "Harbour news", "comments": [{"text": f"c{i}"} for i in range(5)]}
    assert records_key({"posts": [post]}) == "posts"
    assert [r["title"] for r in json_records({"posts": [post]})] == ["Harbour news"]
