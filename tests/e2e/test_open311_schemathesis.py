"""Property tests of the Open311 API against its own OpenAPI document (schemathesis).

Every operation of ``/open311/v2/openapi.json`` is called through the WSGI app with data
that fits the document and data that does not: no answer may be a 5xx, every status and
body must be one the document declares, and schema-valid posts must be accepted. The
document is the served one, with one change: ``api_key`` is narrowed to the test key, so
that valid posts really file cases and the rest are refused.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

from bot.open311.views import OPENAPI_FILE

KEY = "schemathesis-key"


@pytest.fixture
def settings(settings):
    return settings.with_overrides(OPEN311_API_KEYS=KEY)


def _document() -> dict:
    """The served document (the file of bot/open311), api_key narrowed to the test key."""
    doc = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    doc["components"]["schemas"]["NewRequest"]["properties"]["api_key"] = {"type": "string",
                                                                          "enum": [KEY]}
    return doc


schema = schemathesis.openapi.from_dict(_document())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


def test_the_served_document_is_the_file(client):
    assert client.get("/open311/v2/openapi.json").json == json.loads(OPENAPI_FILE.read_text("utf-8"))


@pytest.mark.usefixtures("town")
@schema.parametrize()
@hypothesis_settings(max_examples=30, deadline=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case, app):
    case.call_and_validate(app=app)
