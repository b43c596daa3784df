"""Wiring (装配): build the real adapters once per process from :class:`Settings`.

The domain gets its clock, calendar, policy, routing, similarity and masking through
:class:`core.uow.Env`; the edge keeps the runtime in ``app.extensions["wanggetong"]``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.pipeline import Pipeline
from bot.store import Store, make_store
from config import Settings
from core.calendar import WorkCalendar
from core.cases.policy import load_policy, load_routing
from core.clock import Clock, SystemClock
from core.db import make_engine, make_session_factory
from core.uow import Env, UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Per-process state of the app: settings, engine, the core environment, the store."""

    settings: Settings
    engine: Engine
    env: Env
    store: Store
    pipeline: Pipeline

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.env)


def _nlp_hooks(env: Env) -> None:
    """Plug the text-understanding functions into the core (similarity, masking)."""
    from bot import nlp

    env.similarity = nlp.similarity
    env.mask = nlp.mask
    env.similarity_threshold = float(nlp.SIMILARITY_THRESHOLD)


def build_runtime(settings: Settings, *, clock: Clock | None = None, engine: Engine | None = None,
                  calendar: WorkCalendar | None = None, store: Store | None = None) -> Runtime:
    engine = engine or make_engine(settings.DATABASE_URL)
    env = Env(
        session_factory=make_session_factory(engine),
        clock=clock or SystemClock(),
        calendar=calendar or WorkCalendar(settings.HOLIDAY_DIR),
        policy=load_policy(settings.POLICY_FILE, settings.TIME_LIMIT_POLICY),
        routing=load_routing(settings.ROUTING_FILE),
        public_base_url=settings.PUBLIC_BASE_URL,
        link_key=settings.SECRET_KEY,
        stats_link_hours=settings.STATS_LINK_TTL_HOURS,
    )
    _nlp_hooks(env)
    store = store or make_store(settings.REDIS_URL)
    rt = Runtime(settings=settings, engine=engine, env=env, store=store,
                 pipeline=None)  # type: ignore[arg-type]
    from bot.router import route

    rt.pipeline = Pipeline(rt, store, route)
    return rt
