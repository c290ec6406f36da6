"""Settings from the environment (prefix CARRIERDESK_) and an optional .env file."""

from __future__ import annotations

import ipaddress
import os
import socket
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000  # what `carrierdesk serve` listens on
WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARRIERDESK_", env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite:///var/carrierdesk.db")
    secret_key: str = "dev-insecure-change-me"  # API.md names it; nothing is signed yet
    smtp_url: str | None = None
    mail_from: str = "carrierdesk <noreply@carrierdesk.local>"
    sip_realm: str = "carrierdesk.local"
    # Where people reach the app (links in emails, the address `demo` prints). Unset, it is
    # the address `serve` listens on (--host/--port): see `default_base_url`.
    base_url: str = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
    templates_dir: Path | None = None
    default_phone_region: str | None = None
    worker_poll_seconds: float = 5.0
    carrier_name: str = "carrierdesk"
    # The request path (docs/deployment.md): per server process, `db_connections` pooled
    # connections, of which two are kept for the in-process worker and the health check;
    # the rest are the requests that may use the database at once. Others wait up to
    # `queue_seconds` (at most `queue_limit` of them), then get 503 with Retry-After.
    db_connections: int = Field(default=12, ge=3, le=500)
    queue_seconds: float = Field(default=5.0, gt=0, le=60)
    queue_limit: int = Field(default=1000, ge=1)
    # Comma-separated addresses or networks of the reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; empty (the default): none is, the peer address counts.
    trusted_proxies: str = ""
    # How many password hashes (Argon2id) are computed at once; more wait their turn.
    hash_concurrency: int = Field(default=2, ge=1, le=64)
    # Webhooks may post to loopback, private and link-local addresses (docs/webhooks.md).
    webhooks_allow_private_targets: bool = False

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        for item in _items(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return value

    @property
    def trusted_networks(self) -> list[IPNetwork]:
        return [ipaddress.ip_network(item, strict=False) for item in _items(self.trusted_proxies)]

    @property
    def request_slots(self) -> int:
        return self.db_connections - 2

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def listening_url(host: str, port: int) -> str:
    """The address of a server listening on host:port; on every interface (0.0.0.0, ::) it is
    this machine's name, which other machines can reach, where 0.0.0.0 would not be."""
    name = socket.getfqdn() if host in WILDCARD_HOSTS else host
    if ":" in name:  # an IPv6 address
        name = f"[{name}]"
    return f"http://{name}:{port}"


def default_base_url(host: str, port: int) -> str:
    """The base URL in force for a server on host:port: CARRIERDESK_BASE_URL when it is set,
    else the server's own address, set in this process's environment so that the server
    processes it starts (and the worker in it) use it too. Returns it, without a final /."""
    if "base_url" not in get_settings().model_fields_set:
        os.environ["CARRIERDESK_BASE_URL"] = listening_url(host, port)
        get_settings.cache_clear()
    return get_settings().base_url.rstrip("/")


def portal_url(path: str = "") -> str:
    """An absolute address in the Customer Portal, for links in messages."""
    return get_settings().base_url.rstrip("/") + "/portal/" + path
