"""Background work of participation: scheduled tasks, run by the job queue (app.core.jobs)."""
