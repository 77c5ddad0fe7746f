"""The Whispertrades models follow the spec tables and really reject what the spec forbids."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tests.contract.whispertrades import (
    MODELS,
    SPEC_PATH,
    SPECS,
    build_models,
    field_names,
    parse_spec,
    validate,
)

SHARED_SPEC = Path(__file__).resolve().parents[3] / "shared" / "WHISPERTRADES_V1.md"
SPEC_TEXT = SPEC_PATH.read_text(encoding="utf-8")


def spec_tables() -> dict[str, dict[str, str]]:
    """Each ``###`` heading's rows as {field: required cell}, read with a plain regex."""
    tables: dict[str, dict[str, str]] = {}
    for section in re.split(r"^### ", SPEC_TEXT, flags=re.MULTILINE)[1:]:
        name = re.match(r"\w+", section)
        assert name is not None, section[:40]
        rows = re.findall(r"^\| `(\w+)` \| `[^`]+` \| ([^|]+?) \|$", section, flags=re.MULTILINE)
        assert len(rows) == section.count("\n| `"), f"unread rows under {name.group()}"
        tables[name.group()] = dict(rows)
    return tables


def bot_response() -> dict[str, Any]:
    return {
        "name": "SPX put spread",
        "number": "BYZ8UNMX8M",
        "broker_connection": {"name": None, "number": "K3J9QW2ZXA", "account_number": "5WT12345"},
        "is_paper": True,
        "status": "Enabled",
        "can_enable": False,
        "can_disable": True,
        "symbol": "SPX",
        "type": "Put Credit Spread",
        "notes": None,
        "last_active_at": "2025-03-14T15:30:00Z",
        "disabled_at": None,
        "notifications": [{"number": "NT4Q8ZP2LM", "event": "Order Filled", "type": "Email"}, None],
        "variables": [
            {"number": "VR7H2K9D1Q", "name": "max loss", "value": "250", "condition": "Less Than"}
        ],
    }


def fill() -> dict[str, Any]:
    return {
        "leg_number": 1,
        "quantity": 2,
        "price": 1.25,
        "filled_at": "2025-03-14T15:31:02Z",
        "bid": 1.2,
        "mid": 1.25,
        "ask": 1.3,
    }


def leg_payload() -> dict[str, Any]:
    return {
        "number": 1,
        "type": "PUT",
        "instrument": "SPX250321P05600000",
        "expiration_date": "2025-03-21T20:00:00Z",
        "strike_price": 5600,
        "instruction": "SELL_TO_OPEN",
        "quantity": 1,
        "bid": 1.2,
        "mid": 1.25,
        "ask": 1.3,
    }


def timeframe(day: str = "2025-01-31") -> dict[str, Any]:
    return {
        "total_trades": 10,
        "winning_trades": 7,
        "losing_trades": 3,
        "win_percent": 70,
        "date": day,
        "starting_net_liquidation_value": 10000,
        "ending_net_liquidation_value": 10250.5,
        "broker_fees": 12.0,
        "total_return_dollars": 250.5,
        "total_return_percent": 2.505,
        "max_drawdown_dollars": 120,
        "max_drawdown_percent": 1.2,
        "underlying_max_drawdown_percent": 3.4,
        "underlying_total_return_percent": 1.1,
    }


def result_by_year() -> dict[str, Any]:
    months = {"January": timeframe("2025-01-31"), "February": timeframe("2025-02-28")}
    return {**timeframe("2025-12-31"), "months": months}


def results() -> dict[str, Any]:
    ratios = ["cagr", "sharpe", "sortino", "mar", "annualized_volatility"]
    return {
        "total_trades": None,
        "winning_trades": None,
        "losing_trades": None,
        "win_percent": None,
        "starting_net_liquidation_value": 10000,
        "ending_net_liquidation_value": 10250.5,
        "average_gain": 25.05,
        "average_win": 60.0,
        "average_loss": -56.5,
        "broker_fees": None,
        "premium_collected": None,
        "premium_retained": None,
        "premium_retained_percent": None,
        "total_return_dollars": 250.5,
        "total_return_percent": 2.505,
        "max_drawdown_dollars": 120,
        "max_drawdown_percent": 1.2,
        "max_drawdown_days": 4,
        "correlation": 0.4,
        "beta": 0.2,
        "underlying_total_return_percent": 1.1,
        "underlying_max_drawdown_percent": 3.4,
        "underlying_max_drawdown_days": 9,
        **dict.fromkeys(ratios, 1.5),
        **{f"underlying_{ratio}": 0.5 for ratio in ratios},
        "years": {"2025": result_by_year()},
    }


