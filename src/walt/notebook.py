"""Notebook helpers: a live progress bar for discovery.

Tools, discovery results and execution results render as tables by
themselves (``_repr_html_``), and :class:`walt.UnifiedClient` works inside
Jupyter's running event loop. ``client.discover(url, progress=walt.progress_bar())``
adds a bar that updates as pages are crawled and tools validated.
"""

from __future__ import annotations

import html
import sys
from typing import Any

from walt.core.messages import ProgressCallback, ProgressEvent

__all__ = ["progress_bar"]


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
