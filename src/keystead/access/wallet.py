"""Sign-In with Ethereum: the EIP-4361 message, a strict parser, EIP-191 recovery.

Pure functions, no I/O. keystead issues every message it accepts (the nonce and
the exact text are kept server-side), so parsing here is strict: a message that
does not follow the EIP-4361 layout line by line is refused with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils.address import is_checksum_address, to_checksum_address

STATEMENT = "Sign in to keystead to manage your account API key."
VERSION = "1"
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_SIGNATURE = re.compile(r"^0x[0-9a-fA-F]{130}$")
_NONCE = re.compile(r"^[A-Za-z0-9]{8,}$")
_FIELDS = ("URI", "Version", "Chain ID", "Nonce", "Issued At", "Expiration Time")


class WalletMessageError(ValueError):
    """The message or signature is not acceptable; the text says why."""


@dataclass(frozen=True, slots=True)
class SiweMessage:
    domain: str
    address: str
    statement: str
    uri: str
    version: str
    chain_id: int
    nonce: str
    issued_at: datetime
    expiration_time: datetime

    def text(self) -> str:
        return (
            f"{self.domain} wants you to sign in with your Ethereum account:\n"
            f"{self.address}\n\n{self.statement}\n\n"
            f"URI: {self.uri}\nVersion: {self.version}\nChain ID: {self.chain_id}\n"
            f"Nonce: {self.nonce}\nIssued At: {_timestamp(self.issued_at)}\n"
            f"Expiration Time: {_timestamp(self.expiration_time)}"
        )


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise WalletMessageError(f"{name} is not an RFC 3339 time") from error
    if moment.tzinfo is None:
        raise WalletMessageError(f"{name} has no time zone")
    return moment


def checksum_address(address: str) -> str:
    """The EIP-55 form of an address; a mixed-case address must already be valid EIP-55."""
    if not _ADDRESS.match(address):
        raise WalletMessageError("address must be 0x followed by 40 hexadecimal digits")
    lower_or_upper = address[2:] in (address[2:].lower(), address[2:].upper())
    if not lower_or_upper and not is_checksum_address(address):
        raise WalletMessageError("address has an invalid EIP-55 checksum")
    return str(to_checksum_address(address))


def parse(text: str) -> SiweMessage:
    """Parse an EIP-4361 message in the layout keystead issues, strictly."""
    lines = text.split("\n")
    if len(lines) != 11:
        raise WalletMessageError("message does not have the EIP-4361 layout keystead issues")
    header = lines[0]
    suffix = " wants you to sign in with your Ethereum account:"
    if not header.endswith(suffix) or not header[: -len(suffix)]:
        raise WalletMessageError("message does not start with '<domain> wants you to sign in …'")
    address = lines[1]
    if not _ADDRESS.match(address) or not is_checksum_address(address):
        raise WalletMessageError("message address is not an EIP-55 checksummed address")
    if lines[2] != "" or lines[4] != "":
        raise WalletMessageError("message statement must stand between two empty lines")
    values: dict[str, str] = {}
    for line, name in zip(lines[5:], _FIELDS, strict=True):
        prefix = f"{name}: "
        if not line.startswith(prefix):
            raise WalletMessageError(f"message line {name!r} is missing or out of order")
        values[name] = line[len(prefix) :]
    if not values["Chain ID"].isdigit():
        raise WalletMessageError("Chain ID must be a number")
    if not _NONCE.match(values["Nonce"]):
        raise WalletMessageError("Nonce must be at least 8 letters or digits")
    return SiweMessage(
        domain=header[: -len(suffix)],
        address=address,
        statement=lines[3],
        uri=values["URI"],
        version=values["Version"],
        chain_id=int(values["Chain ID"]),
        nonce=values["Nonce"],
        issued_at=_parse_time(values["Issued At"], "Issued At"),
        expiration_time=_parse_time(values["Expiration Time"], "Expiration Time"),
    )


_RECOVERY_BYTES = frozenset({0, 1, 27, 28})
# secp256k1's group order n, halved: EIP-2 takes s in [1, n/2].
_HALF_CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141 // 2


def recover_signer(text: str, signature: str) -> str:
    """The address that made an EIP-191 `personal_sign` signature over `text`.

    One encoding per signature: the recovery byte is 0, 1, 27 or 28 and `s` is in the
    lower half of the curve order (EIP-2). Re-encoded forms of a valid signature (`v`
    of 99, a high `s`) are refused, so a signature names one session only."""
    if not _SIGNATURE.match(signature):
        raise WalletMessageError("signature must be 0x followed by 130 hexadecimal digits")
    raw = bytes.fromhex(signature[2:])
    if raw[64] not in _RECOVERY_BYTES:
        raise WalletMessageError("signature recovery byte (v) must be 0, 1, 27 or 28")
    if int.from_bytes(raw[32:64], "big") > _HALF_CURVE_ORDER:
        raise WalletMessageError("signature s value must be in the lower half (EIP-2)")
    try:
        signer = Account.recover_message(encode_defunct(text=text), signature=signature)
    except Exception as error:  # eth-account raises several types for malformed signatures
        raise WalletMessageError("signature cannot be verified") from error
    return str(signer)
