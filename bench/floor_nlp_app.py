"""The second floor of the decomposition (基线+分类): the floor that also classifies.

``bench/webhook.py --decompose`` serves it beside the floor and the project: the floor's
signature check, parse and reply, plus ``bot.nlp.classify`` of each text message — no
dedup, no database, no state. Its ratio to the floor is what classification alone takes of
the webhook's budget, so the pipeline's own target can be read against it. The tables and
jieba load at import, in the gunicorn master (``preload_app``), before the workers fork.
Serve it with ``gunicorn -c gunicorn.conf.py bench.floor_nlp_app:app``.
"""

from __future__ import annotations

from bench.floor_app import make_app
from bot import nlp

nlp.load()
app = make_app(nlp.classify)
