"""Individual staff training visits: units that host visitors, and the visitors' requests."""
