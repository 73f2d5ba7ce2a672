"""Series of co-hosted events: members, the rotation of hosts, a shared call template."""
