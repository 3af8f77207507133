"""YKIEN_WEB_LISTEN and YKIEN_WEB_URL: refused when malformed (Vietnamese, exit 2, nothing
touched); an https URL makes the cookie Secure."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.cli import main
from bot.config import Config, ConfigError
from bot.web_server import secure
from handlers.web.app import build_web_app
from surveys.services import Services
from tests.conftest import COMMUNE

CASES = [
    ({"YKIEN_WEB_LISTEN": "8080"}, "listen", "YKIEN_LISTEN (hoặc YKIEN_WEB_LISTEN) phải có dạng"),
    ({"YKIEN_WEB_URL": "ykien.xa.vn"}, "web_url", "YKIEN_WEB_URL phải là địa chỉ https://"),
]  # fmt: skip


@pytest.mark.parametrize(("env", "reason", "message"), CASES, ids=[c[1] for c in CASES])
def test_refused_web_settings(env, reason, message, monkeypatch, capsys) -> None:
    with pytest.raises(ConfigError) as refused:
        Config.from_env(env).override()
    assert refused.value.reason == reason and str(refused.value).startswith(message)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["migrate", "--list"]) == 2
    assert capsys.readouterr().err.startswith(message)
    monkeypatch.delenv(next(iter(env)))
    assert main(["run", "--web-listen", "nowhere"]) == 2


def test_https_url_makes_the_cookie_secure() -> None:
    env = {"YKIEN_WEB_URL": "https://ykien.xa.vn/", "YKIEN_WEB_LISTEN": "127.0.0.1:8080"}
    config = Config.from_env(env).override()
    assert config.web_url == "https://ykien.xa.vn" and secure(config)
    assert not secure(Config.from_env({"YKIEN_WEB_URL": "http://127.0.0.1:8080"}))


async def test_secure_cookie_behind_https(services: Services) -> None:
    async with TestClient(TestServer(build_web_app(services, secure=True))) as client:
        response = await client.get(f"/x/{COMMUNE}")
        assert response.status == 200
        assert "; Secure" in response.headers["Set-Cookie"]
