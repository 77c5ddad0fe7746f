"""The trading API's services, built once per process from the platform's runtime."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from keystead.clock import Clock
from keystead.runtime import Runtime
from keystead.trading.engine import Backends, live_engine
from keystead.trading.paper import PaperBackend
from keystead.trading.services.bots import BotService
from keystead.trading.services.broker_connections import BrokerConnectionService
from keystead.trading.services.orders import OrderService
from keystead.trading.services.positions import PositionService
from keystead.trading.services.reports import ReportService
from keystead.trading.services.variables import VariableService
from keystead.trading.settings import TradingSettings

if TYPE_CHECKING:
    from keystead.trading.api.bot_answers import BotAnswers
    from keystead.trading.api.position_answers import PositionAnswers


@dataclass(frozen=True, slots=True)
class Trading:
    clock: Clock
    bots: BotService
    positions: PositionService
    orders: OrderService
    variables: VariableService
    reports: ReportService
    brokers: BrokerConnectionService
    position_answers: PositionAnswers
    """Closed positions serialised once, for this process's listings."""
    bot_answers: BotAnswers
    """Bots serialised once while what they show is unchanged."""


def start(runtime: Runtime, settings: TradingSettings | None = None) -> Trading:
    """The services over the platform's database and clock; paper bots trade on the
    paper engine, live bots on the engine `KEYSTEAD_EXECUTION_ENGINE` names."""
    # Here, not at the top: the routes import this module, and this one the routes' package.
    from keystead.trading.api.bot_answers import BotAnswers
    from keystead.trading.api.position_answers import PositionAnswers

    settings = settings or TradingSettings()
    engines = Backends(paper=PaperBackend(), live=live_engine(settings.execution_engine))
    db, clock = runtime.db, runtime.clock
    return Trading(
        clock=clock,
        bots=BotService(db, clock, engines),
        positions=PositionService(db, clock, engines),
        orders=OrderService(db),
        variables=VariableService(db, clock),
        reports=ReportService(db, clock),
        brokers=BrokerConnectionService(db),
        position_answers=PositionAnswers(),
        bot_answers=BotAnswers(),
    )


def trading_of(runtime: Runtime) -> Trading:
    services = runtime.guarded_services
    if not isinstance(services, Trading):
        raise RuntimeError("the trading API is not the API this runtime guards")
    return services


def from_request(request: Request) -> Trading:
    return trading_of(request.app.state.runtime)


AppTrading = Annotated[Trading, Depends(from_request)]
