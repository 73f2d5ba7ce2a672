"""The selection committee: reviews and scores, decisions, offers, the waiting list."""
