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

# Sent by services.update_track before a track's places are lowered; a receiver returns how
# many places of the track are held now (offered or confirmed), having locked the track's
# seats so that no confirmation slips in between. With none connected nothing is held.
counting_held_places = signals.signal("counting-held-places")

# Sent by services.update_track after a track's places were raised: the package that keeps
# the waiting list offers the new places to it.
places_added = signals.signal("places-added")
