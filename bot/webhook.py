"""`linli run --webhook`: Telegram POSTs each update to us and we answer once it is safe.

aiogram's own webhook handler can answer Telegram first and handle the update afterwards
(`handle_in_background`), and even its waiting variant answers after 55 s whatever happened.
Here the answer waits: 200 only once the update was handled and its transaction committed, so
an update Telegram was told we accepted is never lost in a crash; if the handling failed (and
was rolled back) Telegram gets a 500 and sends the update again. One update that keeps failing
is accepted after `MAX_FAILURES` tries, so it cannot hold back the person's later messages.
"""

from __future__ import annotations

import asyncio
import gc
import hmac
import logging
import signal
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.middlewares.outcome import HandlingOutcome

if TYPE_CHECKING:
    from bot.app import Application

logger = logging.getLogger("linli.webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_FAILURES = 3  # tries of one update in this process before it is accepted anyway
SHUTDOWN_SECONDS = 30.0  # updates being handled when asked to stop are finished first


class WebhookEndpoint:
    """The aiohttp handler of Telegram's POSTs: check the secret, handle, then answer."""

    def __init__(self, application: Application, secret: str, worker: int | None = None) -> None:
        self.application = application
        self.worker = worker
        self._secret = secret.encode()
        self._failures: dict[int, int] = {}

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            logger.warning("webhook_refused reason=secret remote=%s", request.remote)
            return web.json_response({"ok": False, "error": "Unauthorized"}, status=401)
        bot = self.application.bot
        try:
            update = Update.model_validate(await request.json(), context={"bot": bot})
        except (ValueError, ValidationError) as error:  # a retry would not make it readable
            logger.error("webhook_unreadable error=%s", type(error).__name__)
            return web.json_response({})
        logger.debug(
            "webhook_update_received update_id=%s worker=%s", update.update_id, self.worker
        )
        tries = self._failures.get(update.update_id, 0) + 1
        outcome = HandlingOutcome(will_retry=tries < MAX_FAILURES)
        try:
            await self.application.dispatcher.feed_update(bot, update, handling=outcome)
        except Exception as error:  # not handled by the error router either
            outcome.failed, outcome.error = True, outcome.error or type(error).__name__
            logger.exception("webhook_update_raised update_id=%s", update.update_id)
        if outcome.failed:
            if outcome.will_retry:
                if len(self._failures) > 10_000:
                    self._failures.clear()
                self._failures[update.update_id] = tries
                logger.warning(
                    "webhook_update_failed update_id=%s error=%s try=%s: Telegram sends it again",
                    update.update_id,
                    outcome.error,
                    tries,
                )
                return web.json_response({"ok": False}, status=500)
            logger.error(
                "webhook_update_given_up update_id=%s error=%s tries=%s",
                update.update_id,
                outcome.error,
                tries,
            )
        self._failures.pop(update.update_id, None)
        logger.debug(
            "webhook_update_accepted update_id=%s worker=%s", update.update_id, self.worker
        )
        return web.json_response({})


class WebhookService:
    """The listening server and the webhook registration, started and stopped as one."""

    def __init__(
        self,
        application: Application,
        *,
        url: str,
        host: str,
        port: int,
        secret: str,
        sock: socket.socket | None = None,
        worker: int | None = None,
    ) -> None:
        self.application = application
        self.worker = worker
        self.url, self.host, self.port, self.secret = url, host, port, secret
        self.path = urlsplit(url).path or "/"
        self.endpoint = WebhookEndpoint(application, secret, worker)
        self._sock = sock
        self._runner: web.AppRunner | None = None
        self._workflow: dict[str, Any] = {}

    async def start(self) -> None:
        """Start the bot's work (outbox, scheduler), listen, then tell Telegram where we are."""
        dispatcher, bot = self.application.dispatcher, self.application.bot
        dispatcher["webhook_mode"] = True
        self._workflow = {"dispatcher": dispatcher, "bots": [bot], **dispatcher.workflow_data}
        await dispatcher.emit_startup(bot=bot, **self._workflow)
        app = web.Application()
        app.router.add_post(self.path, self.endpoint.handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
        await runner.setup()
        site: web.BaseSite = (
            web.SockSite(runner, self._sock)
            if self._sock is not None
            else web.TCPSite(runner, self.host, self.port, reuse_port=self.worker is not None)
        )
        await site.start()
        self._runner = runner
        await bot.set_webhook(
            self.url,
            secret_token=self.secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        logger.info(
            "webhook_listening listen=%s:%s path=%s worker=%s",
            self.host,
            self.port,
            self.path,
            self.worker,
        )

    async def stop(self) -> None:
        """Stop listening once the updates being handled are answered; the webhook stays set,
        so Telegram keeps the next updates until we are back."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            dispatcher = self.application.dispatcher
            await dispatcher.emit_shutdown(bot=self.application.bot, **self._workflow)


async def run_webhook(application: Application, *, worker: int | None = None) -> None:
    """Serve until SIGTERM or SIGINT (`linli run --webhook`). A worker of `--workers` listens
    on the same address as the others (SO_REUSEPORT: the kernel spreads the connections)."""
    url, host, port, secret = application.settings.webhook()
    service = WebhookService(
        application, url=url, host=host, port=port, secret=secret, worker=worker
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    gc.collect()  # as for polling: long-lived objects out of the collector's sight
    gc.freeze()
    await service.start()
    try:
        await stopping.wait()
        logger.info("webhook_stopping")
    finally:
        await service.stop()
