"""The nightly deployment that `scholarflow serve` runs on a cron schedule from its own process.

It is named `nightly-serve`, not `nightly` like the worker deployment of prefect.yaml: a served
deployment that takes over a worker one's name keeps its pull steps and crashes every run.
Run one of the two; pause the other (`prefect deployment pause nightly-refresh/nightly`).
"""

from __future__ import annotations

from flows.refresh import nightly_refresh

__all__ = ["nightly_deployment", "NIGHTLY_CRON", "SERVED_NAME"]

NIGHTLY_CRON = "0 3 * * *"  # 03:00 UTC, after arXiv's evening announcements
SERVED_NAME = "nightly-serve"


def nightly_deployment(cron: str = NIGHTLY_CRON, offline_sample: bool = False):
    """Return the nightly-refresh deployment with its schedule."""
    return nightly_refresh.to_deployment(
        name=SERVED_NAME,
        cron=cron,
        parameters={"offline_sample": offline_sample, "triggered_by": "schedule"},
        tags=["scholarflow", "nightly"],
        description="Refresh every tracked author from OpenAlex and arXiv, then publish the warehouse.",
    )


if __name__ == "__main__":
    from prefect import serve

    serve(nightly_deployment())
