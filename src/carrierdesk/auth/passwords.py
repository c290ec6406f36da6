"""Password hashing (Argon2id), the password policy and strong generated passwords."""

from __future__ import annotations

import secrets
import string
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from carrierdesk.config import get_settings
from carrierdesk.errors import FieldError, Invalid

# Argon2id with OWASP's first recommended setting (Password Storage Cheat Sheet: m=47104
# KiB, t=1, p=1): about 45 ms of one core here. Hashes made with other parameters still
# verify, and are re-hashed with these at the next correct login (`needs_rehash`).
_hasher = PasswordHasher(time_cost=1, memory_cost=47104, parallelism=1)
# At most this many hashes at once in the process, so a login flood cannot take every core.
_hashing = threading.BoundedSemaphore(get_settings().hash_concurrency)
SYMBOLS = "!#$%&()*+,-./:;<=>?@[]^_{|}~"
GENERATED_LENGTH = 20
# A fixed hash to verify against when the account does not exist: same time, same answer.
DUMMY_HASH = _hasher.hash("not-a-real-password-Aa1!")


def hash_password(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        with _hashing:
            verified = _hasher.verify(password_hash or DUMMY_HASH, password)
        return verified and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


# The policy in one sentence, for the forms that ask for a new password.
POLICY_HINT = (
    "8 to 128 characters, with an upper-case and a lower-case letter, a digit and a symbol; "
    "not the email address."
)


def policy_failures(password: str, email: str | None = None) -> list[str]:
    """Every rule of the policy (PRODUCT.md §8) the password breaks, in words."""
    failures = []
    if not 8 <= len(password) <= 128:
        failures.append("must be 8 to 128 characters long")
    if not any(c.isupper() for c in password):
        failures.append("must contain an upper-case letter")
    if not any(c.islower() for c in password):
        failures.append("must contain a lower-case letter")
    if not any(c.isdigit() for c in password):
        failures.append("must contain a digit")
    if not any(not c.isalnum() and not c.isspace() for c in password):
        failures.append("must contain a symbol")
    if email and email.casefold() in password.casefold():
        failures.append("must not be or contain the email address")
    return failures


def check_policy(password: str, email: str | None = None, field: str = "password") -> None:
    failures = policy_failures(password, email)
    if failures:
        raise Invalid(f"{field} " + "; ".join(failures), [FieldError(field, f) for f in failures])


def check_password_change(
    current_ok: bool, current: str, new: str, confirm: str | None, email: str
) -> None:
    """Every reason a person's change of their own password is refused, all at once (a wrong
    current password and a mismatched confirmation are both named). `confirm` is None when
    nothing was asked twice (the API)."""
    errors = []
    if not current_ok:
        errors.append(FieldError("current_password", "is not your current password"))
    if new == current:
        errors.append(FieldError("new_password", "must differ from the current password"))
    errors += [FieldError("new_password", failure) for failure in policy_failures(new, email)]
    if confirm is not None and confirm != new:
        errors.append(FieldError("confirm_password", "does not match the new password"))
    if errors:
        raise Invalid("; ".join(f"{e.field} {e.message}" for e in errors), errors)


def generate_password(length: int = GENERATED_LENGTH) -> str:
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, SYMBOLS]
    alphabet = "".join(classes)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in cls for c in candidate) for cls in classes):
            return candidate
