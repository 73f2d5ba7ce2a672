"""Indicators of plans and activities, their targets, recorded values and approvals."""
