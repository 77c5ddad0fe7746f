"""Generation hooks that mix real values into the generated ones.

Random identifiers, addresses and credentials are only ever "not found" or "invalid":
the handler stops at its first lookup. About half the cases name a real bot, position,
report, token, a valid wallet address or the demo login instead, so the rest of each
handler runs too. The hooks are bound to the schema at collection, before fixtures
exist, and read the real values from the active `FuzzTarget` when they run.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from hypothesis import strategies as st
from schemathesis import HookContext
from schemathesis.schemas import BaseSchema

from tests.fuzz.target import ACTIVE

ID_PARAMETERS = ("number", "token_id")
# Fixed keys, not Account.create(): a derandomized run must draw the same addresses.
ADDRESSES = [Account.from_key(bytes([n]) * 32).address for n in range(1, 6)]


def _or_generated(generated: Any, real: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # Real first: Hypothesis shrinks towards the first branch, and a finding on a real
    # object is the clearer report.
    return st.one_of(real, st.just(generated))


def real_path_parameters(context: HookContext, path_parameters: dict[str, Any] | None) -> Any:
    operation = context.operation
    if operation is None or not ACTIVE or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    names = [name for name in ID_PARAMETERS if name in path_parameters]
    ids = ACTIVE[-1].ids_for(operation.label, operation.path)
    if not names or not ids:
        return st.just(path_parameters)
    real = st.sampled_from(ids).map(lambda value: {**path_parameters, names[0]: value})
    return _or_generated(path_parameters, real)


def real_query(context: HookContext, query: dict[str, Any] | None) -> Any:
    operation = context.operation
    if operation is None or operation.path != "/auth/wallet/challenge":
        return st.just(query)
    real = st.sampled_from(ADDRESSES).map(lambda address: {**(query or {}), "address": address})
    return _or_generated(query, real)


def real_body(context: HookContext, body: Any) -> Any:
    operation = context.operation
    if operation is None or operation.path != "/auth/login" or not ACTIVE:
        return st.just(body)
    demo = ACTIVE[-1].demo
    return _or_generated(body, st.just({"email": demo.email, "password": demo.password}))


def register(schema: BaseSchema) -> None:
    schema.hooks.register_hook_with_name(real_path_parameters, "flatmap_path_parameters")
    schema.hooks.register_hook_with_name(real_query, "flatmap_query")
    schema.hooks.register_hook_with_name(real_body, "flatmap_body")
