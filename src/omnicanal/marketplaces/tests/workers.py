"""Functions run in child processes by the PostgreSQL test (core.testing.run_in_processes)."""


def need_token(account_pk: int, api_url: str, settings_in: dict, secret_key: str) -> str:
    from django.conf import settings

    from omnicanal.marketplaces.services import tokens

    # The parent's key (it may have come from var/secret_key, not the environment the child gets):
    # the stored tokens are encrypted under it.
    settings.SECRET_KEY = secret_key
    settings.OMNICANAL["MERCADOLIBRE"] = {**settings_in, "API_URL": api_url}
    return tokens.access_token(account_pk)
