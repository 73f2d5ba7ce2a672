"""Taking part: the preparatory meeting, participant lists, attendance, certificates, feedback, and the records that feed the plan."""

# The records that feed the plan register their computed sources and follow every commit.
from app.participation import records as records
