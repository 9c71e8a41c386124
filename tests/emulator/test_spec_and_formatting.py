"""Spec validation and entity parsing without HTTP."""

from __future__ import annotations

import pytest

from bot.emulator import APIError, load_spec, validate_call
from bot.emulator.files import UploadedFile
from bot.emulator.formatting import parse_html, parse_markdown_v2, parse_text, utf16_len
from bot.emulator.spec import decode_call


def refusal(method: str, params: dict[str, object]) -> tuple[int, str]:
    with pytest.raises(APIError) as caught:
        validate_call(method, params)
    return caught.value.error_code, caught.value.description


def test_spec_is_bundled() -> None:
    spec = load_spec()
    assert spec.version == "Bot API 9.2"
    assert spec.resolve("SENDMESSAGE") is spec.methods["sendMessage"]


def test_validate_call_rules() -> None:
    validate_call("sendMessage", {"chat_id": "42", "text": "hi", "disable_notification": "true"})
    assert refusal("sendTelepathy", {}) == (404, "Not Found")
    assert refusal("sendMessage", {"chat_id": 1, "text": "x", "foo": 1}) == (
        400,
        "Bad Request: unknown parameter foo",
    )
    assert refusal("sendMessage", {"text": "x"}) == (400, "Bad Request: chat_id is empty")
    assert refusal("sendMessage", {"chat_id": 1, "text": ""}) == (
        400,
        "Bad Request: message text is empty",
    )
    assert refusal("deleteMessage", {"chat_id": 1}) == (400, "Bad Request: message_id is empty")
    assert refusal("deleteMessage", {"chat_id": 1, "message_id": "x1"})[0] == 400
    assert refusal("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": "{oops"}) == (
        400,
        "Bad Request: can't parse reply keyboard markup JSON object",
    )


def test_decode_call_types() -> None:
    upload = UploadedFile("a.txt", "text/plain", b"abc")
    _, params = decode_call(
        "sendDocument",
        {
            "chat_id": "-100123",
            "document": "attach://f1",
            "disable_notification": "false",
            "reply_markup": '{"inline_keyboard": []}',
        },
        {"f1": upload},
    )
    assert params == {
        "chat_id": -100123,
        "document": upload,
        "disable_notification": False,
        "reply_markup": {"inline_keyboard": []},
    }
    _, params = decode_call("sendMessage", {"chat_id": "@channel", "text": "x"})
    assert params["chat_id"] == "@channel"


def test_html_visible_text_and_utf16_entities() -> None:
    parsed = parse_html(
        '😀 <b>bold &amp; <i>both</i></b> <a href="https://x.org/?a=1&amp;b=2">l</a>'
    )
    assert parsed.text == "😀 bold & both l"
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 11},
        {"type": "italic", "offset": 10, "length": 4},
        {"type": "text_link", "url": "https://x.org/?a=1&b=2", "offset": 15, "length": 1},
    ]
    assert utf16_len("😀") == 2
    assert parse_html("&ge; &#x4e2d;").text == "&ge; 中"
    assert parse_html('<pre><code class="language-py">x</code></pre>').entities == [
        {"type": "pre", "offset": 0, "length": 1, "language": "py"}
    ]


def test_html_and_markdown_refusals() -> None:
    for bad in ('<span class="x">s</span>', "<b>a", "a</b>", "<b>a</i>", "<tg-emoji>x</tg-emoji>"):
        with pytest.raises(APIError, match="can't parse entities"):
            parse_html(bad)
    with pytest.raises(APIError, match="unsupported parse_mode"):
        parse_text("x", "BBCode")
    assert parse_markdown_v2(r"`a.b` ```py" "\nprint(1)```").text == "a.b print(1)"
    assert parse_markdown_v2("__u__ ||s|| ~x~").text == "u s x"
