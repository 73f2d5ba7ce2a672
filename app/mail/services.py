"""Sending email. Functions add and flush; the caller commits."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from app.core.extensions import db
from app.mail.models import OutboxMessage

log = logging.getLogger(__name__)


def send_mail(recipient: str, subject: str, body: str) -> OutboxMessage:
    """Send an email by SMTP if a server is configured, else keep it in the outbox and log it."""
    config = current_app.config
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    if config.get("MAIL_SERVER"):
        email = EmailMessage()
        email["From"] = config.get("MAIL_FROM", "no-reply@localhost")
        email["To"] = recipient
        email["Subject"] = subject
        email.set_content(body)
        with smtplib.SMTP(
            config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)), timeout=10
        ) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
            smtp.send_message(email)
        message.delivery = "smtp"
        log.info("mail sent by SMTP to %s: %s", recipient, subject)
    else:
        message.delivery = "outbox"
        log.info("mail kept in the outbox (no MAIL_SERVER) to %s: %s\n%s", recipient, subject, body)
    db.session.add(message)
    db.session.flush()
    return message


def outbox(limit: int = 200) -> list[OutboxMessage]:
    """Return the newest messages first."""
    return list(
        db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit))
    )
