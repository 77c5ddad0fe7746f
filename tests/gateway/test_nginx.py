"""The nginx configuration of docs/forward-auth.md, run by Debian's nginx between a real
`keystead serve` and a plain upstream: admitted requests reach the upstream with who
is calling and without the client's secrets; refusals are keystead's own (status,
envelope, headers), 429 included, and never reach the upstream."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from tests.gateway.nginx import Answer, Received, StandIn, running_nginx, stand_in
from tests.nginx import Nginx, require_nginx
from tests.scaleout.conftest import Owner, sign_up
from tests.server.conftest import Server, free_port, start_server, stop_server

pytestmark = pytest.mark.server

AUDIENCE = "http://trading.internal:9000"
RELAYED = (
    "www-authenticate",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "ratelimit",
    "ratelimit-policy",
    "keystead-token-expiration",
    "keystead-token-warning",
)
"""What keystead may send with an answer that the client gets from nginx too."""


@pytest.fixture(scope="module")
def keystead(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_nginx()  # before starting anything
    env = {"KEYSTEAD_TRUSTED_PROXIES": '["127.0.0.1"]', "KEYSTEAD_UPSTREAM_AUDIENCE": AUDIENCE}
    running = start_server(tmp_path_factory.mktemp("keystead"), env)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def upstream() -> Iterator[StandIn]:
    with stand_in() as running:
        yield running


@pytest.fixture(scope="module")
def gateway(
    keystead: Server, upstream: StandIn, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Nginx]:
    address = keystead.url.removeprefix("http://")
    with running_nginx(tmp_path_factory.mktemp("nginx"), address, upstream.address) as nginx:
        yield nginx


@pytest.fixture
def owner(keystead: Server) -> Iterator[Owner]:
    """A signed-up user of its own: each test has the account's 30 a minute to itself."""
    signed_up = sign_up(keystead)
    try:
        yield signed_up
    finally:
        signed_up.http.close()


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def direct(keystead: Server, token: str | None, uri: str, method: str = "GET") -> httpx.Response:
    """keystead's own answer to the check nginx makes."""
    headers = {"X-Original-Method": method, "X-Original-URI": uri, **bearer(token)}
    return httpx.get(f"{keystead.url}/auth/forward", headers=headers)


def assert_keysteads_refusal(
    answer: httpx.Response, own: httpx.Response, compared: tuple[str, ...] = RELAYED
) -> None:
    """The client got what keystead answered: status, envelope (byte for byte), headers."""
    assert (answer.status_code, answer.content) == (own.status_code, own.content), answer.text
    assert answer.headers["content-type"] == "application/json"
    assert json.loads(answer.content)["success"] is False
    for name in compared:
        relayed, direct_answer = answer.headers.get(name), own.headers.get(name)
        if name in MOMENT_APART and direct_answer is not None:
            # Asked a moment apart: a time may have crossed a second's turn.
            assert relayed is not None, name
            assert within_a_second(relayed, direct_answer), (name, relayed, direct_answer)
        else:
            assert relayed == direct_answer, name


MOMENT_APART = ("retry-after", "x-ratelimit-reset", "ratelimit")


def within_a_second(relayed: str, direct_answer: str) -> bool:
    """Equal but for the numbers, and the numbers at most one apart."""
    numbers = re.compile(r"\d+")
    if numbers.sub("#", relayed) != numbers.sub("#", direct_answer):
        return False
    pairs = zip(numbers.findall(relayed), numbers.findall(direct_answer), strict=True)
    return all(abs(int(a) - int(b)) <= 1 for a, b in pairs)


def account_number(owner: Owner) -> str:
    number: str = owner.http.get("/account").json()["data"]["number"]
    return number


