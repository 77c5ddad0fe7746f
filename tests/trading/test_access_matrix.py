"""Every /v1 route: a token without its permission gets 403, and another account's
token gets 404 for the object the route names (existence is not revealed)."""

from __future__ import annotations

from fastapi import FastAPI

from tests.catalogue import ALL_PERMISSIONS
from tests.factories import bearer, make_token, sign_up
from tests.trading.conftest import Trader, one_of_each

INVALID_PERMISSIONS = {"success": False, "message": "Invalid token permissions", "data": []}

# Route prefix → (the thing a {number} names, the listing that yields a real number).
OBJECTS = (
    ("/v1/bots/positions/", "Position", "/v1/bots/positions"),
    ("/v1/bots/orders/", "Order", "/v1/bots/orders"),
    ("/v1/bots/reports/", "Report", "/v1/bots/reports"),
    ("/v1/bots/variables/", "Variable", "/v1/bots/variables"),
    ("/v1/broker_connections/", "Broker connection", "/v1/broker_connections"),
    ("/v1/bots/", "Bot", "/v1/bots"),
)
BODIES = {
    ("PUT", "/v1/bots/{number}"): {"notes": "mine now"},
    ("PUT", "/v1/bots/reports/{number}"): {"name": "mine now"},
    ("PUT", "/v1/bots/variables/{number}"): {"name": "mine now"},
    ("POST", "/v1/bots/reports"): {"name": "r", "start_date": "2026-01-01"},
    ("POST", "/v1/bots/reports/"): {"name": "r", "start_date": "2026-01-01"},
}


def routes(app: FastAPI) -> list[tuple[str, str, str]]:
    return [
        (method, route.path, str(permission))
        for route, permission in app.state.permissions
        for method in sorted(route.methods or ())
    ]


async def concrete(trader: Trader, path: str) -> tuple[str, str | None]:
    """The path with a real object number of the trader's account, and what it names."""
    if "{number}" not in path:
        return path, None
    for prefix, thing, listing in OBJECTS:
        if path.startswith(prefix):
            items = await trader.data(listing)
            assert isinstance(items, list)
            assert items
            return path.replace("{number}", items[0]["number"]), thing
    raise AssertionError(f"no object kind for {path}")


async def test_missing_permission_is_403_on_every_route(app: FastAPI, trader: Trader) -> None:
    await one_of_each(trader)
    checked = 0
    for method, path, permission in routes(app):
        others = sorted(ALL_PERMISSIONS - {permission})
        plain = await make_token(trader.runtime, trader.account_id, others)
        url, _ = await concrete(trader, path)
        response = await trader.client.request(
            method, url, headers=bearer(plain), json=BODIES.get((method, path))
        )
        assert response.status_code == 403, (method, path, response.text)
        assert response.json() == INVALID_PERMISSIONS
        checked += 1
    assert checked == len(routes(app)) >= 30


async def test_another_accounts_objects_are_404(app: FastAPI, trader: Trader) -> None:
    await one_of_each(trader)
    stranger = await sign_up(trader.client)
    token = await stranger.create_token(sorted(ALL_PERMISSIONS))
    checked = 0
    for method, path, _ in routes(app):
        url, thing = await concrete(trader, path)
        if thing is None:
            continue
        response = await trader.client.request(
            method, url, headers=bearer(token["token"]), json=BODIES.get((method, path))
        )
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == {"success": False, "message": f"{thing} not found", "data": []}
        checked += 1
    assert checked == len([r for r in routes(app) if "{number}" in r[1]]) >= 19
    # The stranger's own listings are empty: nothing of the trader's account leaks into them.
    for listing in ("/v1/bots", "/v1/bots/positions", "/v1/bots/orders", "/v1/bots/variables"):
        response = await trader.client.get(listing, headers=bearer(token["token"]))
        assert response.json()["data"] == []
