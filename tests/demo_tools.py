"""Hand-written tools for the demo site (what discovery should find, written by a person)."""

from __future__ import annotations

from walt.core.models import (
    ClickStep,
    InputStep,
    KeyPressStep,
    Locator,
    NavigationStep,
    SelectChangeStep,
    Tool,
    ToolInput,
    WaitStep,
)

SORTS = ("price_asc", "price_desc", "name", "newest")
CATEGORIES = ("kitchen", "garden", "books", "electronics", "toys")


def search_url_tool(base: str) -> Tool:
    template = f"{base}shop/search?q={{q}}&category={{category}}&sort={{sort}}&page={{page}}"
    return Tool(
        name="search_products",
        description="Search the catalogue. Precondition: none. Outcome: matching products.",
        kind="search",
        url_template=template,
        inputs=(
            ToolInput("q", required=False),
            ToolInput("category", required=False, enum=CATEGORIES),
            ToolInput("sort", required=False, enum=SORTS),
            ToolInput("page", type="integer", required=False, minimum=1),
        ),
        steps=(NavigationStep(url=template),),
    )


def search_form_tool(base: str) -> Tool:
    return Tool(
        name="search_form",
        description="Search with the shop's form.",
        kind="search",
        inputs=(
            ToolInput("q"),
            ToolInput("category", required=False),
            ToolInput("in_stock", type="boolean", required=False),
            ToolInput("sort", required=False),
        ),
        steps=(
            NavigationStep(url=f"{base}shop"),
            InputStep(locators=(Locator("label", "Keywords"),), css_selector="#q", value="{q}"),
            SelectChangeStep(locators=(Locator("id", "category"),), selected_text="{category}"),
            InputStep(locators=(Locator("label", "In stock only"),), value="{in_stock}"),
            SelectChangeStep(locators=(Locator("id", "sort"),), selected_text="{sort}"),
            ClickStep(
                locators=(Locator("role", "button", role_name="Search"),),
                css_selector="#product-search button",
            ),
        ),
    )


def login_tool(base: str) -> Tool:
    return Tool(
        name="log_in",
        kind="login",
        inputs=(ToolInput("username"), ToolInput("password")),
        steps=(
            NavigationStep(url=f"{base}login"),
            InputStep(locators=(Locator("label", "Username"),), value="{username}"),
            InputStep(locators=(Locator("label", "Password"),), value="{password}"),
            ClickStep(locators=(Locator("role", "button", role_name="Log in"),)),
        ),
    )


def create_ticket_tool(base: str) -> Tool:
    return Tool(
        name="create_ticket",
        kind="create",
        inputs=(
            ToolInput("title"),
            ToolInput("description", required=False),
            ToolInput("priority", required=False, enum=("low", "normal", "high", "urgent")),
        ),
        steps=(
            NavigationStep(url=f"{base}tracker/new"),
            InputStep(locators=(Locator("label", "Title"),), value="{title}"),
            InputStep(locators=(Locator("label", "Description"),), value="{description}"),
            SelectChangeStep(locators=(Locator("label", "Priority"),), selected_text="{priority}"),
            ClickStep(locators=(Locator("role", "button", role_name="Create ticket"),)),
        ),
    )


def edit_ticket_tool(base: str) -> Tool:
    return Tool(
        name="edit_ticket",
        kind="edit",
        inputs=(
            ToolInput("ticket_id", type="integer"),
            ToolInput("title", required=False),
            ToolInput("status", required=False, enum=("open", "in_progress", "closed")),
        ),
        steps=(
            NavigationStep(url=f"{base}tracker/ticket/{{ticket_id}}/edit"),
            InputStep(locators=(Locator("label", "Title"),), value="{title}"),
            SelectChangeStep(locators=(Locator("label", "Status"),), selected_text="{status}"),
            ClickStep(locators=(Locator("role", "button", role_name="Save changes"),)),
        ),
    )


def comment_tool(base: str) -> Tool:
    return Tool(
        name="comment_on_ticket",
        kind="comment",
        inputs=(ToolInput("ticket_id", type="integer"), ToolInput("body")),
        steps=(
            NavigationStep(url=f"{base}tracker/ticket/{{ticket_id}}"),
            InputStep(locators=(Locator("label", "Add a comment"),), value="{body}"),
            ClickStep(locators=(Locator("role", "button", role_name="Post comment"),)),
        ),
    )


def delete_ticket_tool(base: str) -> Tool:
    return Tool(
        name="delete_ticket",
        kind="delete",
        inputs=(ToolInput("ticket_id", type="integer"),),
        steps=(
            NavigationStep(url=f"{base}tracker/ticket/{{ticket_id}}/delete"),
            ClickStep(locators=(Locator("role", "button", role_name="Delete ticket"),)),
        ),
    )


def page_tool(base: str, path: str, *extra: object, name: str = "open_page") -> Tool:
    return Tool(name=name, steps=(NavigationStep(url=f"{base}{path}"), *extra))  # type: ignore[arg-type]


def outside_submit_tool(base: str) -> Tool:
    return Tool(
        name="subscribe",
        inputs=(ToolInput("email"),),
        steps=(
            NavigationStep(url=f"{base}awkward/outside-submit"),
            InputStep(locators=(Locator("label", "Email"),), value="{email}"),
            ClickStep(locators=(Locator("role", "button", role_name="Subscribe"),)),
        ),
    )


def js_widget_tool(base: str) -> Tool:
    return page_tool(
        base, "awkward/js-widget", WaitStep(until="networkidle", seconds=5), name="deals"
    )


def key_search_tool(base: str) -> Tool:
    return Tool(
        name="header_search",
        inputs=(ToolInput("q"),),
        steps=(
            NavigationStep(url=f"{base}"),
            InputStep(locators=(Locator("placeholder", "Search products"),), value="{q}"),
            KeyPressStep(locators=(Locator("placeholder", "Search products"),), key="Enter"),
        ),
    )
