"""Wallet sign-in with real signatures from eth-account keys."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount


def sign(account: LocalAccount, message: str) -> str:
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex()


@dataclass
class WalletUser:
    client: httpx.AsyncClient
    account: LocalAccount
    signature: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.signature}"}

    async def user_api(self, method: str, path: str = "") -> httpx.Response:
        return await self.client.request(method, f"/user/api{path}", headers=self.headers)


async def challenge(client: httpx.AsyncClient, address: str) -> str:
    response = await client.get("/auth/wallet/challenge", params={"address": address})
    assert response.status_code == 200, response.text
    message: str = response.json()["data"]["message"]
    return message


async def wallet_sign_in(
    client: httpx.AsyncClient, account: LocalAccount | None = None
) -> WalletUser:
    account = account or Account.create()
    message = await challenge(client, account.address)
    signature = sign(account, message)
    response = await client.post(
        "/auth/wallet/login", json={"message": message, "signature": signature}
    )
    assert response.status_code == 200, response.text
    client.cookies.clear()  # tests authenticate with the bearer signature, as clients do
    return WalletUser(client, account, signature)
