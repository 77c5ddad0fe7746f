"""The token lifecycle over real HTTP against `keystead serve`, then a scan of its logs.

Tests in this module run in file order; the last one reads the logs the server
wrote while the others ran.
"""

from __future__ import annotations

import time

import httpx

from keystead.access.sessions import SESSION_COOKIE
from tests.factories import PASSWORD
from tests.server.conftest import Server, keystead_cli


def sign_in(http: httpx.Client, server: Server, email: str) -> str:
    server.secrets.add(PASSWORD)
    assert (
        http.post("/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
    )
    login = http.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200
    csrf: str = login.json()["data"]["csrf_token"]
    server.secrets.update({csrf, login.cookies[SESSION_COOKIE]})
    version = http.get("/account/api-terms").json()["data"]["version"]
    accepted = http.post(
        "/account/api-terms", json={"version": version}, headers={"X-CSRF-Token": csrf}
    )
    assert accepted.status_code == 200
    return csrf


def test_lifecycle_create_use_edit_use_revoke(server: Server) -> None:
    with httpx.Client(base_url=server.url) as http:
        csrf = sign_in(http, server, "lifecycle@example.com")
        headers = {"X-CSRF-Token": csrf}
        created = http.post(
            "/account/api-tokens",
            json={"name": "lifecycle", "permissions": ["account:read"]},
            headers=headers,
        )
        assert created.status_code == 201
        token = created.json()["data"]
        server.secrets.add(token["token"])
        auth = {"Authorization": f"Bearer {token['token']}"}

    with httpx.Client(base_url=server.url) as api:
        used = api.get("/v1/account", headers=auth)
        assert used.status_code == 200
        assert used.json()["message"] == "Account retrieved"

    with httpx.Client(base_url=server.url) as http:
        csrf = sign_in_again(http, server, "lifecycle@example.com")
        edited = http.patch(
            f"/account/api-tokens/{token['id']}",
            json={"permissions": ["bots:read"]},
            headers={"X-CSRF-Token": csrf},
        )
        assert edited.status_code == 200
        with httpx.Client(base_url=server.url) as api:
            refused = api.get("/v1/account", headers=auth)
            assert refused.status_code == 403
            assert refused.json() == {
                "success": False,
                "message": "Invalid token permissions",
                "data": [],
            }
        http.patch(
            f"/account/api-tokens/{token['id']}",
            json={"permissions": ["account:read"]},
            headers={"X-CSRF-Token": csrf},
        )
        with httpx.Client(base_url=server.url) as api:
            assert api.get("/v1/account", headers=auth).status_code == 200

        revoked = http.delete(f"/account/api-tokens/{token['id']}", headers={"X-CSRF-Token": csrf})
        assert revoked.status_code == 200
        assert revoked.json()["data"]["status"] == "revoked"

    with httpx.Client(base_url=server.url) as api:
        after = api.get("/v1/account", headers=auth)
        assert after.status_code == 401
        assert after.json() == {"success": False, "message": "Not authenticated", "data": []}


def sign_in_again(http: httpx.Client, server: Server, email: str) -> str:
    login = http.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200
    csrf: str = login.json()["data"]["csrf_token"]
    server.secrets.update({csrf, login.cookies[SESSION_COOKIE]})
    return csrf


def test_operator_cli_revoke_and_suspend_hold_on_the_next_request(server: Server) -> None:
    with httpx.Client(base_url=server.url) as http:
        csrf = sign_in(http, server, "operator@example.com")
        created = []
        for name in ("revoked by operator", "kept"):
            response = http.post(
                "/account/api-tokens",
                json={"name": name, "permissions": ["account:read"]},
                headers={"X-CSRF-Token": csrf},
            )
            created.append(response.json()["data"])
        server.secrets.update(token["token"] for token in created)
    revoked, kept = ({"Authorization": f"Bearer {t['token']}"} for t in created)
    with httpx.Client(base_url=server.url) as api:
        # Both are in the server's credential cache now.
        assert api.get("/v1/account", headers=revoked).status_code == 200
        assert api.get("/v1/account", headers=kept).status_code == 200

        result = keystead_cli(server, "token", "revoke", created[0]["id"], "--json")
        assert result.returncode == 0, result.stderr
        assert api.get("/v1/account", headers=revoked).status_code == 401
        assert api.get("/v1/account", headers=kept).status_code == 200

        result = keystead_cli(server, "account", "suspend", "operator@example.com")
        assert result.returncode == 0, result.stderr
        assert api.get("/v1/account", headers=kept).status_code == 401
        result = keystead_cli(server, "account", "unsuspend", "operator@example.com")
        assert result.returncode == 0, result.stderr
        assert api.get("/v1/account", headers=kept).status_code == 200


def test_secrets_in_odd_places_are_not_logged(server: Server) -> None:
    with httpx.Client(base_url=server.url) as http:
        csrf = sign_in(http, server, "odd@example.com")
        token = http.post(
            "/account/api-tokens",
            json={"name": "odd", "permissions": ["account:read"]},
            headers={"X-CSRF-Token": csrf},
        ).json()["data"]["token"]
        server.secrets.add(token)
        # A token pasted into a path or a query string must not reach the log either.
        http.get(f"/v1/{token}", headers={"Authorization": f"Bearer {token}"})
        http.get(f"/v1/account?token={token}", headers={"Authorization": f"Bearer {token}"})
        http.get(f"/nope/{token}")


def test_logs_contain_no_token_password_or_session_id(server: Server) -> None:
    time.sleep(0.2)  # let the server write its last lines
    logs = server.logs()
    assert '"path":"/v1/account"' in logs  # the request log is there to be scanned
    assert len(server.secrets) >= 6
    leaked = [secret for secret in server.secrets if secret in logs]
    assert leaked == []
