"""Outgoing email: SMTP when MAIL_SERVER is set, otherwise an outbox admins can read."""
