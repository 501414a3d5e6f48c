"""Parsing and analysis benchmarks (``python -m bench parse``).

* parsing: walt's page model (lexbor through selectolax) vs the tree walt built
  before (the standard library's tokenizer, bench/legacy_tree.py), on generated
  listing pages of 0.25, 1 and 1.7 MB, interleaved in the same run;
* analysis of a 1 MB page with 2,000 "add to cart" forms: walt's whole page
  analysis, against the 30.6 s the old analysis took (issue 9) and a 1 s goal.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench import legacy_tree
from walt.engine.discovery.analyze import analyze
from walt.engine.dom import parse_html

SIZES = (250_000, 1_000_000, 1_700_000)
OLD_TWO_THOUSAND_FORMS_MS = 30_600.0


def listing(size: int) -> str:
    """A shop listing of about ``size`` characters (cards, a table, a form per card)."""
    card = (
        '<div class="product"><h3><a href="/p/{i}">Kettle {i}</a></h3>'
        '<span class="price">${i}.00</span><p>Boils water <b>fast</b> & quietly'
        '<ul class="tags"><li>steel<li>1.7 l</ul>'
        '<form action="/cart/add" method="post"><input type="hidden" name="id" value="{i}">'
        '<input name="qty" type="number" value="1"><button>Add to cart</button></form></div>'
    )
    parts = ["<html><head><title>Shop</title></head><body><nav><a href='/'>Home</a></nav><main>"]
    i = 0
    while sum(len(p) for p in parts) < size:
        parts.append(card.format(i=i))
        i += 1
    parts.append("</main></body></html>")
    return "".join(parts)


def _median_ms(fn: Any, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def bench_parse(rounds: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for size in SIZES:
        html = listing(size)
        walt_samples: list[float] = []
        old_samples: list[float] = []
        for index in range(max(3, rounds // 5)):
            order = [("walt", parse_html), ("old", legacy_tree.parse_html)]
            if index % 2:
                order.reverse()
            for name, parse in order:
                started = time.perf_counter()
                parse(html, "https://shop.example/")
                elapsed = (time.perf_counter() - started) * 1000
                (walt_samples if name == "walt" else old_samples).append(elapsed)
        walt_ms, old_ms = statistics.median(walt_samples), statistics.median(old_samples)
        rows.append(
            {
                "benchmark": f"parse {size / 1e6:.2g} MB page: lexbor vs the old stdlib tree",
                "walt_ms": round(walt_ms, 2),
                "baseline_ms": round(old_ms, 2),
                "ratio": round(walt_ms / old_ms, 3),
                "goal": "faster than the old tree (ratio < 1)",
            }
        )
    forms = "".join(
        f'<div class="product"><h3><a href="/p/{i}">Kettle {i}</a></h3>'
        f'<span class="price">${i}.00</span><form action="/cart/add" method="post">'
        f'<input type="hidden" name="id" value="{i}"><input name="qty" type="number" value="1">'
        "<button>Add to cart</button></form>" + "<p>" + "Boils water quietly. " * 20 + "</p></div>"
        for i in range(2000)
    )
    html = f"<html><body><main>{forms}</main></body></html>"
    analysis_ms = _median_ms(lambda: analyze(html, "https://shop.example/"), max(3, rounds // 10))
    rows.append(
        {
            "benchmark": f"analyse a {len(html) / 1e6:.2g} MB page with 2,000 forms",
            "walt_ms": round(analysis_ms, 1),
            "baseline_ms": OLD_TWO_THOUSAND_FORMS_MS,
            "ratio": round(analysis_ms / OLD_TWO_THOUSAND_FORMS_MS, 4),
            "goal": "under 1,000 ms (the old analysis: 30.6 s)",
        }
    )
    return rows