def test_an_admitted_request_reaches_the_upstream_with_who_is_calling_and_no_secrets(
    keystead: Server, upstream: StandIn, gateway: Nginx, owner: Owner
) -> None:
    token = owner.create_token(["bots:read"])
    forged = {
        "Cookie": "keystead_session=stolen",
        "Keystead-Account": "FORGED0000",
        "Keystead-Credential": "FORGED0000",
        "Keystead-Permissions": "bots:read positions:write",
        "Keystead-Assertion": "forged.assertion.value",
        "X-Request-Id": "chosen-by-the-client",
    }
    seen = len(upstream.received)
    answer = httpx.get(
        f"{gateway.url}/v1/bots?page=2", headers={**bearer(token["token"]), **forged}
    )
    assert answer.status_code == 200, answer.text
    [received] = upstream.received[seen:]
    assert json.loads(answer.content)["path"] == received.path == "/v1/bots?page=2"
    assert received.method == "GET"

    number = account_number(owner)
    assert received.header("Keystead-Account") == number
    assert received.header("Keystead-Credential") == token["id"]
    assert received.header("Keystead-Permissions") == "bots:read"
    request_id = received.header("X-Request-Id")
    assert request_id is not None
    assert re.fullmatch("[0-9a-f]{32}", request_id)  # nginx's $request_id, not the client's
    assert received.values("Authorization") == received.values("Cookie") == []
    assert received.header("X-Forwarded-For") == "127.0.0.1"

    assertion = received.header("Keystead-Assertion")
    assert assertion is not None
    keys = jwt.PyJWKSet.from_dict(httpx.get(f"{keystead.url}/.well-known/jwks.json").json())
    claims = jwt.decode(
        assertion,
        keys[jwt.get_unverified_header(assertion)["kid"]].key,
        algorithms=["EdDSA"],
        audience=AUDIENCE,
        issuer=keystead.url,
    )
    assert (claims["sub"], claims["cred"], claims["scope"]) == (number, token["id"], "bots:read")
    assert (claims["htm"], claims["htu"]) == ("GET", f"{gateway.url}/v1/bots?page=2")

    # The client is told where it stands, as if it had asked keystead directly.
    assert (answer.headers["x-ratelimit-limit"], answer.headers["x-ratelimit-remaining"]) == (
        "30",
        "29",
    )
    assert ("keystead-token-expiration" in answer.headers) == bool(token["expires_at"])
    assert "keystead-assertion" not in answer.headers


