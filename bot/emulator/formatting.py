"""Entity parsing for parse_mode, so length limits apply to visible text like Telegram.

Telegram counts the 1-4096 (text) and 0-1024 (caption) limits after removing markup, and it
refuses malformed markup with "can't parse entities: ...". This module reproduces that
closely enough to catch real bugs: unsupported HTML tags such as <br>, unescaped "<",
unbalanced tags and, for MarkdownV2, unescaped reserved characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.errors import APIError, bad_request

_HTML_TAGS: dict[str, str | None] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")
_ATTR_RE = re.compile(r"""\s*([a-zA-Z_-]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_TAG_NAME_RE = re.compile(r"[a-zA-Z0-9-]*")
MARKDOWN_V2_RESERVED = "_*[]()~`>#+-=|{}.!"


@dataclass
class FormattedText:
    """Visible text plus entities with UTF-16 offsets, as Telegram stores a message."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)

    def stripped(self) -> FormattedText:
        """Trim surrounding whitespace as Telegram does, keeping entities aligned."""
        core = self.text.strip()
        if core == self.text:
            return self
        shift = utf16_len(self.text[: len(self.text) - len(self.text.lstrip())])
        size = utf16_len(core)
        entities: list[dict[str, Any]] = []
        for entity in self.entities:
            start = max(entity["offset"] - shift, 0)
            end = min(entity["offset"] + entity["length"] - shift, size)
            if end > start:
                entities.append({**entity, "offset": start, "length": end - start})
        return FormattedText(core, entities)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _parse_error(detail: str) -> APIError:
    return bad_request(f"can't parse entities: {detail}")


def parse_text(text: str, parse_mode: str | None) -> FormattedText:
    """Apply a parse_mode; None or "" means plain text."""
    if not parse_mode:
        return FormattedText(text)
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown_legacy(text)
    raise bad_request(f"unsupported parse_mode {parse_mode}")


def _decode_entity(match: re.Match[str]) -> str | None:
    body = match.group(1)
    if body.startswith("#x"):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    else:
        return _NAMED_ENTITIES.get(body)
    return chr(code) if 0 < code < 0x110000 else None


@dataclass
class _OpenTag:
    name: str
    start: int  # UTF-16 offset in the output
    entity: dict[str, Any] | None


def parse_html(source: str) -> FormattedText:
    """Parse Telegram's HTML subset, refusing what Telegram refuses."""
    out: list[str] = []
    out_len = 0
    entities: list[dict[str, Any]] = []
    stack: list[_OpenTag] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&":
            match = _ENTITY_RE.match(source, i)
            decoded = _decode_entity(match) if match else None
            if match and decoded is not None:
                out.append(decoded)
                out_len += utf16_len(decoded)
                i = match.end()
                continue
        if char != "<":
            out.append(char)
            out_len += utf16_len(char)
            i += 1
            continue
        begin = _byte_offset(source, i)
        if source.startswith("</", i):
            end = source.find(">", i)
            if end < 0:
                raise _parse_error(f"Unclosed end tag at byte offset {begin}")
            name = source[i + 2 : end].strip().lower()
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {begin}")
            top = stack.pop()
            if name and name != top.name:
                raise _parse_error(
                    f'Unmatched end tag at byte offset {begin}, expected "</{top.name}>", '
                    f'found "</{name}>"'
                )
            if top.entity is not None and out_len > top.start:
                entities.append({**top.entity, "offset": top.start, "length": out_len - top.start})
            i = end + 1
            continue
        tag, i = _read_start_tag(source, i, begin)
        tag.start = out_len
        stack.append(tag)
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    _merge_pre_code(entities)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return FormattedText("".join(out), entities)


def _read_start_tag(source: str, i: int, begin: int) -> tuple[_OpenTag, int]:
    """Read `<name attr=value ...>` starting at `source[i] == "<"`."""
    match = _TAG_NAME_RE.match(source, i + 1)
    name = match.group(0).lower() if match else ""
    if name not in _HTML_TAGS:
        raise _parse_error(f'Unsupported start tag "{name}" at byte offset {begin}')
    end = source.find(">", i)
    if end < 0:
        raise _parse_error(f'Unclosed start tag "{name}" at byte offset {begin}')
    attrs: dict[str, str] = {}
    rest = source[i + 1 + len(name) : end]
    pos = 0
    while pos < len(rest):
        if rest[pos:].strip() == "":
            break
        attr = _ATTR_RE.match(rest, pos)
        if attr is None or attr.end() == pos:
            raise _parse_error(f'Empty attribute name in the tag "{name}" at byte offset {begin}')
        value = attr.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attrs[attr.group(1).lower()] = _unescape(value)
        pos = attr.end()
    return _OpenTag(name, 0, _entity_for(name, attrs, begin)), end + 1


def _unescape(value: str) -> str:
    return _ENTITY_RE.sub(lambda m: _decode_entity(m) or m.group(0), value)


def _entity_for(name: str, attrs: dict[str, str], begin: int) -> dict[str, Any] | None:
    kind = _HTML_TAGS[name]
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    if name == "a":
        href = attrs.get("href")
        return {"type": "text_link", "url": href} if href else None
    if name == "tg-emoji":
        emoji_id = attrs.get("emoji-id")
        if not emoji_id:
            raise _parse_error(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {begin}'
            )
        return {"type": "custom_emoji", "custom_emoji_id": emoji_id}
    if name == "blockquote" and "expandable" in attrs:
        return {"type": "expandable_blockquote"}
    if name == "code" and attrs.get("class", "").startswith("language-"):
        return {"type": "code", "language": attrs["class"].removeprefix("language-")}
    return {"type": kind}


def _merge_pre_code(entities: list[dict[str, Any]]) -> None:
    """`<pre><code class="language-x">` is one pre entity with a language, as in Telegram."""
    for code in [e for e in entities if e["type"] == "code" and "language" in e]:
        for pre in entities:
            if pre["type"] == "pre" and (pre["offset"], pre["length"]) == (
                code["offset"],
                code["length"],
            ):
                pre["language"] = code["language"]
                entities.remove(code)
                break
        else:
            code.pop("language")


_MD2_MARKERS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}


