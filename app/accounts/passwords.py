"""The password rule: 8 to 128 characters, no composition rules, the most common refused."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH, MAX_LENGTH = 8, 128
# A real hash checked when the email is unknown, so that a failed sign-in takes as long
# whether or not the account exists.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-a-timing-equaliser")


@lru_cache(maxsize=2)
def _common(path: str) -> frozenset[str]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def password_problems(password: str, email: str, common_file: str) -> list[str]:
    """Say what is wrong with a new password, or nothing."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(
            ngettext(
                "Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_LENGTH
            )
        )
    if len(password) > MAX_LENGTH:
        problems.append(
            ngettext(
                "Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_LENGTH
            )
        )
    if password.lower() in _common(common_file):
        problems.append(_("This password is among the most common ones; choose another."))
    if email and password.strip().lower() == email.strip().lower():
        problems.append(_("Do not use your email address as your password."))
    return problems


def hash_password(password: str, method: str = "scrypt") -> str:
    """Hash a password with werkzeug's scrypt (its default cost unless told otherwise)."""
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in constant time, also when there is no hash to check against."""
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
