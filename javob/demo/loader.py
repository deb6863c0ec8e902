"""Load the demo workspace through the actions, exactly as agents and connectors would.

Everything is written by the actions (receive_message, check_send_reply, check_assign, ...),
so the demo holds the same rows, events and rules as real use. Two things are special:

- Time. The actions stamp `timezone.now()`; the demo needs 90 days of history. The loader,
  and only the loader, back-dates what it just wrote: while it plays a conversation it notes
  the real clock before each step, and afterwards one UPDATE per table maps every row
  written during a step to that step's planned time. Product code never rewrites history.
- Delivery. Demo replies are never handed to a connector. The whole load is one
  transaction, and before it commits every reply is marked sent (then delivered or read, or
  failed with a reason) through `javob.conversations.delivery`, so the delivery task that
  runs after commit finds nothing queued and sends nothing. The API inbox's webhook URL is
  on `.invalid`, which never resolves.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Model, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from javob.accounts.actions import (
    AgentInput,
    check_set_availability,
    do_add_agent,
    do_create_team,
    do_create_token,
    do_create_workspace,
)
from javob.accounts.models import Membership, Role, Team, User, Workspace
from javob.connectors.actions import do_add_inbox
from javob.contacts.actions import check_merge_contacts
from javob.contacts.models import Contact, ContactIdentity, ContactMerge
from javob.conversations.actions import (
    check_add_note,
    check_assign,
    check_change_status,
    check_merge_conversations,
    check_send_reply,
    check_set_labels,
    check_set_priority,
    check_snooze,
    receive_message,
)
from javob.conversations.deletion import delete_conversations
from javob.conversations.delivery import apply_delivery_update, record_failure, record_sent
from javob.conversations.models import Conversation, Event, Inbox, Message
from javob.core.types import DeliveryUpdate, Identity, InboundMessage
from javob.demo import data
from javob.demo.plan import (
    Assign,
    ConversationPlan,
    Incoming,
    Labels,
    Merge,
    Note,
    Person,
    Priority,
    Reply,
    Snooze,
    Status,
    Step,
    build_plan,
)

DEMO_EMAILS = (data.OWNER.email, *(agent.email for agent in data.AGENTS))
# The workspace existed a while before its oldest conversation.
SETUP_AGE = dt.timedelta(days=120)


@dataclass(frozen=True, slots=True)
class Loaded:
    workspace_id: int
    password: str
    token: str | None  # None when the demo was already there (a token is shown only once)
    conversations: int
    seconds: float


@dataclass(slots=True)
class Demo:
    workspace: Workspace
    members: dict[str, Membership]
    teams: dict[str, Team]
    inboxes: dict[str, Inbox]
    seen: set[int] = field(default_factory=set)


def find_demo() -> Workspace | None:
    return Workspace.objects.filter(
        name=data.WORKSPACE_NAME,
        members__user__email=data.OWNER.email,
        members__role=Role.OWNER,
    ).first()


def load_demo(*, size: int = 300, reset: bool = False, now: dt.datetime | None = None) -> Loaded:
    """Create the demo workspace unless it exists; `reset` removes it first."""
    started = time.perf_counter()
    password, new_password = demo_password()
    if reset:
        remove_demo()
    existing = find_demo()
    if existing is not None:
        if new_password:
            _set_passwords(password)
        count = Conversation.objects.filter(workspace=existing).count()
        return Loaded(existing.pk, password, None, count, time.perf_counter() - started)
    # All or nothing: a load that fails half-way leaves no workspace for a rerun to mistake
    # for a finished demo.
    with transaction.atomic():
        demo = create_workspace(password)
        _token, secret = do_create_token(demo.members[data.OWNER.email], "demo")
        for plan in build_plan(size, now or timezone.now()):
            play(demo, plan)
        _backdate_people(demo.workspace)
        _backdate_setup(demo, (now or timezone.now()) - SETUP_AGE)
    count = Conversation.objects.filter(workspace=demo.workspace).count()
    return Loaded(demo.workspace.pk, password, secret, count, time.perf_counter() - started)


def demo_password() -> tuple[str, bool]:
    """The demo password, generated once and kept so every rerun prints the same one."""
    path = Path(settings.DATA_DIR) / "demo-password"
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)
    return password, True


def _set_passwords(password: str) -> None:
    for user in User.objects.filter(email__in=DEMO_EMAILS):
        user.set_password(password)
        user.save(update_fields=["password"])


def remove_demo() -> None:
    """Delete the demo workspace and the demo's users who belong nowhere else."""
    workspace = find_demo()
    if workspace is not None:
        with transaction.atomic():
            # Conversations and messages protect their inbox and contact, so they go first,
            # locked so that no timeline row is written for them meanwhile.
            delete_conversations(
                Conversation.objects.filter(workspace=workspace).values_list("pk", flat=True)
            )
            workspace.delete()
    User.objects.filter(email__in=DEMO_EMAILS, memberships__isnull=True).delete()


