"""What a job costs: LLM tokens, browser time and HTTP requests, priced by the host's table.

A :class:`CostMeter` is filled by a job as it runs and refuses a charge that
would take it past its :class:`Budget` (raising :class:`BudgetExceededError`
*before* the money is spent). Every result carries the meter's :class:`Cost`;
a :class:`CostLedger` sums costs by tool, method and backend.

The default prices for browser seconds and HTTP requests are rough compute
costs meant to be replaced; LLM prices change too often to ship, so a model
must be priced by the host (``PriceTable(models={...})``) or a default model
price given, or :class:`UnknownModelError` is raised.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Literal

import attrs

from walt.core.errors import BudgetExceededError, UnknownModelError, ValidationError

__all__ = [
    "Budget",
    "Cost",
    "CostLedger",
    "CostMeter",
    "ModelPrice",
    "ModelUsage",
    "PriceTable",
]


def _non_negative(_inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValidationError(f"{attribute.name} must be a non-negative number, got {value!r}")


@attrs.frozen
class ModelPrice:
    """Price of one LLM model in currency units per million tokens."""

    input_per_mtok: float = attrs.field(validator=_non_negative)
    output_per_mtok: float = attrs.field(validator=_non_negative)

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1e6


def _models(value: Mapping[str, ModelPrice | tuple[float, float]]) -> dict[str, ModelPrice]:
    out: dict[str, ModelPrice] = {}
    for name, price in dict(value).items():
        out[str(name)] = price if isinstance(price, ModelPrice) else ModelPrice(*price)
    return out


@attrs.frozen
class PriceTable:
    """Prices used to turn usage into money. Replace it, or extend it with :meth:`with_models`."""

    models: Mapping[str, ModelPrice] = attrs.field(factory=dict, converter=_models)
    browser_second: float = attrs.field(default=0.00005, validator=_non_negative)
    http_request: float = attrs.field(default=0.000002, validator=_non_negative)
    currency: str = "USD"
    default_model: ModelPrice | None = None

    def price_for(self, model: str) -> ModelPrice:
        """The price of ``model``; :class:`UnknownModelError` if unknown and no default is set."""
        price = self.models.get(model)
        if price is not None:
            return price
        if self.default_model is not None:
            return self.default_model
        known = ", ".join(sorted(self.models)) or "none"
        raise UnknownModelError(
            f"no price for LLM model {model!r} (known: {known}); pass "
            "PriceTable(models={...}) or PriceTable(default_model=ModelPrice(...))",
            details={"model": model},
        )

    def with_models(self, models: Mapping[str, ModelPrice | tuple[float, float]]) -> PriceTable:
        """A copy with ``models`` added to (or replacing entries of) the model prices."""
        return attrs.evolve(self, models={**self.models, **_models(models)})


@attrs.frozen
class Budget:
    """The most a job may spend, in the price table's currency."""

    max_usd: float = attrs.field(validator=_non_negative)


@attrs.frozen
class ModelUsage:
    """Tokens used with one model and what they cost."""

    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0


@attrs.frozen
class Cost:
    """What one job (or a sum of jobs) cost, by kind, with the usage behind it."""

    llm: float = 0.0
    browser: float = 0.0
    http: float = 0.0
    total: float = attrs.field()
    currency: str = "USD"
    llm_input_tokens: int = 0
    llm_output_tokens: int = 0
    browser_seconds: float = 0.0
    http_requests: int = 0
    by_model: tuple[ModelUsage, ...] = ()

    @total.default
    def _total(self) -> float:
        return self.llm + self.browser + self.http

    def __add__(self, other: Cost) -> Cost:
        if not isinstance(other, Cost):
            return NotImplemented
        if other.currency != self.currency and other.total and self.total:
            raise ValidationError(f"cannot add costs in {self.currency} and {other.currency}")
        merged: dict[str, ModelUsage] = {u.model: u for u in self.by_model}
        for usage in other.by_model:
            mine = merged.get(usage.model)
            merged[usage.model] = (
                usage
                if mine is None
                else ModelUsage(
                    usage.model,
                    mine.input_tokens + usage.input_tokens,
                    mine.output_tokens + usage.output_tokens,
                    mine.cost + usage.cost,
                )
            )
        return Cost(
            llm=self.llm + other.llm,
            browser=self.browser + other.browser,
            http=self.http + other.http,
            currency=self.currency if self.total or not other.total else other.currency,
            llm_input_tokens=self.llm_input_tokens + other.llm_input_tokens,
            llm_output_tokens=self.llm_output_tokens + other.llm_output_tokens,
            browser_seconds=self.browser_seconds + other.browser_seconds,
            http_requests=self.http_requests + other.http_requests,
            by_model=tuple(merged[m] for m in sorted(merged)),
        )

    @classmethod
    def sum(cls, costs: Iterable[Cost]) -> Cost:
        total = cls()
        for cost in costs:
            total = total + cost
        return total


