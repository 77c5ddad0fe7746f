"""Property-based fuzzing of every operation in keystead's `/openapi.json`.

One fresh app per backend, in-process over ASGI: on SQLite, then on PostgreSQL with
Redis (the same cases on both), with the demo account (terms accepted, bots,
positions, orders, reports, variables, broker connections) and every configurable
rate limit lifted (`UNTHROTTLED`). About half the cases carry a value at the edge of
its type in one place (`edges`: the largest integers, NaN, far dates, NUL, look-alike
text).
schemathesis generates valid and invalid requests per operation from the schema
(examples, coverage and fuzzing phases); each is sent with the credential a real
client would use there (`auth_for`):

- `/v1/...`: a bearer token holding every permission;
- `/auth/...`, `/account/...`: the email/password session (cookie + `X-CSRF-Token`);
- `/user/...`: a wallet session (`Authorization: Bearer <signature>` after SIWE);
- `/security/...`: the operator's leak-report secret, as a secret scanner sends it;
- `/healthz`, `/readyz`: nothing.

State changes must not take the auth away from later cases: the two logouts sign in
anew for each of their cases (`FuzzTarget.credentials`) and end that session only;
the bearer token's id is never offered to the token routes (spare tokens are); what
else a case can change (bots, positions, reports, the wallet account's API key)
leaves the credentials intact. About half the cases name real objects, a valid
wallet address or the demo login instead of random ones (`hooks`), so handlers run
past their lookups.

Every response must: not be a 5xx; have a status documented for that operation; have
a documented content type and match the documented body schema where there is one;
be keystead's envelope (`checks.keystead_envelope`).
`/metrics` (Prometheus text), `/docs` (HTML) and `/openapi.json` (the schema itself)
are not in the schema (`include_in_schema=False`): not fuzzed, and not envelopes.

The tests are built at collection from the document the app serves (see
`openapi_document`); `test_served_schema_is_the_fuzzed_one` proves it is the same.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import APIOperation, Case
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.generation.hypothesis.builder import ApiOperationMark

from tests.fuzz import edges, hooks
from tests.fuzz.checks import keystead_envelope
from tests.fuzz.stats import FindingKey, FuzzStats
from tests.fuzz.target import (
    Credentials,
    FuzzTarget,
    auth_for,
    openapi_document,
)

# Fixed, so a CI failure replays the same requests locally.
FUZZ_SEED = 20_240_611

DOCUMENT = openapi_document()

schema = schemathesis.openapi.from_dict(
    copy.deepcopy(DOCUMENT),
    config=schemathesis.Config.from_dict(
        {
            "seed": FUZZ_SEED,
            "base-url": "http://testserver",
            # Nothing of a run is kept on disk: the seed alone decides the cases.
            "cache": {"enabled": False},
            # Valid requests reach the handlers; invalid ones the 422 and envelope paths.
            "generation": {"mode": "all"},
        }
    ),
)
hooks.register(schema)
edges.register(schema)


def _operation_labels() -> set[str]:
    labels = set()
    for result in schema.get_all_operations():
        # A schema error surfaces here, at collection, not as a silently missing test.
        if isinstance(result, Err):
            raise result.err()
        labels.add(result.ok().label)
    return labels


OPERATIONS = _operation_labels()

CHECKS: list[Any] = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    keystead_envelope,
]


def reproduction(response: schemathesis.Response, credentials: Credentials) -> tuple[int, str]:
    """The request as sent, minus the credential (named, never shown), and its size.

    schemathesis' own curl line filters any field whose name looks secret (`password`,
    `token`...), and with it the generated values a finding may hinge on; none of those
    is a secret here, so they are shown, cut short when long."""
    request = response.request
    url = urlsplit(str(request.url))
    target = f"{url.path}?{url.query}" if url.query else url.path
    body = request.body
    raw = body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else b""
    parts = [f"{request.method} {target}"]
    content_type = request.headers.get("Content-Type")
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    if content_type:
        parts.append(f"Content-Type: {content_type}")
    if raw:
        shown = raw[:160].decode("utf-8", "backslashreplace")
        more = f"... ({len(raw)} bytes)" if len(raw) > 160 else ""
        parts.append(f"body {shown}{more}")
    parts.append(f"as: {credentials.label}")
    return len(target) + len(raw), "  |  ".join(parts)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # The credential is a parameter, not a lookup in the test, because pytest 9.2 builds
    # a node id from the parameters only: without one, schemathesis 4.32 gives every
    # operation the same id `test_operation`. With it: `test_operation[GET /v1/bots][bearer]`.
    operation = ApiOperationMark.get(metafunc.function)
    if operation is not None and "auth" in metafunc.fixturenames:
        auth = auth_for(operation.path)
        metafunc.parametrize("auth", [auth], ids=[auth])


@pytest.fixture(scope="module", autouse=True)
def _count_operations(fuzz_stats: FuzzStats) -> None:
    fuzz_stats.operations_in_schema.update(OPERATIONS)


def test_served_schema_is_the_fuzzed_one(fuzz_target: FuzzTarget) -> None:
    assert fuzz_target.served_schema == DOCUMENT


@schema.parametrize()
@settings(
    # Coverage-phase cases come on top of these (about 1,600 cases over 48 operations
    # in all), and the whole suite has to stay well under ten minutes.
    max_examples=12,
    # A request through the whole app is milliseconds to seconds (a report run, a big
    # leak report); the time is not a property under test here.
    deadline=None,
    # Same cases on every machine and under CI's Hypothesis profile; nothing written.
    derandomize=True,
    database=None,
    print_blob=False,
    # schemathesis filters and builds large bodies by design (negative cases, 1000-item
    # reports): these checks would flag the generator, not keystead.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_operation(
    case: Case[APIOperation[Any, Any, Any, Any]],
    auth: str,
    fuzz_target: FuzzTarget,
    fuzz_stats: FuzzStats,
) -> None:
    credentials = fuzz_target.credentials(auth)
    app = fuzz_target.app
    response = case.call(
        headers=dict(credentials.headers), cookies=dict(credentials.cookies), app=app
    )
    fuzz_stats.record_response(case.operation.label, response.status_code, fuzz_target.backend)
    try:
        case.validate_response(
            response,
            checks=CHECKS,
            headers=dict(credentials.headers),
            # Checks that re-send the request (content-type probes) reach the same app.
            transport_kwargs={"app": app},
        )
    except FailureGroup as group:
        for failure in group.exceptions:
            key = FindingKey(case.operation.label, failure.title, response.status_code)
            fuzz_stats.record_finding(key, *reproduction(response, credentials))
        raise


def test_credentials_survived_the_fuzzing(fuzz_target: FuzzTarget) -> None:
    """401 is a documented answer everywhere, so a credential lost halfway would turn
    every later case into a passing 401; this proves the shared ones still work."""
    for auth, path in (("session", "/account"), ("wallet", "/user/api"), ("bearer", "/v1/account")):
        credentials = fuzz_target.credentials(auth)
        response = fuzz_target.client.get(
            path, headers=credentials.headers, cookies=credentials.cookies
        )
        assert response.status_code == 200, f"{credentials.label}: {response.text}"


def test_every_operation_was_fuzzed(
    request: pytest.FixtureRequest, fuzz_stats: FuzzStats, fuzz_target: FuzzTarget
) -> None:
    """Runs after the fuzzing above on the same backend (same module, later): an
    operation whose test ran (all of them, in a full run) but sent no case on this
    backend fails here instead of passing."""
    ran = {
        label
        for item in request.session.items
        if item.parent is request.node.parent
        and (label := getattr(item, "operation_label", None)) is not None
    }
    assert OPERATIONS
    assert ran <= OPERATIONS
    fuzzed = fuzz_stats.operations_per_backend.get(fuzz_target.backend, set())
    missing = ran - fuzzed
    assert not missing, f"never fuzzed on {fuzz_target.backend}: {sorted(missing)}"
    assert fuzz_stats.server_errors == 0
