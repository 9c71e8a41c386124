"""Only the emulator's own page may drive it from a browser.

The control API can play any user, and the feed shows every chat, so a page from elsewhere that
a person happens to have open (http://evil.example) must not reach them through the browser:

- a request whose `Origin` is not this server's own (`http://127.0.0.1:<port>`, or the same port
  on `localhost` / `[::1]`) is refused with 403, WebSocket handshakes included (browsers always
  send `Origin` there);
- a request the browser marks as coming from another site (`Sec-Fetch-Site: cross-site` or
  `same-site`) is refused, even without `Origin` (an `<img>` or a plain link);
- the page, its files, the feed and the control API answer only to their own host name, so a
  foreign name pointed at 127.0.0.1 (DNS rebinding) gets nothing.

A request with no `Origin` and no `Sec-Fetch-Site` is not a web page's: browsers send `Origin` with
every cross-origin request and every POST. Those are the tests, the demo's processes and `curl`,
which keep working as before; state-changing calls from a browser therefore always carry an
`Origin`, and it must be ours. The Bot API routes (`/bot<token>/...`) keep any host name (the bot
may reach the emulator under another one) but refuse foreign origins too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

if TYPE_CHECKING:
    from bot.emulator.server import FakeBotAPI

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
UNSPECIFIED = ("0.0.0.0", "::", "[::]")
FOREIGN_FETCH_SITES = ("cross-site", "same-site")
BOT_API_PATHS = ("/bot", "/file/bot")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


def own_hosts(api: FakeBotAPI, request: web.Request) -> set[str]:
    """`host:port` names this server answers to."""
    if api.base_url is None:
        return set()
    bound = urlsplit(api.base_url)
    port = bound.port
    hosts = {f"{name}:{port}" for name in LOOPBACK_NAMES} | {bound.netloc}
    if bound.hostname in UNSPECIFIED or f"[{bound.hostname}]" in UNSPECIFIED:
        hosts.add(request.host)  # serving every interface: whatever name reached us
    return hosts


def refusal(api: FakeBotAPI, request: web.Request) -> str | None:
    """Why `request` may not be served, or None."""
    hosts = own_hosts(api, request)
    origin = request.headers.get("Origin")
    if origin is not None:
        parts = urlsplit(origin)
        if parts.scheme != "http" or parts.netloc not in hosts:
            return f"origin {origin!r} is not this emulator's page"
    if request.headers.get("Sec-Fetch-Site", "").lower() in FOREIGN_FETCH_SITES:
        return "requests from other sites are not served"
    if not request.path.startswith(BOT_API_PATHS) and request.host not in hosts:
        return f"host {request.host!r} is not this emulator"
    return None


def origin_guard(api: FakeBotAPI) -> Middleware:
    """An aiohttp middleware applying `refusal` to every route."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        reason = refusal(api, request)
        if reason is not None:
            return web.json_response({"ok": False, "error": reason}, status=403)
        return await handler(request)

    return guard
