"""Settings from the environment (prefix CARRIERDESK_) and an optional .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARRIERDESK_", env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite:///var/carrierdesk.db")
    secret_key: str = "dev-insecure-change-me"  # API.md names it; nothing is signed yet
    smtp_url: str | None = None
    mail_from: str = "carrierdesk <noreply@carrierdesk.local>"
    sip_realm: str = "carrierdesk.local"
    base_url: str = "http://127.0.0.1:8000"
    templates_dir: Path | None = None
    default_phone_region: str | None = None
    worker_poll_seconds: float = 5.0
    carrier_name: str = "carrierdesk"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def portal_url(path: str = "") -> str:
    """An absolute address in the Customer Portal, for links in messages."""
    return get_settings().base_url.rstrip("/") + "/portal/" + path
