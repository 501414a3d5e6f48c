"""Exporters against golden files (set WALT_UPDATE_GOLDEN=1 to rewrite them after a reviewed change)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from walt.core.models import Annotations, NavigationStep, Tool, ToolInput
from walt.core.toolfile import load_tool

GOLDEN = Path(__file__).resolve().parent.parent / "golden"

WALT_TOOL = Tool(
    name="search_products",
    description="Search the catalogue by keyword. Precondition: none. Outcome: a list of products.",
    kind="search",
    url_template="https://shop.example/search?q={q}&sort={sort}&in_stock={in_stock}&max={max_price}",
    inputs=(
        ToolInput("q", description="Words to search for"),
        ToolInput(
            "sort",
            required=False,
            enum=("price_asc", "price_desc"),
            enum_labels=("Price: low to high", "Price: high to low"),
            default="price_asc",
        ),
        ToolInput("in_stock", type="boolean", required=False),
        ToolInput("max_price", type="number", required=False, minimum=0, format="USD"),
        ToolInput("email", required=False, format="email"),
    ),
    steps=(NavigationStep(url="https://shop.example/search?q={q}"),),
    annotations=Annotations(read_only=True, idempotent=True),
)
WRITE_TOOL = Tool(
    name="delete_ticket",
    description="Delete a ticket.",
    kind="delete",
    inputs=(ToolInput("ticket_id", type="integer"),),
    steps=(NavigationStep(url="https://t.example/tickets/{ticket_id}/delete"),),
)


def tools(corpus: Path) -> dict[str, Tool]:
    return {
        "walt_search": WALT_TOOL,
        "walt_delete": WRITE_TOOL,
        "sfr_search_listings": load_tool(
            corpus / "classifieds/search_listings/search_listings.tool.json"
        ),
        "sfr_update_product_price": load_tool(
            corpus / "shopping_admin/update_product_price/update_product_price.tool.json"
        ),
    }


FORMATS = {
    "schema": lambda t: t.input_schema(),
    "openai": lambda t: t.to_openai(strict=True),
    "openai_loose": lambda t: t.to_openai(strict=False),
    "responses": lambda t: t.to_openai_responses(strict=True),
    "anthropic": lambda t: t.to_anthropic(),
    "mcp": lambda t: t.to_mcp(),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize(
    "key", ["walt_search", "walt_delete", "sfr_search_listings", "sfr_update_product_price"]
)
def test_golden(sfr_corpus: Path, key: str, fmt: str) -> None:
    produced: Any = FORMATS[fmt](tools(sfr_corpus)[key])
    path = GOLDEN / f"{key}.{fmt}.json"
    text = json.dumps(produced, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("WALT_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path.name}: run with WALT_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_openai_strict_rules() -> None:
    fn = WALT_TOOL.to_openai(strict=True)["function"]
    params = fn["parameters"]
    assert params["required"] == ["q", "sort", "in_stock", "max_price", "email"]
    assert params["additionalProperties"] is False
    assert params["properties"]["sort"]["type"] == ["string", "null"]
    assert params["properties"]["sort"]["enum"] == ["price_asc", "price_desc", None]
    assert "default" not in json.dumps(params).replace("Default:", "")
    assert params["properties"]["email"]["format"] == "email"
    assert "format" not in params["properties"]["max_price"]  # "USD" is a hint, not a format
    assert "Format: USD" in params["properties"]["max_price"]["description"]


def test_loose_schema_keeps_defaults_and_optional_fields() -> None:
    schema = WALT_TOOL.input_schema()
    assert schema["required"] == ["q"]
    assert schema["properties"]["sort"]["default"] == "price_asc"
    assert "Price: high to low" in schema["properties"]["sort"]["description"]


def test_mcp_annotations_follow_the_kind() -> None:
    read = WALT_TOOL.to_mcp()["annotations"]
    assert read["readOnlyHint"] is True and read["destructiveHint"] is False
    write = WRITE_TOOL.to_mcp()["annotations"]
    assert write["readOnlyHint"] is False and write["destructiveHint"] is True
    assert write["idempotentHint"] is False
