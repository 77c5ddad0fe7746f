"""Reports and their results: by day, by timeframe, by year."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from keystead.trading.wire.bots import BaseBrokerConnection, BasicBot
from keystead.trading.wire.types import Int, Moment, Month, Number, WireModel


class BasicReportDetail(WireModel):
    total_trades: Int | None
    winning_trades: Int | None
    losing_trades: Int | None
    win_percent: float | None


class BotReportDetail(BasicBot, BasicReportDetail):
    average_entry_price: float
    average_exit_price: float
    average_profit_price: float
    average_gain: float
    average_win: float
    average_loss: float
    premium_collected: float
    premium_retained: float
    premium_retained_percent: float
    total_profit: float


class ResultByDay(WireModel):
    date: dt.date
    current_drawdown_dollars: float
    current_drawdown_percent: float
    day_return_percent: float
    profit: float
    total_return_percent: float
    underlying_current_drawdown_days: Int
    underlying_current_drawdown_percent: float
    underlying_day_return_percent: float
    underlying_total_return_percent: float


class ResultByTimeframe(BasicReportDetail):
    date: dt.date = Field(description="The first trading day of the period.")
    starting_net_liquidation_value: float
    ending_net_liquidation_value: float
    broker_fees: float
    total_return_dollars: float
    total_return_percent: float
    max_drawdown_dollars: float
    max_drawdown_percent: float
    underlying_max_drawdown_percent: float
    underlying_total_return_percent: float


class ResultByYear(ResultByTimeframe):
    months: dict[Month, ResultByTimeframe]


class Results(BasicReportDetail):
    """A report's figures; a listing leaves out the daily `days`."""

    starting_net_liquidation_value: float
    ending_net_liquidation_value: float
    average_gain: float | None
    average_win: float | None
    average_loss: float | None
    broker_fees: float | None
    premium_collected: float | None
    premium_retained: float | None
    premium_retained_percent: float | None
    total_return_dollars: float
    total_return_percent: float
    max_drawdown_dollars: float
    max_drawdown_percent: float
    max_drawdown_days: Int
    cagr: float
    sharpe: float
    sortino: float
    mar: float
    annualized_volatility: float
    correlation: float
    beta: float
    underlying_total_return_percent: float
    underlying_max_drawdown_percent: float
    underlying_max_drawdown_days: Int
    underlying_cagr: float
    underlying_sharpe: float
    underlying_sortino: float
    underlying_mar: float
    underlying_annualized_volatility: float
    bots: list[BotReportDetail] | SkipJsonSchema[None] = None
    years: dict[int, ResultByYear] | SkipJsonSchema[None] = None
    days: list[ResultByDay] | SkipJsonSchema[None] = None


class ReportResponse(WireModel):
    number: Number
    name: str
    status: Literal["Complete", "Running", "Draft"]
    completed_at: Moment | None
    start_date: dt.date
    end_date: dt.date
    run_until_latest_date: bool
    is_public: bool
    symbol: str
    nlv_source: Literal[
        "Actual NLV", "Percent of NLV", "Fixed Balance", "Specific Starting Balance"
    ]
    nlv_amount: float | None
    bot_statuses: list[Literal["Enabled", "Disabled"]]
    brokers: list[BaseBrokerConnection] | None
    bots: list[BasicBot | None]
    bot_tags: list[str | None]
    bot_position_tags: list[str | None]
    results: Results
