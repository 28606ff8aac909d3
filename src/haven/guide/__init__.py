"""The guide: a calm, ordered plan for a person facing sextortion, the support services open to them
(by age and region), and the police "Support and Information" letter.

Advice, services, platforms, payment methods and questions are data in ``data/*.toml``; each step and
service names the seed advisory (or public source) it comes from.
"""

from __future__ import annotations

from haven.guide.engine import build_plan, services_for, situation_facts
from haven.guide.knowledge import Choice, Question
from haven.guide.letter import render_letter, render_plan_markdown
from haven.guide.models import Answers, Plan, Region, Service, Step
from haven.guide.questions import QUESTIONS

__all__ = [
    "QUESTIONS",
    "Answers",
    "Choice",
    "Plan",
    "Question",
    "Region",
    "Service",
    "Step",
    "build_plan",
    "render_letter",
    "render_plan_markdown",
    "services_for",
    "situation_facts",
]
