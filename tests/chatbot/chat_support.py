"""Assertions shared by the chat pipeline tests."""

import uuid
from typing import Any

CONTRACT_KEYS = {"id", "outcome", "answer", "confidence", "sources", "candidates", "turn_id"}
ENTRY_KEYS = {"faq_id", "external_id", "question", "score"}
CONTACT_KEYS = {"department", "phone", "window", "hours", "closed_days"}


def assert_contract(response: dict[str, Any]) -> None:
    """Every key of CONTRACTS section 2; `handoff` whenever the outcome is a handoff."""
    assert set(response) >= CONTRACT_KEYS, CONTRACT_KEYS - set(response)
    assert response["outcome"] in {"answer", "clarify", "handoff", "rejected"}
    assert isinstance(response["confidence"], float)
    assert 0.0 <= response["confidence"] <= 1.0
    assert len(response["candidates"]) <= 10
    for entry in (*response["sources"], *response["candidates"]):
        assert set(entry) >= ENTRY_KEYS
    if response["outcome"] == "handoff":
        assert set(response["handoff"]) >= CONTACT_KEYS
    if response["outcome"] != "answer":
        assert response["sources"] == []
    uuid.UUID(response["turn_id"])
