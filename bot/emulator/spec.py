"""The Bot API method catalogue and strict, Telegram-worded validation of calls.

The spec file describes every method of Bot API 9.2; the fake server uses it to refuse
unknown methods and parameters, missing required parameters and values of the wrong type
before any method logic runs, so a bot that passes against the emulator sends well-formed
requests to Telegram too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from bot.emulator.errors import APIError, bad_request
from bot.emulator.files import UploadedFile

SPEC_FILE = "bot-api-9.2.json"
PRIMITIVES = frozenset({"Integer", "Float", "Boolean", "String", "InputFile"})
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
# Telegram words a few "is empty" errors differently from the parameter name.
_EMPTY_WORDING = {"text": "message text is empty"}


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a method."""

    name: str
    types: tuple[str, ...]
    required: bool

    @property
    def is_structured(self) -> bool:
        """Whether the value is a JSON-serialized object or array."""
        return any(t not in PRIMITIVES for t in self.types)


@dataclass(frozen=True)
class MethodSpec:
    """One Bot API method with its parameters in documentation order."""

    name: str
    fields: tuple[FieldSpec, ...]
    returns: tuple[str, ...]

    def field(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None


class BotAPISpec:
    """All methods of one Bot API version, looked up case-insensitively like Telegram."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = str(raw.get("version", "unknown"))
        self.methods: dict[str, MethodSpec] = {}
        for name, method in raw["methods"].items():
            fields = tuple(
                FieldSpec(f["name"], tuple(f["types"]), bool(f.get("required", False)))
                for f in method.get("fields", [])
            )
            self.methods[name] = MethodSpec(name, fields, tuple(method.get("returns", [])))
        self._lower = {name.lower(): name for name in self.methods}
        self.types: dict[str, Any] = dict(raw.get("types", {}))

    def resolve(self, method: str) -> MethodSpec | None:
        """Find a method by name ignoring case, as api.telegram.org does."""
        canonical = self._lower.get(method.lower())
        return self.methods[canonical] if canonical else None

    def decode_call(
        self,
        method: str,
        params: Mapping[str, Any],
        attachments: Mapping[str, UploadedFile] | None = None,
    ) -> tuple[MethodSpec, dict[str, Any]]:
        """Validate a call and return its method spec and typed parameters.

        `params` holds form strings or JSON values; `attachments` the multipart file parts,
        referenced from parameters as ``attach://<name>`` the way aiogram sends files.
        """
        spec = self.resolve(method)
        if spec is None:
            raise APIError(404, "Not Found")
        attachments = dict(attachments or {})
        known = {f.name for f in spec.fields}
        referenced = {
            v.removeprefix("attach://")
            for v in params.values()
            if isinstance(v, str) and v.startswith("attach://")
        }
        for name in params:
            if name not in known and name not in referenced:
                raise bad_request(f"unknown parameter {name}")
        decoded: dict[str, Any] = {}
        for field in spec.fields:
            value = params.get(field.name)
            if _is_empty(value):
                if field.required:
                    raise bad_request(_EMPTY_WORDING.get(field.name, f"{field.name} is empty"))
                continue
            decoded[field.name] = convert_value(field, value, attachments)
        return spec, decoded


def convert_value(field: FieldSpec, value: Any, attachments: Mapping[str, UploadedFile]) -> Any:
    """Turn one raw parameter into its typed value or raise Telegram's 400 error."""
    if isinstance(value, UploadedFile):
        if "InputFile" in field.types:
            return value
        raise _wrong_type(field)
    if isinstance(value, str) and value.startswith("attach://") and "InputFile" in field.types:
        key = value.removeprefix("attach://")
        if key not in attachments:
            raise bad_request(f"file {value} not found in the request")
        return attachments[key]
    for type_name in field.types:
        ok, converted = _try_type(type_name, value)
        if ok:
            return converted
    if field.is_structured and isinstance(value, str):
        if field.name == "reply_markup":
            raise bad_request("can't parse reply keyboard markup JSON object")
        raise bad_request(f"can't parse {field.name} JSON object")
    raise _wrong_type(field)


def _try_type(type_name: str, value: Any) -> tuple[bool, Any]:
    """Try to read `value` as one Bot API type; form values arrive as strings."""
    if type_name == "String":
        return (True, value) if isinstance(value, str) else (False, None)
    if type_name == "InputFile":
        return False, None
    if type_name == "Integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return True, value
        if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
            return True, int(value)
        return False, None
    if type_name == "Float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return True, float(value)
        if isinstance(value, str) and _FLOAT_RE.fullmatch(value.strip()):
            return True, float(value)
        return False, None
    if type_name == "Boolean":
        if isinstance(value, bool):
            return True, value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return True, value.strip().lower() in _TRUE
        return False, None
    return _try_structured(type_name, value)


def _try_structured(type_name: str, value: Any) -> tuple[bool, Any]:
    """Decode a JSON-serialized object or array (or accept an already decoded one)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return False, None
    if type_name.startswith("Array of "):
        return (True, value) if isinstance(value, list) else (False, None)
    return (True, value) if isinstance(value, dict) else (False, None)


def _wrong_type(field: FieldSpec) -> APIError:
    expected = " or ".join(field.types)
    return bad_request(f"invalid value of parameter {field.name}: expected {expected}")


def _is_empty(value: Any) -> bool:
    """Telegram treats a missing parameter and an empty string the same way."""
    return value is None or (isinstance(value, str) and value == "")


@cache
def load_spec() -> BotAPISpec:
    """Load the bundled spec once per process."""
    text = resources.files("bot.emulator").joinpath(SPEC_FILE).read_text(encoding="utf-8")
    return BotAPISpec(json.loads(text))


def validate_call(method: str, params: Mapping[str, Any]) -> None:
    """Raise an `APIError` if Telegram (or this stricter fake) would refuse the call."""
    load_spec().decode_call(method, params)


def decode_call(
    method: str,
    params: Mapping[str, Any],
    attachments: Mapping[str, UploadedFile] | None = None,
) -> tuple[MethodSpec, dict[str, Any]]:
    """Validate with the bundled spec and return the typed parameters."""
    return load_spec().decode_call(method, params, attachments)
