"""Run the fake Bot API as its own process: ``python -m bot.emulator --port 8081``.

Prints one line ``emulator listening on <base url>`` once it accepts requests (useful with
``--port 0``) and serves until SIGINT/SIGTERM. The base URL in a browser shows every chat.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from bot.emulator.flood import FloodLimits
from bot.emulator.server import DEFAULT_TOKEN, FakeBotAPI


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="linli_test_bot")
    parser.add_argument("--bot-id", type=int, default=None)
    parser.add_argument(
        "--callback-timeout",
        type=float,
        default=15.0,
        help="seconds after which callback queries can no longer be answered",
    )
    parser.add_argument(
        "--flood",
        action="store_true",
        help="answer 429 like Telegram's flood control (30/s overall, 1/s per private chat, "
        "20/min per group); tune it through POST /_emulator/flood_limits",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    api = FakeBotAPI(
        args.token,
        bot_username=args.bot_username,
        bot_id=args.bot_id,
        callback_timeout=args.callback_timeout,
        flood_limits=FloodLimits() if args.flood else None,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    base_url = await api.start(args.host, args.port)
    print(f"emulator listening on {base_url}", flush=True)
    try:
        await stop.wait()
    finally:
        await api.stop()


def main(argv: list[str] | None = None) -> int:
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