def parse_markdown_v2(source: str) -> FormattedText:
    """Parse MarkdownV2, refusing unescaped reserved characters and unclosed entities."""
    out: list[str] = []
    out_len = 0
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int, int]] = []  # (marker, utf16 start, byte offset)
    i = 0
    at_line_start = True
    while i < len(source):
        char = source[i]
        begin = _byte_offset(source, i)
        if char == "\\" and i + 1 < len(source) and 0 < ord(source[i + 1]) < 127:
            out.append(source[i + 1])
            out_len += 1
            i += 2
            at_line_start = False
            continue
        if char == ">" and at_line_start:
            i += 1
            continue
        if char == "`":
            text, i, entity = _md2_code(source, i, begin)
            entity["offset"] = out_len
            entity["length"] = utf16_len(text)
            out.append(text)
            out_len += entity["length"]
            entities.append(entity)
            at_line_start = False
            continue
        marker = source[i : i + 2] if source[i : i + 2] in ("__", "||") else char
        if marker in _MD2_MARKERS:
            if stack and stack[-1][0] == marker:
                opened, start, _ = stack.pop()
                if out_len > start:
                    entities.append(
                        {"type": _MD2_MARKERS[opened], "offset": start, "length": out_len - start}
                    )
            else:
                stack.append((marker, out_len, begin))
            i += len(marker)
            continue
        if char == "[":
            stack.append(("[", out_len, begin))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] == "[":
            _, start, _ = stack.pop()
            url, i = _md2_link_url(source, i + 1, begin)
            if out_len > start:
                entities.append(
                    {"type": "text_link", "url": url, "offset": start, "length": out_len - start}
                )
            continue
        if char in MARKDOWN_V2_RESERVED:
            raise _parse_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(char)
        out_len += utf16_len(char)
        at_line_start = char == "\n"
        i += 1
    if stack:
        marker, _, begin = stack[-1]
        name = "TextUrl" if marker == "[" else _MD2_MARKERS[marker].capitalize()
        raise _parse_error(f"Can't find end of {name} entity at byte offset {begin}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return FormattedText("".join(out), entities)


def _md2_code(source: str, i: int, begin: int) -> tuple[str, int, dict[str, Any]]:
    """Read `code` or ```pre``` starting at a backtick; only ` and \\ are escapable inside."""
    fence = "```" if source.startswith("```", i) else "`"
    j = i + len(fence)
    language = ""
    if fence == "```":
        newline = source.find("\n", j)
        first_line = source[j:newline] if newline >= 0 else ""
        if newline >= 0 and re.fullmatch(r"[\w+#.-]*", first_line):
            language, j = first_line, newline + 1
    chars: list[str] = []
    while j < len(source):
        if source[j] == "\\" and j + 1 < len(source):
            chars.append(source[j + 1])
            j += 2
            continue
        if source.startswith(fence, j):
            entity: dict[str, Any] = {"type": "pre" if fence == "```" else "code"}
            if language:
                entity["language"] = language
            return "".join(chars), j + len(fence), entity
        chars.append(source[j])
        j += 1
    kind = "Pre" if fence == "```" else "Code"
    raise _parse_error(f"Can't find end of {kind} entity at byte offset {begin}")


def _md2_link_url(source: str, i: int, begin: int) -> tuple[str, int]:
    """Read the `(url)` part of a MarkdownV2 link."""
    if i >= len(source) or source[i] != "(":
        raise _parse_error(f"Can't find end of TextUrl entity at byte offset {begin}")
    end = i + 1
    url: list[str] = []
    while end < len(source) and source[end] != ")":
        if source[end] == "\\" and end + 1 < len(source):
            end += 1
        url.append(source[end])
        end += 1
    if end >= len(source):
        raise _parse_error(f"Can't find end of a URL at byte offset {_byte_offset(source, i)}")
    return "".join(url), end + 1


def parse_markdown_legacy(source: str) -> FormattedText:
    """Parse the legacy Markdown mode: *bold*, _italic_, `code`, ```pre```, [text](url)."""
    pattern = re.compile(
        r"\*([^*]*)\*|_([^_]*)_|```([\s\S]*?)```|`([^`]*)`|\[([^\]]*)\]\(([^)]*)\)"
    )
    out: list[str] = []
    out_len = 0
    entities: list[dict[str, Any]] = []
    pos = 0
    for match in pattern.finditer(source):
        plain = source[pos : match.start()]
        _check_legacy_plain(source, plain, pos)
        out.append(plain)
        out_len += utf16_len(plain)
        kinds = ("bold", "italic", "pre", "code", "text_link")
        index = next(n for n in range(5) if match.group(n + 1) is not None)
        inner = match.group(index + 1)
        entity: dict[str, Any] = {
            "type": kinds[index],
            "offset": out_len,
            "length": utf16_len(inner),
        }
        if index == 4:
            entity["url"] = match.group(6)
        if inner:
            entities.append(entity)
        out.append(inner)
        out_len += utf16_len(inner)
        pos = match.end()
    _check_legacy_plain(source, source[pos:], pos)
    out.append(source[pos:])
    return FormattedText("".join(out), entities)


def _check_legacy_plain(source: str, plain: str, pos: int) -> None:
    for offset, char in enumerate(plain):
        if char in "*_`[":
            begin = _byte_offset(source, pos + offset)
            raise _parse_error(f"Can't find end of the entity starting at byte offset {begin}")
