"""Taking part: the preparatory meeting, participant lists, attendance, certificates, feedback, and the records that feed the plan."""
