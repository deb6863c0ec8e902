"""Every write to canned responses, macros and rules, and applying a macro.

`check_*` validates and authorizes the acting membership, then writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from javob.accounts.models import Membership
from javob.automation import operations, syntax
from javob.automation.loading import bump_rules
from javob.automation.models import CannedResponse, Macro, Match, Rule, Trigger, Visibility
from javob.automation.queries import (
    access_canned,
    access_macro,
    access_rule,
    require_admin,
    require_may_edit,
    visible_canned,
)
from javob.automation.render import unknown_variables
from javob.conversations.queries import access_conversation
from javob.core.errors import ActionError
from javob.core.validation import check_language_codes

SHORTCUT = re.compile(r"^[\w-]{1,64}$")
MAX_BODY = 20_000


# Canned responses.


@dataclass(frozen=True, slots=True)
class CannedInput:
    shortcut: str
    title: str
    bodies: dict[str, str]
    default_language: str = "en"
    visibility: str = Visibility.SHARED


def check_save_canned(
    actor: Membership, data: CannedInput, canned_id: int | None = None
) -> CannedResponse:
    """Create (or with `canned_id`, change) a canned response. Shared ones need an admin;
    unknown {{variables}} are refused, naming them."""
    cleaned = _clean_canned(data)
    require_may_edit(actor, cleaned.visibility)
    with transaction.atomic():
        canned = (
            access_canned(actor, canned_id, write=True)
            if canned_id is not None
            else CannedResponse(workspace_id=actor.workspace_id)
        )
        _refuse_taken_shortcut(actor, cleaned, canned.pk)
        canned.shortcut = cleaned.shortcut
        canned.title = cleaned.title
        canned.bodies = cleaned.bodies
        canned.default_language = cleaned.default_language
        canned.visibility = cleaned.visibility
        canned.owner = actor if cleaned.visibility == Visibility.PERSONAL else None
        canned.save()
    return canned


def _clean_canned(data: CannedInput) -> CannedInput:
    shortcut = data.shortcut.strip().lstrip("/")
    if not SHORTCUT.match(shortcut):
        raise ActionError(
            _("A shortcut is 1 to 64 letters, digits, - or _, without spaces."), field="shortcut"
        )
    title = data.title.strip()
    if not title or len(title) > 200:
        raise ActionError(_("Give a title of at most 200 characters."), field="title")
    if data.visibility not in Visibility.values:
        raise ActionError(_("Unknown visibility."), field="visibility")
    bodies = {lang.strip().lower(): body.strip() for lang, body in data.bodies.items()}
    bodies = {lang: body for lang, body in bodies.items() if body}
    check_language_codes(tuple(bodies), field="bodies")
    default = data.default_language.strip().lower()
    if default not in bodies:
        raise ActionError(_("Write the body in the fallback language."), field="bodies")
    _check_bodies(bodies)
    return CannedInput(shortcut, title, bodies, default, data.visibility)


def _check_bodies(bodies: dict[str, str]) -> None:
    for body in bodies.values():
        if len(body) > MAX_BODY:
            raise ActionError(_("A body is at most 20000 characters."), field="bodies")
        unknown = unknown_variables(body)
        if unknown:
            raise ActionError(
                _("Unknown variables: %(names)s") % {"names": ", ".join(unknown)}, field="bodies"
            )


def _refuse_taken_shortcut(actor: Membership, data: CannedInput, own_pk: int | None) -> None:
    taken = visible_canned(actor).filter(shortcut=data.shortcut)
    if own_pk is not None:
        taken = taken.exclude(pk=own_pk)
    if taken.exists():
        raise ActionError(_("This shortcut is taken."), field="shortcut")


def check_delete_canned(actor: Membership, canned_id: int) -> None:
    access_canned(actor, canned_id, write=True).delete()


def check_use_canned(actor: Membership, canned_id: int, conversation_id: int) -> str:
    """The body the composer inserts, rendered for this conversation; counts one use."""
    canned = access_canned(actor, canned_id)
    conversation = access_conversation(actor, conversation_id, field="conversation")
    text = operations.render_canned_text(canned, conversation, actor)
    operations.count_use(canned.pk)
    return text


# Macros.


def check_save_macro(
    actor: Membership,
    name: str,
    actions_text: str,
    visibility: str = Visibility.SHARED,
    macro_id: int | None = None,
) -> Macro:
    name = name.strip()
    if not name or len(name) > 200:
        raise ActionError(_("Give a name of at most 200 characters."), field="name")
    if visibility not in Visibility.values:
        raise ActionError(_("Unknown visibility."), field="visibility")
    require_may_edit(actor, visibility)
    actions = syntax.parse_actions(actor.workspace_id, actions_text, allowed=syntax.MACRO_ACTIONS)
    with transaction.atomic():
        macro = (
            access_macro(actor, macro_id, write=True)
            if macro_id is not None
            else Macro(workspace_id=actor.workspace_id)
        )
        macro.name = name
        macro.visibility = visibility
        macro.owner = actor if visibility == Visibility.PERSONAL else None
        macro.actions = actions
        macro.save()
    return macro


def check_delete_macro(actor: Membership, macro_id: int) -> None:
    access_macro(actor, macro_id, write=True).delete()


def check_apply_macro(actor: Membership, macro_id: int, conversation_id: int) -> list[str]:
    """Apply every action of a macro to one conversation, as `actor`, all or nothing.

    Each action goes through the conversation actions, so the agent's permissions hold and
    each change leaves its own timeline event. Returns what was done, in order.
    """
    macro = access_macro(actor, macro_id)
    with transaction.atomic():
        access_conversation(actor, conversation_id, lock=True, field="conversation_id")
        context = operations.Context(actor, conversation_id)
        done = [operations.run(context, spec) for spec in macro.actions]
    from javob.automation.engine import notify

    for trigger in dict.fromkeys(item.follow_up for item in done if item.follow_up):
        notify(trigger, conversation_id)
    return [item.summary for item in done]


# Rules.


@dataclass(frozen=True, slots=True)
class RuleInput:
    name: str
    trigger: str
    actions_text: str
    conditions_text: str = ""
    match: str = Match.ALL
    hours: int = 0
    stop_processing: bool = False
    enabled: bool = True
    log_misses: bool = False


def check_save_rule(actor: Membership, data: RuleInput, rule_id: int | None = None) -> Rule:
    """Create a rule (placed last in its event's order) or change one."""
    require_admin(actor)
    name = data.name.strip()
    if not name or len(name) > 200:
        raise ActionError(_("Give a name of at most 200 characters."), field="name")
    if data.trigger not in Trigger.values:
        raise ActionError(_("Unknown event."), field="trigger")
    if data.match not in Match.values:
        raise ActionError(_("Unknown match."), field="match")
    if data.trigger == Trigger.NO_REPLY and not 1 <= data.hours <= 24 * 90:
        raise ActionError(_("Give the hours without a reply (1 to 2160)."), field="hours")
    conditions = syntax.parse_conditions(actor.workspace_id, data.conditions_text)
    actions = syntax.parse_actions(
        actor.workspace_id, data.actions_text, allowed=syntax.RULE_ACTIONS
    )
    with transaction.atomic():
        rule = (
            access_rule(actor, rule_id) if rule_id is not None else _new_rule(actor, data.trigger)
        )
        if rule.trigger != data.trigger:
            rule.position = _next_position(actor.workspace_id, data.trigger)
        rule.name = name
        rule.trigger = data.trigger
        rule.hours = data.hours if data.trigger == Trigger.NO_REPLY else 0
        rule.match = data.match
        rule.conditions = conditions
        rule.actions = actions
        rule.stop_processing = data.stop_processing
        rule.enabled = data.enabled
        rule.log_misses = data.log_misses
        rule.save()
        bump_rules(actor.workspace_id)
    return rule


def _new_rule(actor: Membership, trigger: str) -> Rule:
    return Rule(
        workspace_id=actor.workspace_id,
        trigger=trigger,
        created_by=actor,
        position=_next_position(actor.workspace_id, trigger),
    )


def _next_position(workspace_id: int, trigger: str) -> int:
    top = Rule.objects.filter(workspace_id=workspace_id, trigger=trigger).aggregate(
        top=Max("position")
    )["top"]
    return 0 if top is None else top + 1


def check_set_rule_enabled(actor: Membership, rule_id: int, enabled: bool) -> Rule:
    with transaction.atomic():
        rule = access_rule(actor, rule_id)
        rule.enabled = enabled
        rule.save(update_fields=["enabled", "updated_at"])
        bump_rules(actor.workspace_id)
    return rule


def check_move_rule(actor: Membership, rule_id: int, offset: int) -> Rule:
    """Move a rule up (-1) or down (+1) among the rules of its event."""
    with transaction.atomic():
        rule = access_rule(actor, rule_id)
        ordered = list(
            Rule.objects.select_for_update()
            .filter(workspace_id=actor.workspace_id, trigger=rule.trigger)
            .order_by("position", "id")
        )
        index = next(i for i, item in enumerate(ordered) if item.pk == rule.pk)
        target = index + offset
        if 0 <= target < len(ordered):
            ordered.insert(target, ordered.pop(index))
        for position, item in enumerate(ordered):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        bump_rules(actor.workspace_id)
    rule.refresh_from_db()
    return rule


def check_delete_rule(actor: Membership, rule_id: int) -> None:
    with transaction.atomic():
        access_rule(actor, rule_id).delete()
        bump_rules(actor.workspace_id)
