"""Per-process copies of small reference tables (categories, routing rules, time-limit policies
and calendars, approved wording, webhook endpoints, risk terms, which models are active) that
every registration or list reads (issue 19).

A copy is dropped when a row of one of the models it is built from is saved or deleted in this
process (post_save / post_delete, and again when that transaction commits, so that a copy
refilled from the old rows by another thread between the save and the commit does not stay),
and at the latest `REFERENCE_CACHE_SECONDS` after a change made in another process (another
server worker, an admin command). Changes that bypass the model signals (QuerySet.update, raw
SQL) must call `refcache_clear_all()`.

Every per-process copy of database rows is a RefCache, none keeps a clock of its own: the
tests drop all of them before each test (`refcache_clear_all`), and a copy left out would be
re-read a minute after whichever earlier test loaded it — a statement more, counted against
the budget of whatever test runs at that moment.

The copies hold model instances shared by every request of the process: read them, never
change them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete, post_save

REFERENCE_CACHE_SECONDS = 60.0

T = TypeVar("T")

_registry: list[RefCache[Any]] = []
# Model label ("routing.RoutingRule") -> the copies built from it.
_watching: dict[str, list[RefCache[Any]]] = {}


class RefCache(Generic[T]):
    """One per-process copy, built by `load()` on first use after a change (or after
    `REFERENCE_CACHE_SECONDS`). `models`: the labels of the models it is built from."""

    def __init__(
        self,
        name: str,
        load: Callable[[], T],
        *,
        models: tuple[str, ...],
        fields: dict[str, frozenset[str]] | None = None,
    ) -> None:
        self.name = name
        self._load = load
        # Per model label, the fields the copy reads: a save of other fields alone (a
        # login's `last_login`, `save(update_fields=…)`) leaves it. Models not named here:
        # every save drops it.
        self._fields = fields or {}
        self._lock = threading.Lock()
        self._value: tuple[float, T] | None = None
        # Bumped by every clear: a copy loaded while a clear happened is not kept (it may
        # hold the rows from before the change).
        self._generation = 0
        _registry.append(self)
        for label in models:
            if label not in _watching:
                _watch(label)
            _watching.setdefault(label, []).append(self)

    def get(self) -> T:
        with self._lock:
            hit = self._value
            generation = self._generation
        if hit is not None and time.monotonic() - hit[0] < REFERENCE_CACHE_SECONDS:
            return hit[1]
        value = self._load()
        with self._lock:
            if self._generation == generation:
                self._value = (time.monotonic(), value)
        return value

    def concerned(self, label: str, update_fields: frozenset[str] | None) -> bool:
        """Whether a save of `update_fields` (None: the whole row) of a `label` row may
        change the copy."""
        read = self._fields.get(label)
        return read is None or update_fields is None or not read.isdisjoint(update_fields)

    def clear(self) -> None:
        with self._lock:
            self._value = None
            self._generation += 1


def refcache_clear_all() -> None:
    """Drop every copy: after a change the model signals do not see, and between tests (a
    test's rolled-back transaction sends no signal for the rows it undoes)."""
    for cache in _registry:
        cache.clear()


def _changed(sender: type[Any], update_fields: frozenset[str] | None = None, **_: Any) -> None:
    label = sender._meta.label
    caches = [c for c in _watching.get(label, ()) if c.concerned(label, update_fields)]
    if not caches:
        return
    for cache in caches:
        cache.clear()

    def again() -> None:
        for cache in caches:
            cache.clear()

    transaction.on_commit(again)


def _watch(label: str) -> None:
    """Connect the receivers to the model of `label` once it is loaded. Per model, never for
    every model: a model with a delete receiver loses Django's fast delete (one DELETE
    becomes a SELECT and a DELETE), which only the watched reference tables should pay."""

    def connect(model: type[Any]) -> None:
        uid = f"tousu.core.refcache:{label}"
        post_save.connect(_changed, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(_changed, sender=model, weak=False, dispatch_uid=uid)

    app_label, model_name = label.split(".")
    apps.lazy_model_operation(connect, (app_label, model_name.lower()))