# --- the builder follows the tables ---------------------------------------------------------


def test_every_heading_has_a_model_with_exactly_its_table_fields() -> None:
    tables = spec_tables()
    assert len(tables) >= 25
    assert list(MODELS) == list(tables)
    for name, rows in tables.items():
        assert rows, f"{name} has an empty table"
        assert field_names(name) == set(rows), name
        required = {field for field, cell in rows.items() if cell == "yes"}
        model_fields = MODELS[name].model_fields
        assert {field for field, info in model_fields.items() if info.is_required()} == required


def test_extended_objects_repeat_their_bases_fields() -> None:
    """Models are built from each table alone: right only if tables list inherited fields."""
    extending = [spec for spec in SPECS.values() if spec.bases]
    assert extending
    for spec in extending:
        for base in spec.bases:
            assert set(SPECS[base].fields) <= set(spec.fields), f"{spec.name} extends {base}"


def test_copy_matches_shared_spec() -> None:
    if not SHARED_SPEC.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED_SPEC} is missing under CI")
        pytest.skip(f"{SHARED_SPEC} is absent outside CI")
    assert SPEC_PATH.read_bytes() == SHARED_SPEC.read_bytes()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("| field | type | required |\n|---|---|---|\n| `a` | int | yes |", "unparsable field row"),
        ("| `a` | `int` | maybe |", "unknown required cell"),
        ("| `a` | `int` | yes |\n| `a` | `str` | yes |", "repeated field"),
        ("No table here.", "has no fields"),
    ],
)
def test_parser_rejects_malformed_tables(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_spec(f"### Thing\n\n{text}\n")


def test_parser_rejects_malformed_heading() -> None:
    with pytest.raises(ValueError, match="bad or repeated heading"):
        parse_spec("### Thing (extends)\n\n| `a` | `int` | yes |\n")


@pytest.mark.parametrize("type_", ["Missing", "tuple[int]", "list[int, str]", "int | None"])
def test_builder_rejects_unknown_types(type_: str) -> None:
    with pytest.raises(ValueError, match=r"^unsupported annotation|^unknown object type"):
        build_models(parse_spec(f"### Thing\n\n| `a` | `{type_}` | yes |\n"))


# --- accepted payloads ----------------------------------------------------------------------


def test_valid_bot_response_with_nested_broker_connection() -> None:
    bot = validate("BotResponse", bot_response())
    assert isinstance(bot, MODELS["BotResponse"])
    assert isinstance(getattr(bot, "broker_connection"), MODELS["BaseBrokerConnection"])  # noqa: B009
    data = bot.model_dump()
    assert data["broker_connection"] == bot_response()["broker_connection"]
    assert data["last_active_at"] == datetime(2025, 3, 14, 15, 30, tzinfo=UTC)
    assert data["notifications"][1] is None
    assert data["variables"][0]["condition"] == "Less Than"


def test_absent_not_required_keys_pass() -> None:
    bot = validate("BotResponse", bot_response())
    for absent in ("entry_condition", "exit_condition", "adjustments"):
        assert absent not in bot.model_fields_set
        assert bot.model_dump()[absent] is None
    response = validate("BaseResponse", {"success": True, "message": "ok"})
    assert response.model_dump() == {"success": True, "message": "ok", "data": [], "pages": None}


def test_int_accepted_for_float() -> None:
    price = validate("Fill", {**fill(), "price": 2}).model_dump()["price"]
    assert price == 2.0
    assert isinstance(price, float)


def test_iso_strings_become_dates_and_times() -> None:
    assert validate("ResultByTimeframe", timeframe()).model_dump()["date"] == date(2025, 1, 31)
    leg = validate("Leg", {**leg_payload(), "expiration_date": "2025-03-21T20:00:00Z"})
    assert leg.model_dump()["expiration_date"] == datetime(2025, 3, 21, 20, tzinfo=UTC)


def test_days_and_times_of_adjustments_are_plain_text() -> None:
    """The wire form clients parse: strings, never the objects older tables described."""
    adjustment = MODELS["Adjustment"].model_fields
    assert adjustment["time_of_day"].annotation is str
    assert adjustment["days_of_week"].annotation is str
    assert MODELS["EntryCondition"].model_fields["days_of_week"].annotation == str | None
    assert "AdjustmentTime" not in MODELS
    assert "DaysOfWeek" not in MODELS


def test_result_by_year_months_keyed_by_month_name() -> None:
    months = validate("ResultByYear", result_by_year()).model_dump()["months"]
    assert set(months) == {"January", "February"}
    assert months["February"]["date"] == date(2025, 2, 28)


def test_results_years_keyed_by_int() -> None:
    years = getattr(validate("Results", results()), "years")  # noqa: B009
    assert list(years) == [2025]
    assert isinstance(years[2025], MODELS["ResultByYear"])


# --- rejected payloads ----------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def put(key: str, value: Any) -> Mutation:
    return lambda payload: payload.__setitem__(key, value)


def drop(key: str) -> Mutation:
    return lambda payload: payload.__delitem__(key)


def nest(key: str, mutation: Mutation) -> Mutation:
    return lambda payload: mutation(payload[key])


REJECTED: list[Any] = [
    ("BotResponse", bot_response, drop("symbol"), ("symbol",), "missing"),
    ("BotResponse", bot_response, drop("notes"), ("notes",), "missing"),
    ("BotResponse", bot_response, put("name", None), ("name",), "string_type"),
    ("BotResponse", bot_response, put("color", "blue"), ("color",), "extra_forbidden"),
    (
        "BotResponse",
        bot_response,
        nest("broker_connection", put("broker", "Tradier")),
        ("broker_connection", "broker"),
        "extra_forbidden",
    ),
    ("BotResponse", bot_response, put("status", "Paused"), ("status",), "literal_error"),
    ("BotResponse", bot_response, put("is_paper", "true"), ("is_paper",), "bool_type"),
    ("BotResponse", bot_response, put("entry_condition", None), ("entry_condition",), "model_type"),
    ("Fill", fill, put("leg_number", "1"), ("leg_number",), "int_type"),
    ("Fill", fill, put("quantity", 1.5), ("quantity",), "int_type"),
    ("Fill", fill, put("price", "1.25"), ("price",), "float_type"),
    ("Fill", fill, put("filled_at", "2025-03-14T25:61:00Z"), ("filled_at",), "datetime_parsing"),
    ("ResultByTimeframe", timeframe, put("date", "2025-02-30"), ("date",), "date_parsing"),
    ("ResultByTimeframe", timeframe, put("date", "31/01/2025"), ("date",), "date_parsing"),
    (
        "ResultByYear",
        result_by_year,
        nest("months", put("Smarch", timeframe())),
        ("months", "Smarch", "[key]"),
        "literal_error",
    ),
    (
        "Results",
        results,
        nest("years", put("MMXXV", result_by_year())),
        ("years", "MMXXV", "[key]"),
        "int_parsing",
    ),
    (
        "BaseResponse",
        lambda: {"success": True, "message": "ok"},
        put("pages", None),
        ("pages",),
        "list_type",
    ),
]


@pytest.mark.parametrize(
    ("name", "make", "mutate", "loc", "error_type"),
    REJECTED,
    ids=[f"{row[0]}-{'.'.join(map(str, row[3]))}-{row[4]}" for row in REJECTED],
)
def test_rejected(
    name: str,
    make: Callable[[], dict[str, Any]],
    mutate: Mutation,
    loc: tuple[str, ...],
    error_type: str,
) -> None:
    payload = make()
    validate(name, copy.deepcopy(payload))  # the unmutated payload is valid
    mutate(payload)
    with pytest.raises(ValidationError) as caught:
        validate(name, payload)
    assert [(error["loc"], error["type"]) for error in caught.value.errors()] == [(loc, error_type)]
