"""docs/deployment.md, run: two `keystead serve` instances on PostgreSQL and Redis with
the settings file the page gives, behind Debian's nginx with the page's configuration
and a certificate made here. What a user relies on: https only, a Secure host-only
session that every instance honours, their own address (not nginx's, nor one they
wrote) seen by keystead, private metrics, and no failed request while an instance
is down."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from keystead.config import Settings
from tests.backends import REDIS_URL, TEST_SECRET, create_database, drop_database, postgres_url
from tests.factories import PASSWORD
from tests.nginx import (
    DOCS,
    Nginx,
    documented_block,
    launch_nginx,
    require_nginx,
    stop_nginx,
    with_replaced,
)
from tests.server.conftest import Server, free_port, start_server, stop_server

pytestmark = pytest.mark.server

DOC = DOCS / "deployment.md"
SETTINGS_MARKER = "<!-- tested: tests/deploy/test_deployment.py runs keystead with the next block"
NGINX_MARKER = "<!-- tested: tests/deploy/test_deployment.py runs the next nginx block"
CLIENT = "127.0.0.5"
"""The test's own address: loopback, but not nginx's 127.0.0.1."""
ELSEWHERE = "198.51.100.7"
HSTS = "max-age=31536000; includeSubDomains"


def require_openssl() -> None:
    """Skip without openssl, except under CI=true, where .ci/run installs it."""
    if shutil.which("openssl"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("openssl is required under CI (.ci/run installs it)")
    pytest.skip("openssl is not installed: apt-get install openssl")


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    request = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
    names = "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1"
    subprocess.run(
        ["openssl", *request.split(), *names.split(), "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


def environment_file(text: str) -> dict[str, str]:
    """The settings as systemd's EnvironmentFile= (and the wrapper's `sh`) reads them, for
    the forms the page may use: comments, NAME=value, and a value wholly in single quotes."""
    settings: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        assert equals, f"not NAME=value: {line}"
        assert name.removeprefix("KEYSTEAD_").lower() in Settings.model_fields, f"no {name}"
        if value.startswith("'"):
            assert value.count("'") == 2, f"quoted oddly: {line}"
            assert value.endswith("'"), f"quoted oddly: {line}"
            value = value[1:-1]
        else:
            assert not set(value) & set(" \t'\"\\$`;&|<>()"), f"quote the value: {line}"
        settings[name] = value
    return settings


def documented_settings(database: str, public_url: str) -> dict[str, str]:
    """The page's settings file with only the database, Redis and public URLs replaced
    (and the secret its instructions append)."""
    settings = environment_file(documented_block(DOC, SETTINGS_MARKER, "sh"))
    replaced = {
        "KEYSTEAD_DATABASE_URL": postgres_url(database),
        "KEYSTEAD_REDIS_URL": REDIS_URL,
        "KEYSTEAD_PUBLIC_URL": public_url,
    }
    assert settings["KEYSTEAD_PUBLIC_URL"].startswith("https://"), "an https public URL"
    for name, value in replaced.items():
        assert name in settings, f"the documented settings lost {name}"
        settings[name] = value
    return {
        **settings,
        "KEYSTEAD_SECRET_KEY": TEST_SECRET,
        "KEYSTEAD_REDIS_PREFIX": f"keystead-deploy-{uuid.uuid4().hex[:8]}",
    }


def site_config(instances: list[str], http: int, https: int, cert: Path, key: Path) -> str:
    """The page's nginx block with its addresses, ports and certificate paths replaced."""
    return with_replaced(
        documented_block(DOC, NGINX_MARKER),
        {
            "server 127.0.0.1:8001;": f"server {instances[0]};",
            "server 127.0.0.1:8002;": f"server {instances[1]};",
            "listen 80;": f"listen 127.0.0.1:{http};",
            "listen 443 ssl;": f"listen 127.0.0.1:{https} ssl;",
            "/etc/letsencrypt/live/keystead.example.com/fullchain.pem;": f"{cert};",
            "/etc/letsencrypt/live/keystead.example.com/privkey.pem;": f"{key};",
        },
    )


def https_client(url: str, cert: Path, source: str = CLIENT) -> httpx.Client:
    """A client of `url` that connects from `source` and trusts only the test's
    certificate."""
    verify = ssl.create_default_context(cafile=cert)
    transport = httpx.HTTPTransport(verify=verify, local_address=source, trust_env=False)
    return httpx.Client(base_url=url, transport=transport, timeout=30)


def start_instances(workdir: Path, env: dict[str, str], count: int) -> list[Server]:
    """`count` instances, one after the other (side by side, on a busy machine, they can
    miss the start deadline); none left running if one fails."""
    started: list[Server] = []
    try:
        for _ in range(count):
            started.append(start_server(workdir, env))
    except BaseException:
        for server in started:
            stop_server(server)
        raise
    return started


@dataclass
class Deployment:
    nginx: Nginx
    http_url: str
    instances: list[Server]
    cert: Path
    key: Path

    def client(self, source: str = CLIENT) -> httpx.Client:
        return https_client(self.nginx.url, self.cert, source)

    def requests_seen(self, instance: Server, path: str) -> list[dict[str, object]]:
        """The request lines `instance` logged for `path`."""
        lines = (json.loads(line) for line in instance.logs().splitlines() if line[:1] == "{")
        return [line for line in lines if line.get("event") == "request" and line["path"] == path]


