"""Functions run in child processes by the concurrency tests (core.testing.run_in_processes)."""


def launch(campaign_id: str, at_iso: str) -> dict:
    """Launch the campaign as a marketer's click (or the worker) would; what this process sent."""
    import datetime as dt

    from omnicanal.core import clock
    from omnicanal.marketing import campaigns
    from omnicanal.marketing.models import Recipient

    at = dt.datetime.fromisoformat(at_iso)
    with clock.frozen(at):
        campaigns.do_launch_campaign(campaign_id=campaign_id, at=at)
    return {"recipients": Recipient.objects.filter(campaign__public_id=campaign_id).count()}
