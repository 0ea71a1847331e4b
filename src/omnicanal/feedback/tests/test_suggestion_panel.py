"""The inbox's "File a suggestion" (issue 17): feedback's panel beside the conversation (customers.registry,
no import either way) files what the customer proposed in their name, with their vote, linked to the
conversation (source chat) through services.suggestions; field errors in the panel; rights as the API's."""

import pytest

from omnicanal.feedback.models import Suggestion, SuggestionVote

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(world, receive):
    """A WhatsApp conversation of a known customer (the message's phone identifies her)."""
    return receive("Deberían vender zapatillas de trail para niños").conversation


def test_the_thread_shows_the_panel_with_its_button_for_an_agent(client, make_agent, thread):
    client.force_login(make_agent("agente-panel"))
    html = client.get(f"/console/conversations/{thread.public_id}/thread/").content.decode()
    assert 'data-testid="panel-suggestions"' in html and 'data-testid="file-suggestion"' in html
    assert f'name="conversation_id" value="{thread.public_id}"' in html


def test_filing_from_the_thread_links_the_conversation_and_counts_her_vote(client, make_agent, thread):
    # given an agent in the thread
    client.force_login(make_agent("agente-sug"))
    # when they file what she proposed (htmx swaps the panel in place)
    page = client.post(f"/console/feedback/suggestions/panel/{thread.customer_id}/",
                       {"title": "Zapatillas de trail para niños", "text": "Tallas 28 a 34", "kind": "product",
                        "conversation_id": thread.public_id}, HTTP_HX_REQUEST="true")
    # then the suggestion is hers, from the chat, linked to the conversation, with her vote
    assert page.status_code == 200
    idea = Suggestion.objects.get()
    assert (idea.customer_id, idea.conversation_id, idea.source, idea.votes) == (
        thread.customer_id, thread.public_id, "chat", 1)
    assert SuggestionVote.objects.filter(suggestion=idea, customer_id=thread.customer_id).exists()
    html = page.content.decode()
    assert 'data-testid="suggestion-panel-notice"' in html and "Zapatillas de trail para niños" in html


def test_without_javascript_the_form_goes_back_to_the_thread(client, make_agent, thread):
    client.force_login(make_agent("agente-nojs"))
    page = client.post(f"/console/feedback/suggestions/panel/{thread.customer_id}/",
                       {"title": "Abrir los domingos", "kind": "feature", "conversation_id": thread.public_id})
    assert page.status_code == 302 and page["Location"].endswith(f"/console/conversations/{thread.public_id}/")
    assert Suggestion.objects.get().kind == "feature"


def test_a_missing_title_is_a_field_error_in_the_panel_and_files_nothing(client, make_agent, thread):
    client.force_login(make_agent("agente-err"))
    page = client.post(f"/console/feedback/suggestions/panel/{thread.customer_id}/",
                       {"title": " ", "conversation_id": thread.public_id}, HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="suggestion-panel-error"' in html
    assert 'data-field="title"' in html and not Suggestion.objects.exists()


def test_a_clerk_sees_no_button_and_may_not_file(client, make_agent, thread):
    client.force_login(make_agent("clerk-sug", role="store_staff", locations=["SCL"]))
    page = client.post(f"/console/feedback/suggestions/panel/{thread.customer_id}/",
                       {"title": "Algo", "conversation_id": thread.public_id})
    assert page.status_code == 403 and not Suggestion.objects.exists()
