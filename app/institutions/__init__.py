"""Institutions with their units, network memberships and strategic partners; the networks."""