def create_workspace(password: str) -> Demo:
    owner_spec = data.OWNER
    first, last = owner_spec.name.split(" ", 1)
    # The owner also gets /admin/, so the demo can be explored before the agent UI exists.
    owner_user = User.objects.filter(email=owner_spec.email).first()
    if owner_user is None:
        owner_user = User.objects.create_superuser(
            owner_spec.email, password, first_name=first, last_name=last
        )
    else:  # left over from an earlier demo, or made by hand: make it the demo's owner again
        owner_user.set_password(password)
        owner_user.is_staff = owner_user.is_superuser = True
        owner_user.save(update_fields=["password", "is_staff", "is_superuser"])
    workspace, owner = do_create_workspace(
        data.WORKSPACE_NAME,
        owner_spec.email,
        time_zone=data.WORKSPACE_TIME_ZONE,
        default_locale=data.WORKSPACE_LOCALE,
    )
    members = {owner_spec.email: owner}
    for spec in data.AGENTS:
        agent = AgentInput(
            email=spec.email,
            role=spec.role,
            display_name=spec.name,
            languages=spec.languages,
            time_zone=spec.time_zone,
        )
        members[spec.email] = do_add_agent(workspace, agent)
    # Every demo agent signs in with the demo password. Hashing it once and sharing the hash
    # saves six deliberately slow PBKDF2 rounds (about 4 s).
    agent_emails = [spec.email for spec in data.AGENTS]
    User.objects.filter(email__in=agent_emails).update(password=owner_user.password)
    for spec in (owner_spec, *data.AGENTS):
        check_set_availability(members[spec.email], spec.availability)
    teams = {
        key: do_create_team(workspace, name, [members[email].pk for email in emails])
        for key, (name, emails) in data.TEAMS.items()
    }
    inboxes = {
        spec.kind: do_add_inbox(
            workspace, spec.kind, spec.name, spec.settings, list(spec.languages), connect=False
        )
        for spec in data.INBOXES
    }
    return Demo(workspace, members, teams, inboxes)


class Marks:
    """The real clock before each step, paired with the step's planned time."""

    def __init__(self) -> None:
        self.pairs: list[tuple[dt.datetime, dt.datetime]] = []

    def add(self, planned: dt.datetime) -> None:
        real = timezone.now()
        # Rows of the previous step were stamped at or before `real`; wait for the clock to
        # move on so that every row of this step is stamped strictly after it.
        while timezone.now() <= real:
            time.sleep(0)
        self.pairs.append((real, planned))

    @property
    def since(self) -> dt.datetime:
        return self.pairs[0][0]

    def remap(
        self, model: type[Model], columns: Sequence[str], where: str, args: list[Any]
    ) -> None:
        """Move each of `columns` to the planned time of the step that wrote it.

        Plain SQL: the ORM's CASE/WHEN resolution costs ~30 ms per conversation here, most
        of the loader's time, for a statement the database runs in well under a millisecond.
        """
        ops = connection.ops
        steps = [
            (ops.adapt_datetimefield_value(real), ops.adapt_datetimefield_value(planned))
            for real, planned in reversed(self.pairs)
        ]
        assignments, params = [], []
        for column in columns:
            name = ops.quote_name(column)
            whens = " ".join(f"WHEN {name} > %s THEN %s" for _ in steps)
            assignments.append(f"{name} = CASE {whens} ELSE {name} END")
            params += [value for step in steps for value in step]
        table = ops.quote_name(model._meta.db_table)
        sql = f"UPDATE {table} SET {', '.join(assignments)} WHERE {where}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *args])


@dataclass(slots=True)
class Played:
    demo: Demo
    plan: ConversationPlan
    marks: Marks
    conversations: dict[int, int] = field(default_factory=dict)  # slot -> conversation id
    contacts: dict[int, int] = field(default_factory=dict)  # slot -> contact id
    received: int = 0

    @property
    def main(self) -> int:
        return self.conversations[0]

    def member(self, email: str) -> Membership:
        return self.demo.members[email]


def play(demo: Demo, plan: ConversationPlan) -> None:
    """One conversation, step by step through the actions, then back-dated.

    Run inside `load_demo`'s transaction: replies must be marked sent before anything
    commits, or the delivery task would hand them to a connector.
    """
    with transaction.atomic():
        played = Played(demo, plan, Marks())
        for step in plan.steps:
            played.marks.add(plan.at(step.at))
            run(played, step)
        _backdate(played.conversations.values(), played.marks, demo.workspace)
        demo.seen.update(played.conversations.values())


