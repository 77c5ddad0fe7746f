"""AES-GCM sealing of secrets that their owner may see again (account API keys).

The key is derived from the server secret with HKDF, so no second secret has to
be managed; the associated data binds each ciphertext to its row.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"keystead account keys v1"
_NONCE_BYTES = 12


class SealError(ValueError):
    """The sealed value was not made by this server secret for this context."""


class Sealer:
    def __init__(self, server_secret: bytes, purpose: bytes = _INFO) -> None:
        # One key per purpose: a value sealed for one use never opens for another.
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            server_secret
        )
        self._aead = AESGCM(key)

    def seal(self, plain: str, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plain.encode(), context.encode())
        return base64.b64encode(nonce + sealed).decode()

    def unseal(self, sealed: str, context: str) -> str:
        raw = base64.b64decode(sealed)
        try:
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except InvalidTag as error:
            raise SealError("sealed value does not open with this server secret") from error
        return plain.decode()
