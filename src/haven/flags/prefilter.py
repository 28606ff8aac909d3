"""A one-pass prefilter for the lexicon: which rules could match this message at all?

Every rule's patterns are loosened into a *superset* form that Google's RE2 can run (lookarounds and
``\\b`` dropped, Python's Unicode classes widened, ``(?-i:...)`` made case-insensitive) and put into one
``re2.Set``. One linear-time scan of a message returns the patterns that might match; only those rules run
their exact Python regular expressions. Because each loosened pattern matches everything its original
does, the prefilter can only skip rules that could not have matched: it changes speed, never results
(``tests/test_flags_prefilter.py`` checks that on the whole labelled set).

RE2's ``Set`` is used because Python's :mod:`re` has no multi-pattern matching; the loosening is written
by hand because no library translates Python regex syntax into a safe RE2 superset. Without
``google-re2`` installed, or for a pattern RE2 cannot take, every rule simply runs (slower, same flags).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from haven.flags.hscache import cache_key, load_cached, save_cached

try:  # optional speed-up; see the module docstring
    import re2 as _re2
except ImportError:  # pragma: no cover - exercised only where google-re2 is missing
    _re2 = None

try:  # faster engine for ASCII text; see Prefilter
    import hyperscan as _hs
except ImportError:  # pragma: no cover
    _hs = None  # type: ignore[assignment]

LONG_TEXT = 2000
"""Above this many characters an empty answer from RE2 is not trusted (every rule runs)."""

HYPERSCAN_AFTER = 500
"""Messages read with RE2 before the Hyperscan database is compiled. Compiling it costs about 3 CPU-s, which
pays off on a long chat but not on a short CLI run or a small import, so it is built only once a process
has read this many messages (same candidates either way: both are supersets)."""

_CLASS_ESCAPES = {"w": r"\p{L}\p{N}\p{M}_", "d": r"\p{Nd}", "s": r"\s\p{Z}\x{85}"}
_ANY_ESCAPES = {"w": r"[\p{L}\p{N}\p{M}_]", "d": r"\p{Nd}", "s": r"[\s\p{Z}\x{85}]"}


def _hex_escape(source: str, i: int) -> tuple[str, int] | None:
    """``\\uHHHH``, ``\\UHHHHHHHH`` or ``\\xHH`` (H: a hex digit) at ``source[i]`` (the backslash), as
    RE2's ``\\x{...}``."""
    kind = source[i + 1]
    width = {"u": 4, "U": 8, "x": 2}.get(kind)
    if width is None:
        return None
    digits = source[i + 2 : i + 2 + width]
    if len(digits) != width:
        return None
    return rf"\x{{{digits.lstrip('0') or '0'}}}", i + 2 + width


