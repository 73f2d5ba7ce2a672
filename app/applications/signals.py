"""Signals of applying, for the features above that keep things of their own on an application.

Applications must not import those features (they import it), so it announces what it did and
they act: participation blanks the free text of an erased applicant's feedback.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

# Sent by erase(application) once the application's personal data is blanked and flushed, with
# the keyword argument `application`. Receivers blank what they keep of the person (free text)
# and flush, keeping what the aggregates need; the caller commits once.
application_erased = signals.signal("application-erased")
