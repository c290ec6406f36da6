"""TOTP two-factor authentication (RFC 6238) and its one-time recovery codes."""

from __future__ import annotations

import hashlib
import io
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg

from carrierdesk.config import get_settings

STEP = 30
RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=account, issuer_name=get_settings().carrier_name
    )


def qr_svg(uri: str) -> str:
    """The enrolment QR code as an SVG document (served as an image: no script involved)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def matching_step(
    secret: str, code: str, last_step: int | None, now: float | None = None
) -> int | None:
    """The time step the code belongs to (±1 step of clock drift), or None. A step already
    used (`last_step`) is refused, so a code cannot be replayed."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // STEP)
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.at(step * STEP), code):
            return step if last_step is None or step > last_step else None
    return None


def new_recovery_codes() -> tuple[list[str], list[str]]:
    """(codes to show once, their hashes to store)."""
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    return codes, [_digest(c) for c in codes]


def use_recovery_code(stored: list[str], code: str) -> list[str] | None:
    """The remaining hashes when `code` is one of them (it is used up), else None."""
    wanted = _digest(code.strip().lower())
    if wanted not in stored:
        return None
    return [h for h in stored if h != wanted]


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
