"""A fake Telegram in a process of its own, for benchmarks that send a lot: an HTTP request
costs the emulator about as much CPU as it costs the sender, so sharing one core with it would
cap what is measured. Flood control is on at the rate given, as Telegram's is."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Iterable
from typing import Any

import aiohttp
from aiohttp import web

from benchmarks.outbox_throughput import freeze_startup_objects
from bot.emulator import FloodLimits
from bot.emulator.server import FakeBotAPI


def _serve(users: list[int], rate: float, port_out: Any) -> None:
    async def serve() -> None:
        api = FakeBotAPI(flood_limits=FloodLimits(global_rate=rate, per_chat_burst=1))
        for user in users:
            api.user(user)
        stop = asyncio.Event()

        async def count(_: web.Request) -> web.Response:
            return web.json_response({"delivered": len(api.state.delivered.entries)})

        async def sends(_: web.Request) -> web.Response:
            """Every message delivered: [chat id, time.time() of its request, text]."""
            found = [
                [int(call.params["chat_id"]), call.at, str(call.params.get("text", ""))]
                for call in api.calls
                if call.ok and call.method == "sendMessage"
            ]
            return web.json_response(
                {"sends": found, "refusals": len(api.flood_refusals),
                 "duplicates": len(api.duplicate_texts())}
            )  # fmt: skip

        async def stop_serving(_: web.Request) -> web.Response:
            stop.set()
            return web.json_response({})

        api.app.router.add_get("/_bench/count", count)
        api.app.router.add_get("/_bench/sends", sends)
        api.app.router.add_post("/_bench/stop", stop_serving)
        freeze_startup_objects()
        port_out.send(await api.start())
        await stop.wait()
        await api.stop()

    asyncio.run(serve())


class TelegramProcess:
    """Start with `async with TelegramProcess(users, rate) as telegram:`; `telegram.url` is
    its Bot API address."""

    def __init__(self, users: Iterable[int], rate: float) -> None:
        self.users, self.rate = list(users), rate
        self.url = ""
        self._child: multiprocessing.process.BaseProcess | None = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> TelegramProcess:
        context = multiprocessing.get_context("spawn")
        receiving, sending = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_serve, args=(self.users, self.rate, sending), daemon=True
        )
        self._child.start()
        self.url = await asyncio.to_thread(receiving.recv)
        self._http = aiohttp.ClientSession()
        return self

    async def _get(self, path: str) -> dict[str, Any]:
        assert self._http is not None
        async with self._http.get(f"{self.url}/_bench/{path}") as response:
            found: dict[str, Any] = await response.json()
            return found

    async def delivered(self) -> int:
        return int((await self._get("count"))["delivered"])

    async def sends(self) -> dict[str, Any]:
        return await self._get("sends")

    async def wait_delivered(self, count: int, every: float = 0.1) -> None:
        while await self.delivered() < count:  # noqa: ASYNC110 (another process)
            await asyncio.sleep(every)

    async def __aexit__(self, *_: object) -> None:
        assert self._http is not None and self._child is not None
        async with self._http.post(f"{self.url}/_bench/stop"):
            pass
        await self._http.close()
        await asyncio.to_thread(self._child.join, 10)
