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


def run_due_subscriptions_with_a_card(at_iso: str, username: str, tbk_user: str, card_number: str) -> dict:
    """The hourly task's body, as a worker runs it, against this process's own Oneclick sandbox (its
    state is this process's memory: the saved card is taught to it); how many charges it sent."""
    import datetime as dt

    from django.conf import settings

    from omnicanal.core import clock
    from omnicanal.marketing import subscriptions
    from omnicanal.orders import oneclick_sandbox
    from omnicanal.orders.oneclick import OneclickClient

    settings.OMNICANAL = {**settings.OMNICANAL, "WEBPAY": {**settings.OMNICANAL.get("WEBPAY", {}),
                                                            "BASE_URL": "sandbox"}, "ONECLICK": {}}
    oneclick_sandbox._save("user", tbk_user, {"username": username, "card_number": card_number})
    sent: list[str] = []
    authorize = OneclickClient.authorize

    def counted(self, **kwargs):
        sent.append(kwargs["buy_order"])
        return authorize(self, **kwargs)

    OneclickClient.authorize = counted  # this child process's own class
    at = dt.datetime.fromisoformat(at_iso)
    with clock.frozen(at):
        placed = subscriptions.do_run_due(at=at)
    return {"sent": sent, "placed": placed}
