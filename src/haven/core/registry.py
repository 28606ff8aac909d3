"""A small name -> thing registry that refuses duplicates (python-threatexchange's SignalTypeMapping habit).

Importers, indicator kinds and signal types each keep one. Every registered thing carries its own
examples, and one parametrised test per registry runs them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    def add(self, name: str, thing: T) -> T:
        if name in self._items:
            raise ValueError(f"{self.what} {name!r} is registered twice")
        self._items[name] = thing
        return thing

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator form: ``@REGISTRY.register("whatsapp")``."""

        def deco(thing: T) -> T:
            return self.add(name, thing)

        return deco

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise KeyError(f"unknown {self.what} {name!r} (known: {known})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> list[str]:
        return list(self._items)

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())
