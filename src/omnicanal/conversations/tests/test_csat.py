import datetime as dt

from omnicanal.conversations import services
from omnicanal.conversations.models import Message
from omnicanal.core import clock


def test_one_question_after_resolution_on_the_channel_used(receive, actor):
    conversation = receive("Hola", channel="telegram", value="5120934871").conversation
    services.do_resolve(conversation=conversation, actor=actor)
    question = services.do_ask_csat(conversation=conversation)
    assert question is not None and question.channel == "telegram" and question.kind == "csat"
    assert services.do_ask_csat(conversation=conversation) is None  # at most once


def test_no_question_outside_the_reply_window(receive, actor):
    conversation = receive("Hola", channel="whatsapp").conversation
    with clock.frozen(clock.now() + dt.timedelta(hours=25)):
        services.do_resolve(conversation=conversation, actor=actor)
        assert services.do_ask_csat(conversation=conversation) is None
    assert not Message.objects.filter(kind="csat").exists()


def test_a_bare_number_answers_it_without_reopening(receive, actor):
    conversation = receive("Hola", channel="whatsapp").conversation
    services.do_resolve(conversation=conversation, actor=actor)
    services.do_ask_csat(conversation=conversation)
    answer = receive("5", channel="whatsapp")
    conversation.refresh_from_db()
    assert answer.csat_answer and conversation.csat_score == 5 and conversation.status == "resolved"
    assert receive("Otra cosa", channel="whatsapp").reopened
