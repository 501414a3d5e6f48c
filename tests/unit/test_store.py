from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from walt.core.errors import ToolNotFoundError, ValidationError
from walt.core.models import NavigationStep, Tool
from walt.store import DirectoryStore, percentile

TOOL = Tool(name="search_x", steps=(NavigationStep(url="https://x.example/"),))


async def test_directory_store_layout_and_crud(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path)
    await store.put(TOOL)
    assert (tmp_path / "search_x" / "search_x.tool.json").is_file()
    assert await store.get("search_x") == TOOL
    assert [t.name for t in await store.list()] == ["search_x"]
    assert await store.delete("search_x") is True
    assert await store.delete("search_x") is False
    with pytest.raises(ToolNotFoundError):
        await store.get("search_x")


@pytest.mark.parametrize("name", ["../etc", "a/b", "..", ""])
async def test_store_refuses_path_traversal(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValidationError):
        await DirectoryStore(tmp_path).get(name)


def test_free_text_named_tools_are_stored_under_their_function_name(
    tmp_path: Path, sfr_corpus: Path
) -> None:
    from walt.core.toolfile import load_tool

    tool = load_tool(sfr_corpus / "classifieds/search_listings/search_listings.tool.json")
    store = DirectoryStore(tmp_path)
    path = store.save_sync(tool)
    assert path == tmp_path / "search_listings" / "search_listings.tool.json"
    assert store.get_sync("search_listings") == tool


def _record(root: str, n: int) -> None:
    store = DirectoryStore(root)
    for i in range(n):
        store.record_run_sync("search_x", ok=i % 4 != 0, elapsed_ms=float(i), cost=0.01)


def test_stats_are_updated_atomically_across_processes(tmp_path: Path) -> None:
    DirectoryStore(tmp_path).save_sync(TOOL)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_record, args=(str(tmp_path), 50)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    stats = DirectoryStore(tmp_path).stats_sync("search_x")
    assert stats.runs == 200
    assert stats.successes + stats.failures == 200
    assert stats.failures == 4 * 13
    assert stats.total_cost == pytest.approx(2.0)
    assert stats.mean_ms == pytest.approx(24.5)
    assert 40 <= stats.p95_ms <= 49


def test_percentile() -> None:
    assert percentile([], 0.95) == 0.0
    assert percentile([5.0], 0.95) == 5.0
    assert percentile(list(map(float, range(1, 101))), 0.95) == 95.0