def _skip_group(source: str, i: int) -> int:
    """Index just after the group opened at ``source[i]`` (escapes and classes honoured)."""
    depth, in_class = 0, False
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if source[i + 1 : i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def loosen(source: str) -> str:
    """A regular expression for RE2 that matches at least everything ``source`` matches in Python."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(source):
        c = source[i]
        if c == "\\" and i + 1 < len(source):
            nxt = source[i + 1]
            hexed = _hex_escape(source, i)
            if hexed:
                out.append(hexed[0])
                i = hexed[1]
                continue
            if nxt in "bB" and not in_class:
                i += 2  # word boundaries differ (RE2's are ASCII-only): dropping one only loosens
                continue
            table = _CLASS_ESCAPES if in_class else _ANY_ESCAPES
            out.append(table.get(nxt, source[i : i + 2]))
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            if source[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if source[i + 1 : i + 2] == "]":
                out.append(r"\]")
                i += 1
            i += 1
            continue
        if source.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            i = _skip_group(source, i)  # a lookaround only narrows a match: drop it
            continue
        if source.startswith("(?-i:", i):
            out.append("(?:")
            i += 5
            continue
        out.append(c)
        i += 1
    return "".join(out)


GROUP = 8
"""ASCII texts per Hyperscan scan in :meth:`Prefilter.candidates_many` (most chat lines match nothing)."""
_BUFFER_ANCHOR = re.compile(r"\\[AZzG]")

_UNSAFE_TEXT = re.compile(r"[^\x00-\x1b\x20-\x7f]")
"""Text the Hyperscan set may read: ASCII without \\x1c-\\x1f (Python's ``\\s`` has them, PCRE's not)."""


_WIDE = r"(?:\\U[0-9A-Fa-f]{8}|\\u[0-9A-Fa-f]{4}|\\x[89A-Fa-f][0-9A-Fa-f]|[^\x00-\x7f])"
_WIDE_RUN = re.compile(rf"{_WIDE}(?:-{_WIDE})?")
_FOLDS_TO_ASCII = frozenset("\u017f\u212a\u0131\u0130")
"""Non-ASCII letters Python's IGNORECASE matches to an ASCII letter (ſ, Kelvin K, dotless and dotted i)."""


def _ascii_form(source: str) -> str | None:
    """``source`` for Hyperscan's byte mode on ASCII text: each non-ASCII character, escape or range of
    them becomes the bytes ``\\x80-\\xff`` (never in ASCII text, as the original never matches ASCII
    text there), keeping every ASCII member of a class. ``None`` when that is not safe to do."""
    if any(c in _FOLDS_TO_ASCII for c in source):
        return None
    out: list[str] = []
    i, in_class = 0, False
    while i < len(source):
        m = _WIDE_RUN.match(source, i)
        if m:
            out.append(r"\x80-\xff" if in_class else r"[\x80-\xff]")
            i = m.end()
            continue
        c = source[i]
        if c == "\\" and i + 1 < len(source):
            out.append(source[i : i + 2])
            i += 2
            continue
        if in_class and c == "]":
            in_class = False
        elif not in_class and c == "[":
            in_class = True
            out.append(c)
            i += 1
            for lead in ("^", "]"):
                if source.startswith(lead, i):
                    out.append(lead)
                    i += 1
            continue
        out.append(c)
        i += 1
    form = "".join(out).replace("(?-i:", "(?:")
    if not form.isascii() or re.search(r"\\[uUN]|\\x\{", form):
        return None
    return form


def _hyperscan(
    rules: list[list[str]], cached_only: bool = False
) -> tuple[object, list[int], set[int]] | None:
    """A Hyperscan database in prefilter mode (a superset of each pattern's matches) over the original
    patterns, for ASCII text: RE2's UTF-8 set builds a new DFA state for nearly every character of varied
    chat (2–5 ms a message on a generated chat, most of the detector's time); Hyperscan compiles its
    automaton ahead and reads a message in a few µs. On ASCII text Python and PCRE agree on ``\\w``,
    ``\\d``, ``\\b`` and case; non-ASCII parts are rewritten by :func:`_ascii_form`, and a pattern it or
    Hyperscan cannot take makes its rule run on every ASCII text. A database compiled before is read
    from :func:`cache_dir`; ``cached_only``: only that (``None`` when there is none)."""
    if _hs is None:
        return None
    flags = _hs.HS_FLAG_CASELESS | _hs.HS_FLAG_MULTILINE | _hs.HS_FLAG_SINGLEMATCH | _hs.HS_FLAG_PREFILTER
    flags |= _hs.HS_FLAG_ALLOWEMPTY
    exprs: list[bytes] = []
    owner: list[int] = []
    always: set[int] = set()
    for index, patterns in enumerate(rules):
        for source in patterns:
            form = _ascii_form(source)
            if form is None:
                always.add(index)
                continue
            exprs.append(form.encode())
            owner.append(index)

    key = cache_key(exprs, flags)
    cached = load_cached(key)
    if cached is not None or cached_only:
        return cached
    built = _compile(exprs, owner, always, flags)
    if built is not None:
        save_cached(key, *built)
    return built


def _compile(
    exprs: list[bytes], owner: list[int], always: set[int], flags: int
) -> tuple[object, list[int], set[int]] | None:
    def build(es: list[bytes]) -> object:
        db = _hs.Database()
        db.compile(expressions=es, ids=list(range(len(es))), elements=len(es), flags=[flags] * len(es))
        return db

    try:
        return build(exprs), owner, always
    except _hs.error:  # find the patterns it rejects; their rules run on every ASCII text
        kept = []
        for k, e in enumerate(exprs):
            try:
                build([e])
            except _hs.error:
                always.add(owner[k])
                continue
            kept.append(k)
        if not kept:
            return None
        return build([exprs[k] for k in kept]), [owner[k] for k in kept], always


class Prefilter:
    """One RE2 set over the loosened patterns of many rules; ``candidates(text)`` names the rules (by
    position in the list given) that might match, or ``None`` when every rule must run."""

    def __init__(self, given: Iterable[Iterable[str]]) -> None:
        rules = [list(patterns) for patterns in given]
        self.always: set[int] = set()
        self.owner: list[int] = []
        self.size = 0
        self._set = None
        self._rules = rules
        self._hs_db: tuple[object, list[int], set[int]] | None = None
        self._hs_tried = False
        self._reads = 0
        self._grouping: bool | None = None
        if _re2 is None:
            self.always = set(range(len(rules)))
            return
        options = _re2.Options()
        options.max_mem = 128 << 20
        search_set = _re2.Set.SearchSet(options)
        for index, patterns in enumerate(rules):
            self.size += 1
            for source in patterns:
                try:
                    search_set.Add(f"(?mi){loosen(source)}")
                except _re2.error:  # RE2 rejects a construct: this rule runs on every message
                    self.always.add(index)
                    continue
                self.owner.append(index)
        try:
            search_set.Compile()
        except _re2.error:  # pragma: no cover - only on RE2 memory limits
            self.always = set(range(self.size))
            return
        self._set = search_set

    @property
    def _hs(self) -> tuple[object, list[int], set[int]] | None:
        """The Hyperscan database, compiled on first use (see :data:`HYPERSCAN_AFTER`)."""
        if not self._hs_tried:
            self._hs_tried = True
            self._hs_db = _hyperscan(self._rules)
        return self._hs_db

    def candidates_many(self, texts: list[str]) -> list[set[int] | None]:
        """``[candidates(t) for t in texts]``, faster: ASCII texts are scanned by Hyperscan in groups of
        :data:`GROUP` joined by newlines, and only a group with any match is scanned text by text. A
        group with no match proves each of its texts has none: a pattern's match inside one text is a
        match inside the group, since a newline next to a text reads as the text's edge to ``\\b``,
        ``^`` and ``$`` (multiline), and databases whose patterns use ``\\A``, ``\\Z``, ``\\z`` or
        ``\\G`` (which do see the group's edges) are not grouped."""
        out: list[set[int] | None] = [None] * len(texts)
        k = 0
        while k < len(texts) and not (self._hs_tried and self._hs_db is not None):
            out[k] = self.candidates(texts[k])  # the first reads decide the engine (see candidates)
            k += 1
            if not self._hs_tried and self._reads > HYPERSCAN_AFTER and self._set is not None:
                break
        if k == len(texts) or self._hs is None:
            out[k:] = [self.candidates(t) for t in texts[k:]]
            return out
        db, owner, always = self._hs
        found: list[int] = []
        scan, unsafe, get = db.scan, _UNSAFE_TEXT.search, owner.__getitem__  # type: ignore[attr-defined]

        def handler(k: int, *_: object) -> None:
            found.append(k)

        def one(i: int, data: bytes) -> None:
            scan(data, match_event_handler=handler)
            if found:
                hits = set(map(get, found))
                found.clear()
                out[i] = hits | always if always else hits
            else:
                out[i] = set(always)

        safe: list[int] = []
        for i in range(k, len(texts)):
            text = texts[i]
            if text.isascii() and not unsafe(text):
                safe.append(i)
            else:
                out[i] = self.candidates(text)
        self._reads += len(safe)
        group = GROUP if self._groupable else 1
        for lo in range(0, len(safe), group):
            block = safe[lo : lo + group]
            data = [texts[i].encode("ascii") for i in block]
            if len(block) > 1:
                scan(b"\n".join(data), match_event_handler=handler)
                if not found:
                    for i in block:
                        out[i] = set(always)
                    continue
                found.clear()
            for i, d in zip(block, data, strict=True):
                one(i, d)
        return out

    @property
    def _groupable(self) -> bool:
        """No pattern of the Hyperscan database sees a buffer's own edges (see candidates_many)."""
        if self._grouping is None:
            forms = (_ascii_form(s) or "" for patterns in self._rules for s in patterns)
            self._grouping = not any(_BUFFER_ANCHOR.search(f) for f in forms)
        return self._grouping

    def candidates(self, text: str) -> set[int] | None:
        self._reads += 1
        if self._reads == 1 and not self._hs_tried:  # compiled by an earlier run: use it at once
            self._hs_db = _hyperscan(self._rules, cached_only=True)
            self._hs_tried = self._hs_db is not None
        use_hs = self._hs_tried or self._reads > HYPERSCAN_AFTER or self._set is None
        if use_hs and text.isascii() and self._hs is not None and not _UNSAFE_TEXT.search(text):
            db, owner, always = self._hs
            found: list[int] = []
            db.scan(text.encode("ascii"), match_event_handler=lambda k, *_: found.append(k))  # type: ignore[attr-defined]
            hits = set(map(owner.__getitem__, found))
            return hits | always if always else hits
        if self._set is None:
            return None
        matched = self._set.Match(text)
        if not matched and len(text) > LONG_TEXT:
            return None  # RE2 answers "no match" also when its DFA runs out of memory: be safe
        hits = {self.owner[k] for k in matched or ()}
        return hits | self.always if self.always else hits
