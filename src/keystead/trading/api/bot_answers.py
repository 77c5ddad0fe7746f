"""Bots serialised once for as long as what they show stays the same.

A hot read hands back the very same row object while a row's stored values are the
same (store/hot_reads.py), so a bot's JSON is kept by the identity of the rows it
was built from: its own (with what it shows of its broker connection, made once
per row) and, with details, the variables it shows. Any change to any of them, on
any instance, is a new row object and so a new answer; rows the ORM loaded for a
change can change in place and are never kept.
"""

from __future__ import annotations

from keystead.envelope import to_json
from keystead.store.hot_reads import Row
from keystead.trading.api import views
from keystead.trading.services.bots import BotDetails, BrokerShown

CAPACITY = 4096
"""Answers kept per process; all are let go of when it is full."""

Sources = tuple[object, ...]


class BotAnswers:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._kept: dict[tuple[object, ...], tuple[Sources, bytes]] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def json(self, details: BotDetails, include_details: bool) -> bytes:
        """The bot as `views.bot` shows it, in JSON."""
        sources: Sources = (details.bot, details.broker)
        if include_details:
            sources += tuple(details.variables.values())
        key = (include_details, *map(id, sources))
        kept = self._kept.get(key)
        if kept is not None and all(a is b for a, b in zip(kept[0], sources, strict=True)):
            return kept[1]
        body = to_json(views.bot(details, include_details))
        if all(isinstance(source, Row | BrokerShown) for source in sources):
            if len(self._kept) >= self._capacity:
                self._kept.clear()
            # The sources are held with the answer, so their ids are not reused meanwhile.
            self._kept[key] = (sources, body)
        return body

    def list(self, bots: list[BotDetails], include_details: bool) -> list[bytes]:
        """The bots as a JSON list in pieces, for `envelope.ok_serialised`."""
        pieces = [b"["]
        for index, details in enumerate(bots):
            if index:
                pieces.append(b",")
            pieces.append(self.json(details, include_details))
        pieces.append(b"]")
        return pieces
