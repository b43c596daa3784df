"""BotContext: the narrow interface a handler gets (处理上下文)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.conversation import Conversation
from bot.inbound import Inbound
from config import Settings
from core.actors import ActorRef, resident, staff
from core.uow import UnitOfWork


@dataclass
class BotContext:
    """What a handler may use: the open unit of work, the user's conversation, settings."""

    uow: UnitOfWork
    conversation: Conversation
    settings: Settings
    inbound: Inbound
    case_code: str | None = field(default=None)  # set by a handler that touched a case
    classification: Any = None  # bot.nlp.Classification of the text, when the router made one

    def now(self) -> datetime:
        return self.uow.now()

    @property
    def actor(self) -> ActorRef:
        if self.inbound.channel == "wecom":
            return staff(self.inbound.sender)
        return resident(self.inbound.sender)

    @property
    def threshold(self) -> float:
        return self.settings.NLP_CONFIDENCE_THRESHOLD

    def link(self, code: str) -> str:
        return f"{self.settings.PUBLIC_BASE_URL.rstrip('/')}/{code}"