@pytest.fixture(scope="module")
def deployment(
    postgres_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    require_nginx()  # before starting anything
    require_openssl()
    workdir = tmp_path_factory.mktemp("deploy")
    http, https = free_port(), free_port()
    cert, key = self_signed(workdir)
    database = create_database(postgres_template)
    try:
        env = documented_settings(database, f"https://127.0.0.1:{https}")
        instances = start_instances(workdir, env, 2)
        try:
            addresses = [server.url.removeprefix("http://") for server in instances]
            site = site_config(addresses, http, https, cert, key)
            nginx = launch_nginx(workdir / "nginx", site, https, f"https://127.0.0.1:{https}")
            try:
                yield Deployment(nginx, f"http://127.0.0.1:{http}", instances, cert, key)
            finally:
                stop_nginx(nginx)
        finally:
            for server in instances:
                stop_server(server)
    finally:
        drop_database(database)


def sign_up(client: httpx.Client) -> str:
    """A new account, signed in and with the terms accepted: its CSRF token."""
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD}
    assert client.post("/auth/register", json=body).status_code == 201
    login = client.post("/auth/login", json=body)
    assert login.status_code == 200, login.text
    csrf: str = login.json()["data"]["csrf_token"]
    version = client.get("/account/api-terms").json()["data"]["version"]
    accepted = client.post(
        "/account/api-terms", json={"version": version}, headers={"X-CSRF-Token": csrf}
    )
    assert accepted.status_code == 200, accepted.text
    return csrf


def test_plain_http_is_sent_to_https(deployment: Deployment) -> None:
    with httpx.Client(trust_env=False) as client:
        answer = client.get(
            f"{deployment.http_url}/api?tab=tokens", headers={"Host": "keystead.example.com"}
        )
    assert answer.status_code == 301
    assert answer.headers["location"] == "https://keystead.example.com/api?tab=tokens"


def test_a_sign_in_is_a_secure_host_only_cookie_that_every_instance_honours(
    deployment: Deployment,
) -> None:
    with deployment.client() as client:
        body = {"email": f"{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD}
        assert client.post("/auth/register", json=body).status_code == 201
        login = client.post("/auth/login", json=body)
        assert login.status_code == 200, login.text
        assert login.headers["strict-transport-security"] == HSTS
        [cookie] = [
            value
            for value in login.headers.get_list("set-cookie")
            if value.startswith("__Host-keystead_session=")
        ]
        attributes = dict(part.strip().partition("=")[::2] for part in cookie.split(";")[1:])
        attributes = {name.lower(): value for name, value in attributes.items()}
        assert {"secure", "httponly"} <= attributes.keys()
        assert attributes["path"] == "/"
        assert "domain" not in attributes

        number = login.json()["data"]["account"]["number"]
        for _ in range(6):
            answer = client.get("/account")
            assert answer.status_code == 200, answer.text
            assert answer.json()["data"]["number"] == number
            assert answer.headers["strict-transport-security"] == HSTS
    for instance in deployment.instances:
        answered = deployment.requests_seen(instance, "/account")
        assert answered, f"{instance.url} answered none of the session's requests"
        assert {(line["status"], line["client"]) for line in answered} == {(200, CLIENT)}


def allowlisted(client: httpx.Client, csrf: str, address: str) -> str:
    body = {"name": f"only {address}", "permissions": ["account:read"], "allowed_ips": [address]}
    created = client.post("/account/api-tokens", json=body, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.text
    token: str = created.json()["data"]["token"]
    return token


def test_keystead_sees_the_clients_address_not_nginxs_nor_one_the_client_wrote(
    deployment: Deployment,
) -> None:
    with deployment.client() as client:
        csrf = sign_up(client)
        own = allowlisted(client, csrf, CLIENT)
        nginxs = allowlisted(client, csrf, "127.0.0.1")
        written = allowlisted(client, csrf, ELSEWHERE)

        def status(token: str, forwarded_for: str | None = None) -> int:
            headers = {"Authorization": f"Bearer {token}"}
            if forwarded_for:
                headers["X-Forwarded-For"] = forwarded_for
            return client.get("/v1/account", headers=headers).status_code

        assert status(own) == 200
        assert status(own, ELSEWHERE) == 200
        assert status(nginxs) == 401
        assert status(written, ELSEWHERE) == 401

        audit = client.get("/account/audit").json()["data"]
        [login] = [entry for entry in audit if entry["action"] == "login.succeeded"]
        assert login["client"] == CLIENT


def test_metrics_answer_the_monitoring_address_only(deployment: Deployment) -> None:
    with deployment.client(CLIENT) as client:
        assert client.get("/metrics").status_code == 403
    with deployment.client("127.0.0.1") as monitoring:
        answer = monitoring.get("/metrics")
    assert answer.status_code == 200
    assert "# TYPE" in answer.text


def test_while_an_instance_is_down_every_request_is_answered(
    deployment: Deployment, tmp_path: Path
) -> None:
    # The same page's nginx in front of one live instance and one port nothing listens
    # on any more: what nginx meets while an instance restarts.
    http, https = free_port(), free_port()
    stopped = f"127.0.0.1:{free_port()}"
    live = deployment.instances[0].url.removeprefix("http://")
    site = site_config([stopped, live], http, https, deployment.cert, deployment.key)
    nginx = launch_nginx(tmp_path, site, https, f"https://127.0.0.1:{https}")
    try:
        with https_client(nginx.url, deployment.cert) as client:
            csrf = sign_up(client)  # writes too: register, login, accept the terms
            statuses = [client.get("/account").status_code for _ in range(4)]
            created = client.post(
                "/account/api-tokens",
                json={"name": "while one is down", "permissions": ["account:read"]},
                headers={"X-CSRF-Token": csrf},
            )
        assert statuses == [200] * 4
        assert created.status_code == 201, created.text
    finally:
        stop_nginx(nginx)
