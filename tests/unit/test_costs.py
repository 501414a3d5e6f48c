import pytest

from walt.core.costs import Budget, Cost, CostLedger, CostMeter, ModelPrice, PriceTable
from walt.core.errors import BudgetExceededError, UnknownModelError, ValidationError


def test_unknown_model_is_an_explicit_error_unless_a_default_is_set() -> None:
    prices = PriceTable(models={"gpt-x": ModelPrice(2.0, 8.0)})
    assert prices.price_for("gpt-x").cost(1_000_000, 500_000) == pytest.approx(6.0)
    with pytest.raises(UnknownModelError) as info:
        prices.price_for("mystery")
    assert "mystery" in str(info.value) and "gpt-x" in str(info.value)
    assert isinstance(info.value, LookupError)
    fallback = PriceTable(default_model=ModelPrice(1.0, 1.0))
    assert fallback.price_for("mystery").input_per_mtok == 1.0


def test_price_table_can_be_extended_and_validates() -> None:
    prices = PriceTable().with_models({"m": (1.0, 2.0)})
    assert prices.price_for("m") == ModelPrice(1.0, 2.0)
    with pytest.raises(ValidationError):
        ModelPrice(-1.0, 0.0)
    with pytest.raises(ValidationError):
        PriceTable(browser_second=-0.1)


def test_meter_fills_a_cost_breakdown() -> None:
    meter = CostMeter(PriceTable(models={"m": (1.0, 2.0)}, browser_second=0.01, http_request=0.001))
    meter.charge_llm("m", 1000, 500)
    meter.charge_browser(2.5)
    meter.charge_http(3)
    cost = meter.snapshot()
    assert cost.llm == pytest.approx(0.002)
    assert cost.browser == pytest.approx(0.025)
    assert cost.http == pytest.approx(0.003)
    assert cost.total == pytest.approx(0.030)
    assert cost.llm_input_tokens == 1000 and cost.llm_output_tokens == 500
    assert cost.http_requests == 3 and cost.browser_seconds == 2.5
    assert cost.by_model[0].model == "m"


def test_budget_stops_before_overspending() -> None:
    meter = CostMeter(PriceTable(http_request=0.4), Budget(max_usd=1.0))
    meter.charge_http()
    meter.charge_http()
    with pytest.raises(BudgetExceededError) as info:
        meter.charge_http()
    assert meter.spent == pytest.approx(0.8)  # the refused request was not charged
    assert info.value.details["budget"] == 1.0


def test_llm_call_refused_when_its_worst_case_exceeds_the_budget() -> None:
    meter = CostMeter(PriceTable(models={"m": (10.0, 10.0)}), Budget(max_usd=0.01))
    meter.ensure_llm_affordable("m", 100, 100)
    with pytest.raises(BudgetExceededError):
        meter.ensure_llm_affordable("m", 1000, 1000)


def test_costs_add_and_sum() -> None:
    a = Cost(llm=1.0, http=0.5, http_requests=2)
    b = Cost(browser=2.0, browser_seconds=4)
    total = Cost.sum([a, b, Cost()])
    assert total.total == pytest.approx(3.5)
    assert total.http_requests == 2 and total.browser_seconds == 4


def test_ledger_summaries_by_tool_method_backend() -> None:
    ledger = CostLedger()
    ledger.record(Cost(http=1.0), tool="search", method="execute", backend="inprocess")
    ledger.record(Cost(http=2.0), tool="search", method="execute", backend="redis")
    ledger.record(Cost(browser=4.0), tool=None, method="discover", backend="inprocess")
    assert ledger.summary("tool")["search"].total == pytest.approx(3.0)
    assert ledger.summary("method")["discover"].total == pytest.approx(4.0)
    assert ledger.summary("backend")["inprocess"].total == pytest.approx(5.0)
    assert ledger.total().total == pytest.approx(7.0)
    assert ledger.count == 3
    with pytest.raises(ValidationError):
        ledger.summary("colour")  # type: ignore[arg-type]
