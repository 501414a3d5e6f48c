"""The rendered document as the browser holds it, open shadow roots included.

``page.content()`` serializes the light DOM only: a search form or a results list that
a web component draws inside its shadow root is missing from it. :func:`document_html`
serializes the document with every open shadow root written as a declarative shadow
root (``<template shadowrootmode="open">``, the HTML standard's serialization through
``Element.getHTML({shadowRoots})``), which :func:`walt.engine.dom.parse_html` attaches
to its host. Closed shadow roots stay out: neither a locator nor a script can reach
them. A page without shadow roots is serialized as ``page.content()`` would.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Final

from walt.engine.dom import MAX_SHADOW_ROOTS

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page

__all__ = ["document_html"]

_SERIALIZE: Final = """limit => {
  const roots = [];
  const visit = root => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
    for (let el = walker.nextNode(); el && roots.length < limit; el = walker.nextNode()) {
      if (el.shadowRoot) { roots.push(el.shadowRoot); visit(el.shadowRoot); }
    }
  };
  visit(document);
  const html = document.documentElement;
  if (!html) return "";
  const doctype = document.doctype ? new XMLSerializer().serializeToString(document.doctype) : "";
  if (!roots.length || typeof html.getHTML !== "function") return doctype + html.outerHTML;
  const quote = v => v.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
  const attrs = [...html.attributes].map(a => ` ${a.name}="${quote(a.value)}"`).join("");
  return `${doctype}<html${attrs}>${html.getHTML({ shadowRoots: roots })}</html>`;
}"""


async def document_html(target: Page | Frame) -> str:
    """The HTML of ``target``'s document with its open shadow roots (see the module
    docstring); ``target.content()`` if the page's script environment refuses."""
    with contextlib.suppress(Exception):
        html = await target.evaluate(_SERIALIZE, MAX_SHADOW_ROOTS)
        if isinstance(html, str) and html:
            return html
    return await target.content()
