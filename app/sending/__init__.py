"""Sending staff to another institution's event: the sending activity in one's own plan, its
budget guidance, and the figures it receives from the host's records (with consent)."""

# The figures register their computed sources and follow every commit.
from app.sending import records as records
