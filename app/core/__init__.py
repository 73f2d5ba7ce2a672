"""Pieces every feature shares: extensions, errors, security headers, Markdown, vocabularies."""