def test_an_admitted_post_reaches_the_upstream_with_its_body(
    upstream: StandIn, gateway: Nginx, owner: Owner
) -> None:
    token = owner.create_token(["positions:write"])
    seen = len(upstream.received)
    body = b'{"reason": "the check gets no body, the upstream all of it"}'
    answer = httpx.post(
        f"{gateway.url}/v1/bots/ABCDEFGHIJ/open",
        content=body,
        headers={**bearer(token["token"]), "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    [received] = upstream.received[seen:]
    assert (received.method, received.path, received.body) == (
        "POST",
        "/v1/bots/ABCDEFGHIJ/open",
        body,
    )
    assert received.header("Keystead-Permissions") == "positions:write"


@pytest.mark.parametrize("token", [None, "ks_not-a-token"], ids=["no token", "bad token"])
def test_no_token_or_a_bad_one_gets_keysteads_401(
    keystead: Server, upstream: StandIn, gateway: Nginx, token: str | None
) -> None:
    seen = len(upstream.received)
    answer = httpx.get(f"{gateway.url}/v1/bots", headers=bearer(token))
    assert answer.status_code == 401
    assert answer.json()["message"] == "Not authenticated"
    assert_keysteads_refusal(answer, direct(keystead, token, "/v1/bots"))
    assert len(upstream.received) == seen


def test_a_token_without_the_permission_gets_keysteads_403(
    keystead: Server, upstream: StandIn, gateway: Nginx, owner: Owner
) -> None:
    token = owner.create_token(["bots:read"])["token"]
    seen = len(upstream.received)
    answer = httpx.get(f"{gateway.url}/v1/account", headers=bearer(token))
    assert answer.status_code == 403
    assert answer.json()["message"] == "Invalid token permissions"
    assert answer.headers["x-ratelimit-remaining"] == "30"  # a refusal does not count
    assert_keysteads_refusal(answer, direct(keystead, token, "/v1/account"))
    assert len(upstream.received) == seen


def test_a_route_the_api_does_not_have_gets_keysteads_404(
    keystead: Server, upstream: StandIn, gateway: Nginx, owner: Owner
) -> None:
    token = owner.create_token(["bots:read"])["token"]
    seen = len(upstream.received)
    answer = httpx.get(f"{gateway.url}/v1/nothing-here", headers=bearer(token))
    assert answer.status_code == 404
    assert answer.headers["x-ratelimit-remaining"] == "29"
    # keystead counts these, so its own answer, a moment later, has one fewer left.
    own = direct(keystead, token, "/v1/nothing-here")
    assert own.headers["x-ratelimit-remaining"] == "28"
    assert_keysteads_refusal(answer, own, ("retry-after", "keystead-token-expiration"))
    assert len(upstream.received) == seen


def test_the_31st_request_in_a_minute_gets_keysteads_429(
    keystead: Server, upstream: StandIn, gateway: Nginx, owner: Owner
) -> None:
    token = owner.create_token(["bots:read"])["token"]
    seen = len(upstream.received)
    with httpx.Client(base_url=gateway.url, headers=bearer(token)) as client:
        answers = [client.get("/v1/bots") for _ in range(31)]
    assert [answer.status_code for answer in answers] == [200] * 30 + [429]
    assert len(upstream.received) == seen + 30  # exactly the admitted ones
    refused = answers[-1]
    assert refused.json()["message"] == "Too Many Attempts."
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert (refused.headers["x-ratelimit-limit"], refused.headers["x-ratelimit-remaining"]) == (
        "30",
        "0",
    )
    # A refused check counts nothing, so keystead's own answer is the same refusal.
    assert_keysteads_refusal(refused, direct(keystead, token, "/v1/bots"))


STAND_IN_HEADERS = {
    "X-RateLimit-Limit": "30",
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": "17",
    "RateLimit": "limit=30, remaining=0, reset=17",
    "RateLimit-Policy": "30;w=60",
    "Keystead-Token-Expiration": "2030-01-01T00:00:00Z",
    "Keystead-Token-Warning": "This token expires soon",
}


CHECK_HEADERS = {
    "host",
    "authorization",
    "x-original-method",
    "x-original-uri",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-request-id",
}


def keystead_stand_in(request: Received) -> Answer:
    """Answers the check with every header keystead may send, so that the test does not
    depend on which of them this version of keystead sends."""
    envelope = b'{"success":false,"message":"Not authenticated","data":[]}'
    json_type = {"Content-Type": "application/json"}
    uri = request.header("X-Original-URI")
    if uri == "/v1/challenge":
        return 401, {**json_type, "WWW-Authenticate": 'Bearer realm="keystead"'}, envelope
    if uri == "/v1/limited":
        body = b'{"success":false,"message":"Too Many Attempts.","data":[]}'
        return 429, {**json_type, **STAND_IN_HEADERS, "Retry-After": "17"}, body
    if uri == "/v1/admitted":
        identity = {"Keystead-Account": "ACCOUNT001", "X-Request-Id": "f" * 32}
        return 200, {**json_type, **STAND_IN_HEADERS, **identity}, b"{}"
    return 500, {"Retry-After": "5", **json_type}, b'{"success":false}'


def test_every_header_keystead_may_send_reaches_the_client(
    upstream: StandIn, tmp_path: Path
) -> None:
    with (
        stand_in(keystead_stand_in) as fake,
        running_nginx(tmp_path, fake.address, upstream.address) as nginx,
    ):
        seen = len(upstream.received)
        challenge = httpx.get(f"{nginx.url}/v1/challenge")
        assert challenge.status_code == 401
        assert challenge.headers.get_list("www-authenticate") == ['Bearer realm="keystead"']

        limited = httpx.get(f"{nginx.url}/v1/limited")
        assert limited.status_code == 429
        assert limited.json()["message"] == "Too Many Attempts."
        assert limited.headers["retry-after"] == "17"

        broken = httpx.get(f"{nginx.url}/v1/broken")
        assert broken.status_code == 503
        assert broken.headers["retry-after"] == "5"
        assert broken.json() == {
            "success": False,
            "message": "Access check unavailable; try again shortly",
            "data": [],
        }
        assert len(upstream.received) == seen

        sneaky = {"Cookie": "a=b", "X-Forwarded-Host": "evil.example", "X-Original-URI": "/v1/x"}
        admitted = httpx.post(
            f"{nginx.url}/v1/admitted", content=b"body", headers={**bearer("t"), **sneaky}
        )
        assert admitted.status_code == 200
        assert upstream.received[-1].header("Keystead-Account") == "ACCOUNT001"
        # The check carries what keystead reads and nothing the client added, nor a body.
        check = fake.received[-1]
        assert (check.method, check.path, check.body) == ("GET", "/auth/forward", b"")
        assert {name.lower() for name, _ in check.headers} == CHECK_HEADERS
        assert check.header("X-Original-Method") == "POST"
        assert check.header("X-Original-URI") == "/v1/admitted"
        assert check.header("X-Forwarded-Host") == nginx.url.removeprefix("http://")
        assert check.header("Authorization") == "Bearer t"
        for answer in (limited, admitted):
            for name, value in STAND_IN_HEADERS.items():
                assert answer.headers.get_list(name) == [value], name


def test_without_keystead_nothing_is_forwarded(upstream: StandIn, tmp_path: Path) -> None:
    nobody = f"127.0.0.1:{free_port()}"
    with running_nginx(tmp_path, nobody, upstream.address) as nginx:
        seen = len(upstream.received)
        answer = httpx.get(f"{nginx.url}/v1/bots", headers=bearer("anything"))
        assert answer.status_code == 503
        assert answer.json()["message"] == "Access check unavailable; try again shortly"
        assert len(upstream.received) == seen
