"""Red flags in a conversation: recognise the sextortion pattern, explain it, and mark the key moments.

Public API: ``detect(messages, *, me=None) -> FlagReport`` and ``FLAG_NAMES``. Lexicons are data files
under ``haven/flags/data/`` (one per language); see :mod:`haven.flags.detector` for how they are applied
and :mod:`haven.flags.roles` for how the victim's side is found.
"""

from haven.flags.detector import FlagReport, detect
from haven.flags.lexicon import FLAG_NAMES, LANGUAGES, load_lexicon
from haven.flags.roles import UnknownSender

__all__ = ["FLAG_NAMES", "LANGUAGES", "FlagReport", "UnknownSender", "detect", "load_lexicon"]
