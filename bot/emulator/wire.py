"""How a Bot API request arrives over HTTP: parameters from the query string, JSON, a form or
multipart (with uploaded files, referenced as `attach://name` or standing alone), as Telegram
accepts them; and answers written as UTF-8 JSON."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.emulator.errors import bad_request
from bot.emulator.files import UploadedFile


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Read query string, JSON, urlencoded or multipart parameters like Telegram accepts."""
    params: dict[str, Any] = dict(request.query)
    attachments: dict[str, UploadedFile] = {}
    content_type = request.content_type
    if request.method == "POST" and request.can_read_body:
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("JSON object expected")
            params.update(body)
        elif content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if not hasattr(part, "filename") or part.name is None:
                    continue
                if part.filename is not None:
                    data = await part.read()
                    attachments[part.name] = UploadedFile(
                        part.filename, part.headers.get("Content-Type"), bytes(data)
                    )
                else:
                    params[part.name] = await part.text()
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    referenced = {
        v.removeprefix("attach://")
        for v in params.values()
        if isinstance(v, str) and v.startswith("attach://")
    }
    for name, upload in attachments.items():
        if name not in referenced:
            params[name] = upload
    return params, attachments
