from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Options(BaseModel):
    """Settings › Options: account-wide, stored in the options table, defaults when unset."""

    number_range_start: int | None = Field(default=None, ge=0)
    block_size: int | None = Field(default=None, ge=1, le=1_000_000)
    invoice_line_grouping: Literal["day", "destination"] = "day"
    summary_refresh_seconds: int = Field(default=60, ge=5, le=3600)
    audit_comment_required: bool = False
    auto_logout_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    max_auth_failures: int = Field(default=10, ge=1, le=1000)
    totp_required_for_admins: bool = False


class OptionsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number_range_start: int | None = Field(default=None, ge=0)
    block_size: int | None = Field(default=None, ge=1, le=1_000_000)
    invoice_line_grouping: Literal["day", "destination"] | None = None
    summary_refresh_seconds: int | None = Field(default=None, ge=5, le=3600)
    audit_comment_required: bool | None = None
    auto_logout_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    max_auth_failures: int | None = Field(default=None, ge=1, le=1000)
    totp_required_for_admins: bool | None = None