def run(played: Played, step: Step) -> None:
    conversation = played.conversations.get(0, 0)
    match step:
        case Incoming():
            _incoming(played, step)
        case Reply():
            _reply(played, step)
        case Note(agent=agent, text=text):
            check_add_note(played.member(agent), conversation, text)
        case Assign(actor=actor, assignee=assignee, team=team):
            assignee_id = played.member(assignee).pk if assignee else None
            team_id = played.demo.teams[team].pk
            check_assign(
                played.member(actor), conversation, assignee_id=assignee_id, team_id=team_id
            )
        case Priority(actor=actor, value=value):
            check_set_priority(played.member(actor), conversation, value)
        case Labels(actor=actor, names=names):
            check_set_labels(played.member(actor), conversation, list(names))
        case Status(actor=actor, status=status):
            check_change_status(played.member(actor), conversation, status)
        case Snooze(actor=actor, days=days):
            until = timezone.now() + dt.timedelta(days=days)
            check_snooze(played.member(actor), conversation, until)
        case Merge(actor=actor):
            check_merge_contacts(played.member(actor), played.contacts[1], played.contacts[0])
            check_merge_conversations(played.member(actor), played.conversations[1], conversation)


def _incoming(played: Played, step: Incoming) -> None:
    plan = played.plan
    person = plan.person if step.slot == 0 else plan.duplicate
    assert person is not None  # noqa: S101 - the plan sets both before it is played
    played.received += 1
    message = receive_message(_inbound(played, step, person)).message
    known = played.conversations.setdefault(step.slot, message.conversation_id)
    played.contacts.setdefault(step.slot, message.conversation.contact_id)
    if message.conversation_id in played.demo.seen or known != message.conversation_id:
        raise RuntimeError(f"Demo conversation {plan.index} threaded into another one.")


def _inbound(played: Played, step: Incoming, person: Person) -> InboundMessage:
    plan = played.plan
    email = person.kind == "email"
    return InboundMessage(
        inbox_id=played.demo.inboxes[person.kind].pk,
        sender=Identity(person.identity_kind, person.identity),
        external_id=f"demo-{plan.index}-{played.received}",
        text=step.text,
        sender_name=person.name,
        subject=plan.subject if email else "",
        thread_key=f"<demo-{plan.index}-{step.slot}@mail.example.com>" if email else "",
        contact_locale=person.locale,
    )


def _reply(played: Played, step: Reply) -> None:
    plan = played.plan
    message = check_send_reply(played.member(step.agent), played.main, step.text)
    played.marks.add(plan.at(step.sent_at))
    if step.outcome == "failed":
        record_failure(message, step.reason, permanent=True)
        return
    external_id = f"demo-out-{message.pk}"
    record_sent(message, external_id)
    for status, at in (("delivered", step.delivered_at), ("read", step.read_at)):
        if at is not None:
            played.marks.add(plan.at(at))
            update = DeliveryUpdate(message.inbox_id, external_id, status, at=plan.at(at))
            apply_delivery_update(update)


# Back-dating: the demo loader's own business, see the module docstring.


def _backdate(conversation_ids: Iterable[int], marks: Marks, workspace: Workspace) -> None:
    ids = list(conversation_ids)
    among = ", ".join(["%s"] * len(ids))
    since = connection.ops.adapt_datetimefield_value(marks.since)
    times = ["created_at", "last_activity_at", "last_incoming_at", "resolved_at"]
    marks.remap(Conversation, times, f"id IN ({among})", ids)
    recent = f"conversation_id IN ({among}) AND created_at > %s"
    marks.remap(Message, ["created_at", "sent_at"], recent, [*ids, since])
    marks.remap(Event, ["created_at"], recent, [*ids, since])
    marks.remap(ContactMerge, ["created_at"], "workspace_id = %s AND created_at > %s",
                [workspace.pk, since])  # fmt: skip


def _backdate_people(workspace: Workspace) -> None:
    """A contact appears with their first conversation (or the merge that absorbed them)."""
    first_conversation = (
        Conversation.objects.filter(contact=OuterRef("pk"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    merged = ContactMerge.objects.filter(source=OuterRef("pk")).values("created_at")[:1]
    first_seen = Coalesce(Subquery(first_conversation), Subquery(merged), F("created_at"))
    Contact.objects.filter(workspace=workspace).update(created_at=first_seen, updated_at=first_seen)
    contact_created = Contact.objects.filter(pk=OuterRef("contact_id")).values("created_at")[:1]
    ContactIdentity.objects.filter(workspace=workspace).update(created_at=Subquery(contact_created))


def _backdate_setup(demo: Demo, at: dt.datetime) -> None:
    Workspace.objects.filter(pk=demo.workspace.pk).update(created_at=at)
    Membership.objects.filter(workspace=demo.workspace).update(created_at=at)
    Team.objects.filter(workspace=demo.workspace).update(created_at=at)
    Inbox.objects.filter(workspace=demo.workspace).update(created_at=at)
