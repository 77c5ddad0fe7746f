"""Position listings from closed positions serialised once.

A closed position never changes again (nothing reopens or edits one; an import only
adds), so its JSON is built the first time it is listed and kept. What it shows of
the bot holding it (the bot's name and number, its broker connection, paper or live)
can change, on any instance: those three values are read with every page and put
into the kept bytes in their places. An open position is built afresh each time.
A page of kept positions costs one query for its ids and one for the account's bots;
when the rows of the bots it shows are the very ones it was built from (a hot read
hands back the same row object while its values are the same), the whole page is
the one kept last time.
"""

from __future__ import annotations

from collections.abc import Collection

import orjson

from keystead.trading.api import views
from keystead.trading.services.positions import CLOSED, Owner, PositionDetails, PositionPage

CAPACITY = 100_000
"""Closed positions kept per process, a few KiB each; the oldest kept goes first."""
PAGE_BYTES = 16 * 1024 * 1024
"""Whole pages kept per process, in bytes; all are let go of when it is full."""

_OWNER_FIELDS = ("bot", "broker_connection", "is_paper")
_STAND_INS = {name: f"\x00{name}" for name in _OWNER_FIELDS}
_STAND_IN_BYTES = tuple(orjson.dumps(_STAND_INS[name]) for name in _OWNER_FIELDS)

Template = tuple[bytes, bytes, bytes, bytes]
"""A position's JSON cut where its owner's three values go."""
Kept = tuple[int, Template]
"""A closed position's bot id and template."""
Sources = tuple[object, ...]
"""The hot-read rows a page's bots were read as."""


def _same_owners(page: PositionPage, bot_ids: tuple[int, ...], sources: Sources) -> bool:
    """Whether the page's bots are still the very rows a kept page was built from."""
    owners = page.owners
    for bot_id, source in zip(bot_ids, sources, strict=True):
        owner = owners.get(bot_id)
        if owner is None or owner.source is not source:
            return False
    return True


def _template(details: PositionDetails) -> Template:
    body = orjson.dumps(views.position_held_by(details.position, **_STAND_INS))
    parts: list[bytes] = []
    start = 0
    for stand_in in _STAND_IN_BYTES:
        # In field order, and before any free text (tags, legs): the first one found
        # after the last is the stand-in itself.
        at = body.index(stand_in, start)
        parts.append(body[start:at])
        start = at + len(stand_in)
    parts.append(body[start:])
    return parts[0], parts[1], parts[2], parts[3]


def _owner_values(owner: Owner) -> tuple[bytes, bytes, bytes]:
    return (
        orjson.dumps(views.basic_bot(owner.bot)),
        orjson.dumps(views.base_broker(owner.broker)),
        b"true" if owner.bot.is_paper else b"false",
    )


class PositionAnswers:
    """Closed positions kept serialised, by id, with the id of the bot holding each."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._kept: dict[int, Kept] = {}
        self._pages: dict[tuple[int, ...], tuple[tuple[int, ...], Sources, bytes]] = {}
        """By the page's ids: the bots it shows, the rows they were read as, its JSON.
        The rows are held with the page, so nothing else is given their ids meanwhile."""
        self._page_bytes = 0

    @property
    def held(self) -> Collection[int]:
        """The ids of the kept positions: what the service need not read."""
        return self._kept

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def whole_pages(self) -> int:
        return len(self._pages)

    def missing(self, page: PositionPage) -> list[int]:
        """Positions of the page neither kept nor read: let go of by another request
        between reading the page and answering it."""
        if all(map(self._kept.__contains__, page.ids)):
            return []
        unkept = set(page.ids).difference(self._kept)  # walks the page, not the kept
        return [position_id for position_id in unkept if position_id not in page.loaded]

    def pieces(self, page: PositionPage) -> list[bytes]:
        """The page's positions as a JSON list in pieces, in the page's order, for
        `envelope.ok_serialised` (call `missing` first). A page of kept positions only,
        whose bots' rows are the very ones it was built from, is answered whole from
        the last time."""
        whole = not page.loaded
        if whole:
            kept = self._pages.get(tuple(page.ids))
            if kept is not None and _same_owners(page, kept[0], kept[1]):
                return [kept[2]]
        pieces, bot_ids = self._build(page)
        if whole:
            sources = tuple(page.owners[bot_id].source for bot_id in bot_ids)
            if all(source is not None for source in sources):
                body = b"".join(pieces)
                self._keep_page(tuple(page.ids), bot_ids, sources, body)
                return [body]
        return pieces

    def _keep_page(
        self, ids: tuple[int, ...], bot_ids: tuple[int, ...], sources: Sources, body: bytes
    ) -> None:
        if self._page_bytes + len(body) > PAGE_BYTES:
            self._pages.clear()
            self._page_bytes = 0
        self._pages[ids] = (bot_ids, sources, body)
        self._page_bytes += len(body)

    def _build(self, page: PositionPage) -> tuple[list[bytes], tuple[int, ...]]:
        """The pieces, and the ids of the bots the page shows (its owners' values are
        made for those only: an account may have many bots)."""
        # Every kept one the page needs is taken before any new one is kept, so
        # keeping cannot let go of what this page is about to use.
        kept, loaded = self._kept, page.loaded
        found: list[Kept] = []
        for position_id in page.ids:
            details = loaded.get(position_id)
            if details is None:
                found.append(kept[position_id])
            else:
                found.append((details.position.bot_id, _template(details)))
        owners: dict[int, tuple[bytes, bytes, bytes]] = {}
        pieces: list[bytes] = []
        for (bot_id, template), position_id in zip(found, page.ids, strict=True):
            values = owners.get(bot_id)
            if values is None:
                values = owners[bot_id] = _owner_values(page.owners[bot_id])
            bot, broker, is_paper = values
            first, second, third, last = template
            pieces += (b",", first, bot, second, broker, third, is_paper, last)
            details = loaded.get(position_id)
            if details is not None and details.position.status == CLOSED:
                self._keep(position_id, bot_id, template)
        if pieces:
            pieces[0] = b"["  # the first comma opens the list instead
        else:
            pieces.append(b"[")
        pieces.append(b"]")
        return pieces, tuple(owners)

    def _keep(self, position_id: int, bot_id: int, template: Template) -> None:
        if position_id in self._kept:
            return
        if len(self._kept) >= self._capacity:
            del self._kept[next(iter(self._kept))]  # the oldest kept
        self._kept[position_id] = (bot_id, template)
