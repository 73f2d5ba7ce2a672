"""Tables of users, of their roles in institutions (membership) and of invitations to one."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import one_of
from app.core.extensions import db, utcnow
from app.core.i18n import Language
from app.institutions.models import Institution
from app.permissions import Role


def new_session_token() -> str:
    """Return a fresh random token; changing it ends every session of the user."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):  # type: ignore[name-defined, misc]
    """Someone who signs in: a site admin, a catalogue curator, or an institution's member."""

    __tablename__ = "users"
    __table_args__ = (one_of("language", Language, nullable=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # None until an invited user chooses a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_curator: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the session cookie's user id: rotated at sign-out and password change, so that a
    # copied or replayed cookie stops working.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Part of the user's calendar feed addresses (one per plan): a new key gives new addresses
    # and stops the old ones, also where they were shared.
    feed_key: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The interface's and emails' language; None follows the browser (app/core/i18n.py).
    language: Mapped[str | None] = mapped_column(String(2))

    roles: Mapped[list[InstitutionRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def shown_name(self) -> str:
        """Return what others see them as: the name they gave, else their email address."""
        return self.name or self.email

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Tell Flask-Login whether this account may sign in."""
        return self.active

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in the session: user id and session token."""
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class InstitutionRole(db.Model):  # type: ignore[name-defined, misc]
    """What a user may do in one institution: manage it, plan in it, or read it."""

    __tablename__ = "institution_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "institution_id"),
        one_of("role", Role),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")
    institution: Mapped[Institution] = relationship()

    def __repr__(self) -> str:
        return f"<InstitutionRole {self.user_id} {self.role} of {self.institution_id}>"


class Invitation(db.Model):  # type: ignore[name-defined, misc]
    """An invitation to join an institution with a role; the emailed link names it."""

    __tablename__ = "invitations"
    __table_args__ = (one_of("role", Role), one_of("language", Language, nullable=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The language the invitation is written in, and the new account's first preference.
    language: Mapped[str | None] = mapped_column(String(2))

    institution: Mapped[Institution] = relationship()
    invited_by: Mapped[User | None] = relationship()

    @property
    def open(self) -> bool:
        """Tell whether the invitation can still be accepted (expiry is in the signed link)."""
        return self.accepted_at is None and self.revoked_at is None

    def __repr__(self) -> str:
        return f"<Invitation {self.email} as {self.role} of {self.institution_id}>"


class ApiToken(db.Model):  # type: ignore[name-defined, misc]
    """A personal API token: the API acts as its user, with the user's roles.

    Only a hash of the secret is stored; the secret is shown once, when the token is made.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The secret's first characters, so its owner can tell tokens apart in the list.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… of {self.user_id}>"
