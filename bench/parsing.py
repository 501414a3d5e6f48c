"""Parsing and analysis benchmarks (``python -m bench parse``).

* parsing: walt's page model (lexbor through selectolax) vs the tree walt built
  before (the standard library's tokenizer, bench/legacy_tree.py), on generated
  listing pages of 0.25, 1 and 1.7 MB, interleaved in the same run;
* analysis of a 1 MB page with 2,000 "add to cart" forms: walt's whole page
  analysis, against the 30.6 s the old analysis took (issue 9) and a 1 s goal;
* scaling on hostile pages (issue 11): the analysis of a page with 10,000 forms,
  "Load more" buttons or inputs owned by one form through ``form=``, against the same
  page with 1,000 in the same run. Linear work gives about 10x; the quadratic
  analysis this replaced gave about 100x.
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


HOSTILE_SHAPES: dict[str, str] = {
    "forms": '<form action="/s{i}"><input name="q{i}" type="search"><button>Go</button></form>',
    "load-more buttons": "<button>Load more {i}</button>",
    "inputs of one form": '<input form="f" name="n{i}" placeholder="Search">',
}


def _hostile(shape: str, count: int) -> str:
    body = "".join(HOSTILE_SHAPES[shape].format(i=i) for i in range(count))
    return f'<html><body><main><form id="f" action="/x"></form>{body}</main></body></html>'


def bench_hostile_scaling(rounds: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for shape in HOSTILE_SHAPES:
        small, large = _hostile(shape, 1_000), _hostile(shape, 10_000)
        small_ms = _median_ms(lambda h=small: analyze(h, "https://x.example/"), max(3, rounds // 5))
        large_ms = _median_ms(
            lambda h=large: analyze(h, "https://x.example/"), max(3, rounds // 10)
        )
        rows.append(
            {
                "benchmark": f"analysis scaling, {shape}: 10,000 vs 1,000",
                "walt_ms": round(large_ms, 1),
                "baseline_ms": round(small_ms, 1),
                "ratio": round(large_ms / small_ms, 2),
                "goal": "linear: about 10 (quadratic would be 100)",
            }
        )
    return rows
