"""The real linli application served by webhook (`linli run --webhook`), in this process."""

from __future__ import annotations

import socket
from typing import Any

from bot.app import Application, build_application
from bot.clock import Clock
from bot.config import Settings, load_settings
from bot.emulator.server import FakeBotAPI
from bot.webhook import WebhookService

SECRET = "a-long-random-secret_0123456789"
PATH = "/telegram/updates"


def free_listener() -> socket.socket:
    """A socket bound to a free loopback port, handed to the server (no race for the port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class WebhookBot:
    """Starts and stops the bot the way `linli run --webhook` does: Telegram (the emulator)
    POSTs each update and the bot answers once it was handled and committed."""

    def __init__(self, api: FakeBotAPI, clock: Clock, **settings: Any) -> None:
        self.api = api
        self.clock = clock
        self.settings_overrides = settings
        self.application: Application | None = None
        self.service: WebhookService | None = None
        self.url = ""

    def settings(self, port: int) -> Settings:
        self.url = f"http://127.0.0.1:{port}{PATH}"
        return load_settings(
            _env_file=None,
            bot_token=self.api.token,
            telegram_api_url=self.api.base_url,
            webhook_url=self.url,
            webhook_listen=f"127.0.0.1:{port}",
            webhook_secret=SECRET,
            **self.settings_overrides,
        )

    @property
    def app(self) -> Application:
        assert self.application is not None, "the bot is not running"
        return self.application

    async def start(self) -> None:
        sock = free_listener()
        settings = self.settings(sock.getsockname()[1])
        self.application = await build_application(settings, self.clock)
        url, host, port, secret = settings.webhook()
        self.service = WebhookService(
            self.application, url=url, host=host, port=port, secret=secret, sock=sock
        )
        await self.service.start()

    async def stop(self) -> None:
        if self.application is None:
            return
        if self.service is not None:
            await self.service.stop()
            self.service = None
        http = getattr(self.application.bot.session, "_session", None)
        if http is not None:  # no TLS to wait for (see RunningBot.stop)
            await http.close()
        await self.application.close()
        self.application = None
