"""Offender details: find, validate and explain every identifier the police ask for.

Public API: ``KINDS`` (the registry of indicator kinds, each with its own positive and negative examples),
``extract(text, region=..., provenance=...)``, ``extract_messages(messages, items, region)`` and
``aggregate(indicators)``. Kind modules live in ``haven.indicators.kinds``.
"""

from haven.indicators import kinds as _kinds  # noqa: F401  (registers every kind)
from haven.indicators.aggregate import aggregate
from haven.indicators.base import KINDS, Example, Hit, IndicatorKind
from haven.indicators.extract import extract
from haven.indicators.messages import extract_messages

__all__ = ["KINDS", "Example", "Hit", "IndicatorKind", "aggregate", "extract", "extract_messages"]