class CostMeter:
    """Accumulates one job's usage; refuses charges beyond the budget. Thread-safe."""

    def __init__(self, prices: PriceTable | None = None, budget: Budget | None = None) -> None:
        self.prices = prices or PriceTable()
        self.budget = budget
        self._lock = threading.Lock()
        self._llm = 0.0
        self._browser = 0.0
        self._http = 0.0
        self._tokens_in = 0
        self._tokens_out = 0
        self._browser_seconds = 0.0
        self._http_requests = 0
        self._models: dict[str, ModelUsage] = {}

    @property
    def spent(self) -> float:
        with self._lock:
            return self._llm + self._browser + self._http

    def ensure_affordable(self, amount: float, what: str = "the next operation") -> None:
        """Raise :class:`BudgetExceededError` if ``amount`` more would exceed the budget."""
        with self._lock:
            self._check(amount, what)

    def ensure_llm_affordable(self, model: str, input_tokens: int, max_output_tokens: int) -> None:
        """Refuse an LLM call whose worst case would exceed the budget (call it before the call)."""
        price = self.prices.price_for(model)
        self.ensure_affordable(
            price.cost(input_tokens, max_output_tokens), f"an LLM call to {model}"
        )

    def charge_llm(self, model: str, input_tokens: int, output_tokens: int) -> float:
        price = self.prices.price_for(model)
        amount = price.cost(input_tokens, output_tokens)
        with self._lock:
            # Tokens already used are recorded even when the budget is now exceeded:
            # the money is spent, and hiding it would make the report wrong.
            self._llm += amount
            self._tokens_in += input_tokens
            self._tokens_out += output_tokens
            usage = self._models.get(model, ModelUsage(model))
            self._models[model] = ModelUsage(
                model,
                usage.input_tokens + input_tokens,
                usage.output_tokens + output_tokens,
                usage.cost + amount,
            )
            self._check(0.0, f"LLM usage of {model}")
        return amount

    def charge_browser(self, seconds: float) -> float:
        amount = max(0.0, seconds) * self.prices.browser_second
        with self._lock:
            self._browser += amount
            self._browser_seconds += max(0.0, seconds)
        return amount

    def charge_http(self, requests: int = 1) -> float:
        amount = requests * self.prices.http_request
        with self._lock:
            self._check(amount, "an HTTP request")
            self._http += amount
            self._http_requests += requests
        return amount

    def add(self, cost: Cost) -> None:
        """Fold in what a sub-job cost (a tool run during discovery)."""
        with self._lock:
            self._llm += cost.llm
            self._browser += cost.browser
            self._http += cost.http
            self._tokens_in += cost.llm_input_tokens
            self._tokens_out += cost.llm_output_tokens
            self._browser_seconds += cost.browser_seconds
            self._http_requests += cost.http_requests
            for usage in cost.by_model:
                mine = self._models.get(usage.model, ModelUsage(usage.model))
                self._models[usage.model] = ModelUsage(
                    usage.model,
                    mine.input_tokens + usage.input_tokens,
                    mine.output_tokens + usage.output_tokens,
                    mine.cost + usage.cost,
                )

    def _check(self, amount: float, what: str) -> None:
        if self.budget is None:
            return
        spent = self._llm + self._browser + self._http
        if spent + amount > self.budget.max_usd + 1e-12:
            raise BudgetExceededError(
                f"budget of {self.budget.max_usd:g} {self.prices.currency} exceeded by {what} "
                f"(spent {spent:.6f}, needs {amount:.6f} more)",
                details={"budget": self.budget.max_usd, "spent": spent, "needed": amount},
            )

    def snapshot(self) -> Cost:
        with self._lock:
            return Cost(
                llm=self._llm,
                browser=self._browser,
                http=self._http,
                currency=self.prices.currency,
                llm_input_tokens=self._tokens_in,
                llm_output_tokens=self._tokens_out,
                browser_seconds=self._browser_seconds,
                http_requests=self._http_requests,
                by_model=tuple(self._models[m] for m in sorted(self._models)),
            )


Dimension = Literal["tool", "method", "backend"]


class CostLedger:
    """Running totals of costs by tool, by method and by backend (memory bounded by their count)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: dict[str, dict[str, Cost]] = {"tool": {}, "method": {}, "backend": {}}
        self._count = 0

    def record(self, cost: Cost, *, tool: str | None, method: str, backend: str) -> None:
        with self._lock:
            self._count += 1
            for dimension, key in (("tool", tool), ("method", method), ("backend", backend)):
                if key is None:
                    continue
                table = self._totals[dimension]
                table[key] = table.get(key, Cost()) + cost

    def summary(self, by: Dimension = "tool") -> dict[str, Cost]:
        """Total cost per ``tool``, ``method`` or ``backend``."""
        if by not in self._totals:
            raise ValidationError(f"by must be 'tool', 'method' or 'backend', not {by!r}")
        with self._lock:
            return dict(self._totals[by])

    def total(self) -> Cost:
        with self._lock:
            return Cost.sum(self._totals["method"].values())

    @property
    def count(self) -> int:
        return self._count
