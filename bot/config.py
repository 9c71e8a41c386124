"""Configuration read from the environment or a `.env` file (pydantic-settings).

A bad value must stop start-up with one clear line naming the variable, so the settings are
validated here and turned into a `ConfigError` that the CLI prints without a traceback.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCALES = ("en", "zh_Hans", "zh_Hant")
Locale = Literal["en", "zh_Hans", "zh_Hant"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_DB_SCHEMES = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line meant for a person."""


EMERGENCY_SERVICES = ("ambulance", "fire", "police", "helpline")


def parse_emergency_numbers(value: str) -> list[tuple[str, str]]:
    """ "120=ambulance,119=fire" -> [("120", "ambulance"), ("119", "fire")]: the numbers told to a
    person in an emergency, each with a service whose name we translate."""
    numbers = []
    for item in value.split(","):
        number, _, service = item.strip().partition("=")
        number, service = number.strip(), service.strip().lower()
        if not re.fullmatch(r"\+?[\d ]{2,16}", number) or service not in EMERGENCY_SERVICES:
            raise ValueError(
                "write numbers as 120=ambulance,119=fire,110=police "
                f"(services: {', '.join(EMERGENCY_SERVICES)})"
            )
        numbers.append((number, service))
    return numbers


def parse_places(value: str) -> list[str]:
    """ "Building 1, Building 2" -> the names, each short enough for a button."""
    from bot.services.places import PLACE_NAME_MAX

    names = [" ".join(name.split()) for name in value.split(",")]
    names = [name for name in names if name]
    for name in names:
        if len(name) > PLACE_NAME_MAX:
            raise ValueError(
                f"{name[:20]!r}...: a place name has at most {PLACE_NAME_MAX} characters"
            )
    return names


def parse_listen(value: str) -> tuple[str, int]:
    """ "127.0.0.1:8443" -> ("127.0.0.1", 8443): where the webhook or /metrics listens; port 0
    takes a free one."""
    host, _, port = value.strip().rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise ValueError("write the address as host:port, e.g. 127.0.0.1:8443")
    return host.strip("[]"), int(port)


class Settings(BaseSettings):
    """Everything linli reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    bot_username: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    data_dir: Path = Path("data")
    database_url: str | None = None
    # PostgreSQL: the most connections one process holds (two fifths kept open); the processes
    # of `--workers N` together need N times this below the server's max_connections.
    database_connections: int = Field(default=50, ge=2, le=1000)
    redis_url: str | None = None
    # With REDIS_URL: one send budget for every process of the bot (bot.delivery.shared_budget);
    # false: each process its own, as without Redis (one process using Redis for its state only).
    send_budget_in_redis: bool = True
    default_locale: Locale = "zh_Hans"
    default_timezone: str = "Asia/Shanghai"
    log_level: LogLevel = "INFO"
    invite_ttl_hours: int = Field(default=72, ge=1, le=24 * 90)
    outbox_rate: float = Field(default=25.0, gt=0, le=1000)
    outbox_max_attempts: int = Field(default=5, ge=1, le=50)
    outbox_lease_seconds: float = Field(default=20.0, ge=1, le=600)
    outbox_purge_days: int = Field(default=30, ge=1, le=3650)
    coordinator_chat_id: int | None = None
    volunteer_chat_id: int | None = None
    emergency_numbers: str = "120=ambulance,119=fire,110=police"
    community_phone: str = ""  # COMMUNITY_PHONE: the community office, shown dialable in /help
    unclaimed_alert_minutes: int = Field(default=240, ge=5, le=24 * 60 * 7)
    urgent_unclaimed_alert_minutes: int = Field(default=30, ge=1, le=24 * 60)
    claim_overdue_minutes: int = Field(default=360, ge=5, le=24 * 60 * 7)
    max_open_claims: int = Field(default=3, ge=1, le=50)
    wish_claim_days: int = Field(default=7, ge=1, le=60)  # a lit wish is to be brought by then
    wish_remind_hours: int = Field(default=48, ge=1, le=24 * 30)  # the donor is reminded before
    wish_pickup_point: str = ""  # where donors may leave a gift: "社区服务中心一楼"
    scheduler_interval_seconds: float = Field(default=60.0, gt=0, le=3600)
    quiet_hours: str = "22:00-07:00"
    checkin_grace_minutes: int = Field(default=30, ge=5, le=12 * 60)
    checkin_first_alert_minutes: int = Field(default=60, ge=10, le=24 * 60)
    checkin_alert_every_minutes: int = Field(default=60, ge=10, le=24 * 60)
    places: str = ""  # "Building 1,Building 2": the first places, while none is defined
    # `linli run --webhook`: Telegram POSTs updates to WEBHOOK_URL (public, HTTPS); a reverse
    # proxy passes them to WEBHOOK_LISTEN; each request must carry WEBHOOK_SECRET.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1:8443"
    webhook_secret: SecretStr | None = None
    # Numbers to watch (bot/watch): /healthz and /metrics on WATCH_LISTEN (off when empty).
    watch_listen: str = ""  # "127.0.0.1:9100"
    watch_max_scheduler_lag_seconds: float = Field(default=180.0, gt=0)
    watch_max_outbox_age_seconds: float = Field(default=300.0, gt=0)
    watch_probe_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    log_format: Literal["text", "json"] = "text"

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN_RE.match(value.get_secret_value().strip()):
            raise ValueError("does not look like a token from @BotFather (digits:letters)")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        value = value.strip()
        if value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        elif value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not value.startswith(_DB_SCHEMES):
            raise ValueError("must be sqlite+aiosqlite:///path or postgresql+asyncpg://...")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        value = value.strip()
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be the public https:// address Telegram posts updates to")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _webhook_listen(cls, value: str) -> str:
        parse_listen(value)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not _SECRET_RE.fullmatch(value.get_secret_value()):
            raise ValueError("1 to 256 characters A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("coordinator_chat_id", "volunteer_chat_id", mode="before")
    @classmethod
    def _chat_id(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("emergency_numbers")
    @classmethod
    def _emergency_numbers(cls, value: str) -> str:
        parse_emergency_numbers(value)
        return value

    @field_validator("places")
    @classmethod
    def _places(cls, value: str) -> str:
        parse_places(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        from bot.services.schedule import QuietHours

        QuietHours.parse(value)
        return value

    @field_validator("watch_listen")
    @classmethod
    def _watch_listen(cls, value: str) -> str:
        if value.strip():
            parse_listen(value)
        return value.strip()

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA timezone such as Asia/Shanghai") from None
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        """The configured database, or an SQLite file inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'linli.sqlite3').resolve()}"

    @property
    def place_names(self) -> list[str]:
        return parse_places(self.places)

    def webhook(self) -> tuple[str, str, int, str]:
        """(public URL, host, port, secret) for `linli run --webhook`, or a `ConfigError`."""
        if not self.webhook_url:
            raise ConfigError("WEBHOOK_URL is not set: the public https:// address of the bot")
        if self.webhook_secret is None or not self.webhook_secret.get_secret_value():
            raise ConfigError("WEBHOOK_SECRET is not set: a long random string (A-Z a-z 0-9 _ -)")
        host, port = parse_listen(self.webhook_listen)
        return self.webhook_url, host, port, self.webhook_secret.get_secret_value()

    def token(self) -> str:
        """The bot token, or a `ConfigError` when it is not set."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise ConfigError("BOT_TOKEN is not set: put the token from @BotFather in .env")
        return self.bot_token.get_secret_value().strip()


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line about the first bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
