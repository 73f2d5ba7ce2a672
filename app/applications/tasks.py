"""Background work of applications: scheduled tasks, run by the job queue (app.core.jobs)."""
