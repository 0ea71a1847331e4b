"""The templates' `may` filter (issue 14 item 6) asks a domain's roles.py tuple through core.auth.role_allows."""

import pytest


def test_the_may_filter_reads_the_domain_s_tuple_and_refuses_an_unknown_right(db):
    from omnicanal.core.services import do_create_staff_user
    from omnicanal.web.templatetags.rights import may, right

    agent = do_create_staff_user(username="agente", password="secret-pass", role="agent")
    assert "agent" in right("catalog.READ") and "agent" not in right("catalog.EDIT")  # the tuples themselves
    assert may(agent, "catalog.READ") is True and may(agent, "catalog.EDIT") is False
    with pytest.raises(AttributeError):
        may(agent, "catalog.EDITT")
    with pytest.raises(LookupError):
        may(agent, "nosuchapp.READ")
