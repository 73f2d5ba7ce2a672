"""Signals the events package sends, for features above it that keep rows of their own.

Events must not import applications (applications import events), so it asks: the package
that holds applications answers how many each track has.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

# Sent by services.application_counts(event, track_ids=[...]); a receiver returns a dict
# {track_id: number of applications} (withdrawn ones included: they still hold the track).
# The answers of all receivers are added up; with none connected every track counts 0.
counting_applications = signals.signal("counting-applications")
