"""Background work of selection: scheduled tasks, run by the job queue (app.core.jobs)."""
