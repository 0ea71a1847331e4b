"""The only writers of the conversations domain; they run inside the caller's transaction."""

from omnicanal.conversations.services.accept import Accepted, do_accept_inbound, queueable
from omnicanal.conversations.services.admin import (
    do_save_agent,
    do_save_canned_reply,
    do_save_team,
    do_set_availability,
    do_touch_presence,
    render_canned,
)
from omnicanal.conversations.services.cases import do_open_case
from omnicanal.conversations.services.common import ReplyWindowClosed, conversation_of
from omnicanal.conversations.services.csat import do_ask_csat, record_csat
from omnicanal.conversations.services.handover import do_hand_to_person, do_return_to_bot
from omnicanal.conversations.services.notify import Notice, do_notify, do_notify_many
from omnicanal.conversations.services.privacy import do_erase_conversations, do_move_conversations
from omnicanal.conversations.services.receive import (
    Received,
    do_attach_fetched,
    do_receive_message,
    do_record_delivery,
)
from omnicanal.conversations.services.reply import do_add_note, do_reply, do_send, reply_options, window_open
from omnicanal.conversations.services.routing import do_assign, do_auto_assign
from omnicanal.conversations.services.tickets import (
    do_check_sla,
    do_link_order,
    do_open_ticket,
    do_set_ticket_status,
    sla_deadline,
    sla_state,
)
from omnicanal.conversations.services.workflow import (
    do_leave_email,
    do_reopen,
    do_resolve,
    do_set_priority,
    do_set_routing,
    do_snooze,
    do_tag,
    do_untag,
    do_wake_snoozed,
)

__all__ = [
    "Accepted",
    "Received",
    "do_accept_inbound",
    "queueable",
    "ReplyWindowClosed",
    "conversation_of",
    "sla_deadline",
    "sla_state",
    "do_add_note",
    "do_open_case",
    "do_ask_csat",
    "do_assign",
    "do_attach_fetched",
    "do_auto_assign",
    "do_check_sla",
    "do_erase_conversations",
    "do_hand_to_person",
    "do_leave_email",
    "do_link_order",
    "do_move_conversations",
    "Notice",
    "do_notify",
    "do_notify_many",
    "do_open_ticket",
    "do_receive_message",
    "do_record_delivery",
    "do_reopen",
    "do_reply",
    "do_return_to_bot",
    "do_resolve",
    "do_save_agent",
    "do_save_canned_reply",
    "do_save_team",
    "do_send",
    "do_set_availability",
    "do_set_priority",
    "do_set_routing",
    "do_set_ticket_status",
    "do_snooze",
    "do_tag",
    "do_touch_presence",
    "do_untag",
    "do_wake_snoozed",
    "record_csat",
    "render_canned",
    "reply_options",
    "window_open",
]
