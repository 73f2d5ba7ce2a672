"""The planner: an institution's plans of activities, built by adopting practices."""
