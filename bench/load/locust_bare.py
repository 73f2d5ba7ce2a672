"""50 users requesting the bare Flask page, for the floor of the same gunicorn setup."""

from locust import HttpUser, constant, task


class Reader(HttpUser):
    """Requests the fixed page."""

    wait_time = constant(0)

    @task
    def page(self) -> None:
        self.client.get("/", name="bare /")
