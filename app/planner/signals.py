"""Signals the planner sends, for features above it that keep things of their own on a plan.

The planner must not import those features (they import it), so it announces what it did and
they act: indicators copy themselves when a plan is copied.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

# Sent by copy_plan(plan) once the copy and its activities are flushed, with keyword
# arguments `copy` (the new plan), `activities` (the new activity of each old activity's id)
# and `shift` (what the dates moved by: a relativedelta or a timedelta). Receivers add and
# flush; the view that copied commits once.
plan_copied = signals.signal("plan-copied")
