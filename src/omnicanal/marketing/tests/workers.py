"""Functions run in child processes by the concurrency tests (core.testing.run_in_processes)."""


def launch(campaign_id: str, at_iso: str, chunk: int = 0) -> dict:
    """Launch the campaign as a marketer's click (or the worker) would, `chunk` recipients per
    transaction (0: campaigns.CHUNK); how many recipients the campaign has then."""
    import datetime as dt

    from omnicanal.core import clock
    from omnicanal.marketing import campaigns
    from omnicanal.marketing.models import Recipient

    at = dt.datetime.fromisoformat(at_iso)
    if chunk:
        campaigns.CHUNK = chunk  # this child process's own module: small chunks interleave two launchers
    with clock.frozen(at):
        campaigns.do_launch_campaign(campaign_id=campaign_id, at=at)
    return {"recipients": Recipient.objects.filter(campaign__public_id=campaign_id).count()}
