"""The token format: what a scanner, a typo and a forger each run into."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keystead.access import tokens

PREFIX = "kst"


def test_minted_token_has_the_contract_shape() -> None:
    plain = tokens.mint(PREFIX)
    assert re.fullmatch(r"kst_[0-9A-Za-z]{38}", plain)
    random_part, check = plain[4:36], plain[36:]
    assert check == tokens.checksum(random_part)
    assert tokens.parse(plain, PREFIX) is not None


def test_tokens_are_unique() -> None:
    assert len({tokens.mint(PREFIX) for _ in range(2000)}) == 2000


@pytest.mark.parametrize(
    "candidate",
    [
        "",
        "kst_",
        "Bearer kst_abc",
        "xyz_" + "a" * 38,  # wrong prefix
        "kst_" + "a" * 37,  # too short
        "kst_" + "a" * 39,  # too long
        "kst_" + "a" * 36 + "!!",  # outside base62
        "kst_" + "a" * 32 + "000000",  # wrong checksum
    ],
)
def test_malformed_tokens_are_refused(candidate: str) -> None:
    assert tokens.parse(candidate, PREFIX) is None


@given(position=st.integers(min_value=4, max_value=41), replacement=st.sampled_from(tokens.BASE62))
def test_any_single_character_typo_is_caught_by_the_checksum(
    position: int, replacement: str
) -> None:
    plain = tokens.mint(PREFIX)
    typo = plain[:position] + replacement + plain[position + 1 :]
    if typo != plain:
        assert tokens.parse(typo, PREFIX) is None


def test_keyed_hash_depends_on_the_server_secret() -> None:
    plain = tokens.mint(PREFIX)
    first = tokens.keyed_hash(b"a" * 32, plain)
    assert first == tokens.keyed_hash(b"a" * 32, plain)
    assert first != tokens.keyed_hash(b"b" * 32, plain)
    assert plain not in first
    assert len(first) == 64


def test_preview_is_prefix_and_last_four_characters() -> None:
    plain = tokens.mint(PREFIX)
    assert tokens.preview(plain, PREFIX) == f"kst_...{plain[-4:]}"


def test_ids_are_ten_uppercase_alphanumerics() -> None:
    assert re.fullmatch(r"[0-9A-Z]{10}", tokens.new_id())


def test_the_stored_form_is_hmac_sha256_under_the_secret_for_every_token_in_turn() -> None:
    secret = b"s" * 48
    hasher = tokens.KeyedHasher(secret)
    first, second = tokens.mint(PREFIX), tokens.mint(PREFIX)
    expected = [hmac.new(secret, t.encode(), hashlib.sha256).hexdigest() for t in (first, second)]
    # One hasher serves many tokens: no token's hash may depend on the one before.
    assert [hasher(first), hasher(second), hasher(first)] == [*expected, expected[0]]
    assert tokens.keyed_hash(secret, second) == expected[1]
