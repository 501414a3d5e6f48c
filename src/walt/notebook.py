"""Notebook helpers: tables for tools and results, and a live progress bar for discovery.

Tools, discovery results and execution results render as tables: :func:`register_html`
gives IPython's HTML formatter the renderings of :mod:`walt.core.display` for their
classes (the data classes know nothing of notebooks). ``import walt`` calls it when it
runs inside IPython, and so does :func:`progress_bar`. :class:`walt.UnifiedClient`
works inside Jupyter's running event loop.
``client.discover(url, progress=walt.progress_bar())`` adds a bar that updates as pages
are crawled and tools validated.
"""

from __future__ import annotations

import html
import sys
from typing import Any

from walt.core.display import discover_result_html, execute_result_html, tool_html
from walt.core.messages import DiscoverResult, ExecuteResult, ProgressCallback, ProgressEvent
from walt.core.models import Tool

__all__ = ["progress_bar", "register_html"]


def register_html() -> bool:
    """Render tools and results as HTML tables in the running IPython shell, if there is one
    (whether a display was registered)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    formatter = shell.display_formatter.formatters["text/html"]
    formatter.for_type(Tool, tool_html)
    formatter.for_type(DiscoverResult, discover_result_html)
    formatter.for_type(ExecuteResult, execute_result_html)
    return True


def _bar_html(event: ProgressEvent) -> str:
    total = max(event.pages_total, event.pages_seen, 1)
    share = 100 if event.phase == "done" else int(100 * min(event.pages_seen, total) / total)
    return (
        "<div style='font-family:sans-serif;font-size:12px'>"
        f"<progress value='{share}' max='100' style='width:240px'></progress> "
        f"<b>{html.escape(event.phase)}</b>: pages {event.pages_seen}/{total}, "
        f"candidates {event.candidates}, tools {event.tools}"
        f"<br><span style='color:#666'>{html.escape(event.message[:120])}</span></div>"
    )


def progress_bar() -> ProgressCallback:
    """A progress callback: an updating HTML bar in Jupyter, a line on stderr elsewhere."""
    register_html()  # in case walt was imported before IPython started
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        handle: Any = display(HTML(""), display_id=True)

        def update(event: ProgressEvent) -> None:
            handle.update(HTML(_bar_html(event)))

        return update

    def text(event: ProgressEvent) -> None:
        sys.stderr.write(
            f"\r{event.phase}: pages {event.pages_seen}/{max(event.pages_total, event.pages_seen)} "
            f"candidates {event.candidates} tools {event.tools}".ljust(80)
        )
        if event.phase == "done":
            sys.stderr.write("\n")

    return text
