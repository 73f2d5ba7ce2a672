"""Applying to an event: access links for applicants without accounts, the form, the own page."""
