"""The nightly deployment: `scholarflow serve` runs it on a cron schedule."""

from __future__ import annotations

from flows.refresh import nightly_refresh

__all__ = ["nightly_deployment", "NIGHTLY_CRON"]

NIGHTLY_CRON = "0 3 * * *"  # 03:00 UTC, after arXiv's evening announcements


def nightly_deployment(cron: str = NIGHTLY_CRON, offline_sample: bool = False):
    """Return the nightly-refresh deployment with its schedule."""
    return nightly_refresh.to_deployment(
        name="nightly",
        cron=cron,
        parameters={"offline_sample": offline_sample, "triggered_by": "schedule"},
        tags=["scholarflow", "nightly"],
        description="Refresh every tracked author from OpenAlex and arXiv, then publish the warehouse.",
    )


if __name__ == "__main__":
    from prefect import serve

    serve(nightly_deployment())
