"""Background work of events: scheduled tasks, run by the job queue (app.core.jobs)."""
