"""Functions run in child processes by the PostgreSQL test (core.testing.run_in_processes)."""


def need_token(account_pk: int, api_url: str, settings_in: dict) -> str:
    from django.conf import settings

    from omnicanal.marketplaces.services import tokens

    settings.OMNICANAL["MERCADOLIBRE"] = {**settings_in, "API_URL": api_url}
    return tokens.access_token(account_pk)
