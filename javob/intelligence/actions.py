"""Writes of the intelligence app: a workspace's intent examples and their training."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.accounts.models import Membership
from javob.core.errors import ActionError, NotFound, PermissionDenied
from javob.core.tasks import enqueue_on_commit
from javob.intelligence.intent import OOS
from javob.intelligence.models import IntentExample, IntentSet
from javob.intelligence.providers import get_intent

MAX_INTENT = 64
MAX_EXAMPLE = 1000


def check_add_intent_example(actor: Membership, intent: str, text: str) -> IntentExample:
    """Add an example phrase to the workspace's intent set (owners and admins).

    `intent` "oos" marks an out-of-scope example. The set is retrained in a task.
    """
    _must_manage(actor)
    intent, text = intent.strip(), text.strip()
    if not intent or len(intent) > MAX_INTENT:
        raise ActionError(
            _("An intent name has 1 to %(n)d characters.") % {"n": MAX_INTENT}, field="intent"
        )
    if not text or len(text) > MAX_EXAMPLE:
        raise ActionError(
            _("An example has 1 to %(n)d characters.") % {"n": MAX_EXAMPLE}, field="text"
        )
    return do_add_intent_example(actor, intent, text)


def do_add_intent_example(actor: Membership, intent: str, text: str) -> IntentExample:
    with transaction.atomic():
        example = IntentExample.objects.create(
            workspace_id=actor.workspace_id, intent=intent, text=text, created_by=actor
        )
        _mark_stale(actor.workspace_id)
    return example


def check_delete_intent_example(actor: Membership, example_id: int) -> None:
    _must_manage(actor)
    with transaction.atomic():
        deleted, _rows = IntentExample.objects.filter(
            workspace_id=actor.workspace_id, pk=example_id
        ).delete()
        if not deleted:
            raise NotFound(_("No such example."), field="example_id")
        _mark_stale(actor.workspace_id)


def _must_manage(actor: Membership) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only owners and admins can change the intent set."))


def _mark_stale(workspace_id: int) -> None:
    from javob.intelligence.tasks import train_intents

    IntentSet.objects.get_or_create(workspace_id=workspace_id)
    IntentSet.objects.filter(workspace_id=workspace_id).update(stale=True)
    enqueue_on_commit(train_intents, workspace_id)


def do_train_intents(workspace_id: int) -> IntentSet:
    """Train the workspace's classifier from its examples; keep the old one if it fails.

    With no examples left the workspace goes back to the project's default intent set.
    Idempotent: a set that is not stale is returned untouched.
    """
    with transaction.atomic():
        intent_set, _created = IntentSet.objects.select_for_update().get_or_create(
            workspace_id=workspace_id
        )
        if not intent_set.stale and intent_set.trained_at is not None:
            return intent_set
        examples = list(
            IntentExample.objects.filter(workspace_id=workspace_id)
            .order_by("pk")
            .values_list("text", "intent")
        )
        intent_set.stale = False
        intent_set.example_count = len(examples)
        fields = ["stale", "example_count", "error"]
        if not examples:
            intent_set.model, intent_set.intents, intent_set.error = "", [], ""
            intent_set.version += 1
            intent_set.trained_at = timezone.now()
            fields += ["model", "intents", "version", "trained_at"]
        else:
            try:
                classifier = get_intent().train(examples)
            except ValueError as error:
                intent_set.error = str(error)
            else:
                intent_set.model = classifier.to_json()
                intent_set.intents = sorted({label for _text, label in examples} - {OOS})
                intent_set.error = ""
                intent_set.version += 1
                intent_set.trained_at = timezone.now()
                fields += ["model", "intents", "version", "trained_at"]
        intent_set.save(update_fields=fields)
    return intent_set
