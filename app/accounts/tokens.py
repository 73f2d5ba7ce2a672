"""Signed, expiring tokens: password reset and invitation links, known-device cookies."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

RESET_SALT = "password-reset"
INVITATION_SALT = "invitation"
# The cookie of a browser that proved it is its owner's (see views._account_key).
DEVICE_SALT = "known-device"


class TokenError(ValueError):
    """A link that is forged, damaged or too old; the message says which, for people."""


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(salt: str, payload: dict[str, Any]) -> str:
    """Sign a payload for a link."""
    return _serializer(salt).dumps(payload)


def read_token(salt: str, token: str, max_age: int) -> dict[str, Any]:
    """Check a link's signature and age and return its payload."""
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError(_("This link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise TokenError(_("This link is not valid. Check that it was copied whole.")) from None
    if not isinstance(payload, dict):
        raise TokenError(_("This link is not valid."))
    return payload
