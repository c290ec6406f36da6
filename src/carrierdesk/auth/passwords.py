"""Password hashing (Argon2id), the password policy and strong generated passwords."""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from carrierdesk.errors import FieldError, Invalid

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
SYMBOLS = "!#$%&()*+,-./:;<=>?@[]^_{|}~"
GENERATED_LENGTH = 20
# A fixed hash to verify against when the account does not exist: same time, same answer.
DUMMY_HASH = _hasher.hash("not-a-real-password-Aa1!")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


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


def generate_password(length: int = GENERATED_LENGTH) -> str:
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, SYMBOLS]
    alphabet = "".join(classes)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in cls for c in candidate) for cls in classes):
            return candidate
