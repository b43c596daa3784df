"""The outbound WeChat edge (主动调用): API clients, the notifier, media download.

``build_clients(settings)`` makes the Official Account and WeCom clients (tokens shared
through Redis when ``REDIS_URL`` is set); ``Notifier.send(row)`` delivers one outbox row
and answers ok / retry / give_up. See docs/wechatpy.md.
"""

from bot.wechat.clients import (
    OfficialClient,
    WeChatClients,
    WeComClient,
    build_clients,
    reset_shared_clients,
    shared_clients,
)
from bot.wechat.errors import MediaError, Outcome, TokenError
from bot.wechat.notifier import Notifier, OutboundMessage, SendResult, build_notifier

__all__ = [
    "MediaError", "Notifier", "OfficialClient", "OutboundMessage", "Outcome", "SendResult",
    "TokenError", "WeChatClients", "WeComClient", "build_clients", "build_notifier",
    "reset_shared_clients", "shared_clients",
]
