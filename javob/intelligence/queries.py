"""Reads of the intelligence app: which intent classifier a workspace uses."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from javob.intelligence.models import IntentExample, IntentSet
from javob.intelligence.providers import IntentClassifier, get_intent

# Loaded classifiers by (workspace, version): a worker loads each set once, not per message.
_CACHE_SIZE = 64
_cache: OrderedDict[tuple[int, int], IntentClassifier] = OrderedDict()
_lock = Lock()


def intent_classifier(workspace_id: int) -> IntentClassifier:
    """The workspace's trained classifier, or the project's default intent set."""
    row = (
        IntentSet.objects.filter(workspace_id=workspace_id)
        .exclude(model="")
        .values_list("version", flat=True)
        .first()
    )
    if row is None:
        return get_intent().default()
    key = (workspace_id, row)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    model = IntentSet.objects.filter(workspace_id=workspace_id, version=row).values_list(
        "model", flat=True
    )
    data = model.first()
    if not data:  # retrained between the two reads: take the newer one next time
        return get_intent().default()
    classifier = get_intent().load(data)
    with _lock:
        _cache[key] = classifier
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return classifier


def intent_examples(workspace_id: int) -> list[IntentExample]:
    return list(IntentExample.objects.filter(workspace_id=workspace_id).order_by("intent", "pk"))


def intent_set(workspace_id: int) -> IntentSet | None:
    return IntentSet.objects.filter(workspace_id=workspace_id).first()
