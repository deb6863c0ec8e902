"""Reads of the agent UI: inbox views and their counts, list rows, the conversation page.

An inbox view is a key in the URL: `mine`, `unassigned`, `all`, `mentions`, `team-<id>`,
`inbox-<id>` or `saved-<id>`. Each is a condition on the conversations the agent may see (the
visibility rules of javob.conversations.queries always apply first); the filter bar narrows it
further.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from javob.accounts.models import Membership, Team
from javob.accounts.queries import agents, teams
from javob.contacts.models import Contact
from javob.conversations.models import (
    ChannelKind,
    Conversation,
    Direction,
    Event,
    EventKind,
    Inbox,
    Label,
    Message,
    Priority,
    Sentiment,
    Status,
)
from javob.conversations.queries import page, visible_conversations
from javob.core.errors import ActionError, NotFound
from javob.routing.queries import explain as explain_routing
from javob.sla.queries import with_next_due
from javob.web.models import Mention, ReadMark, SavedFilter

# A list row or a page needs the inbox's name and channel, never its (encrypted) settings.
INBOX_UNUSED = ("inbox__secrets", "inbox__settings")
PAGE_SIZE = 50
TIMELINE_LIMIT = 100  # messages shown at first; "Show earlier messages" shows them all
FILTER_KEYS = (
    "status",
    "channel",
    "label",
    "language",
    "sentiment",
    "priority",
    "assignee",
    "sort",
)
ANY = "any"


@dataclass(frozen=True, slots=True)
class Filters:
    """The filter bar. `status` defaults to open; "any" lifts it."""

    status: str = Status.OPEN
    channel: str = ""
    label: str = ""
    language: str = ""
    sentiment: str = ""  # the conversation's mood: negative, neutral or positive
    priority: str = ""
    assignee: str = ""  # "", "me", "none" or a membership id
    sort: str = ""  # "" newest activity first, "sla" earliest SLA due time first

    @classmethod
    def parse(cls, data: Any) -> Filters:
        """Read from a QueryDict or dict; unknown values are dropped, not errors."""
        status = str(data.get("status") or Status.OPEN)
        channel = str(data.get("channel") or "")
        priority = str(data.get("priority") or "")
        assignee = str(data.get("assignee") or "")
        sentiment = str(data.get("sentiment") or "")
        return cls(
            status=status if status in (*Status.values, ANY) else Status.OPEN,
            channel=channel if channel in ChannelKind.values else "",
            label=str(data.get("label") or "")[:64],
            language=str(data.get("language") or "")[:16],
            sentiment=sentiment if sentiment in Sentiment.values else "",
            priority=priority if priority in Priority.values else "",
            assignee=assignee if assignee in ("me", "none") or assignee.isdigit() else "",
            sort="sla" if data.get("sort") == "sla" else "",
        )

    def params(self) -> dict[str, str]:
        """Only what differs from the default, for query strings and saved filters."""
        values = {key: getattr(self, key) for key in FILTER_KEYS}
        return {k: v for k, v in values.items() if v and not (k == "status" and v == Status.OPEN)}

    def condition(self, member: Membership) -> Q:
        q = Q()
        if self.status != ANY:
            q &= Q(status=self.status)
        if self.channel:
            q &= Q(inbox__kind=self.channel)
        if self.label:
            labelled = Label.objects.filter(workspace_id=member.workspace_id, name=self.label)
            q &= Q(
                pk__in=Conversation.labels.through.objects.filter(label__in=labelled).values(
                    "conversation_id"
                )
            )
        if self.language:
            q &= Q(language=self.language)
        if self.sentiment:
            q &= Q(sentiment=self.sentiment)
        if self.priority:
            q &= Q(priority=self.priority)
        if self.assignee == "me":
            q &= Q(assignee_id=member.pk)
        elif self.assignee == "none":
            q &= Q(assignee__isnull=True)
        elif self.assignee:
            q &= Q(assignee_id=int(self.assignee))
        return q


@dataclass(frozen=True, slots=True)
class InboxView:
    key: str
    label: str
    condition: Q
    count: int | None = None
    filters: Filters | None = None  # a saved filter's own filters


@dataclass(slots=True)
class Navigation:
    """Every view of the sidebar, with its count of open conversations."""

    main: list[InboxView] = field(default_factory=list)
    teams: list[InboxView] = field(default_factory=list)
    inboxes: list[InboxView] = field(default_factory=list)
    saved: list[InboxView] = field(default_factory=list)


def _builtin(member: Membership) -> list[InboxView]:
    return [
        InboxView("mine", _("Mine"), Q(assignee_id=member.pk)),
        InboxView("unassigned", _("Unassigned"), Q(assignee__isnull=True)),
        InboxView("all", _("All"), Q()),
        # Mentions are recorded only for agents who could see the conversation; the
        # visibility rules still apply, so one that has moved out of sight is not listed.
        InboxView("mentions", _("Mentions"), Q(pk__in=_mentioned_in(member))),
    ]


def _mentioned_in(member: Membership) -> QuerySet[Mention, Any]:
    return Mention.objects.filter(membership_id=member.pk).values("conversation_id")


def nav_teams(member: Membership) -> list[Team]:
    if member.sees_everything:
        return list(teams(member.workspace_id))
    return list(member.teams.order_by("name", "id"))


def navigation(member: Membership, *, counted: bool = True) -> Navigation:
    """The sidebar: one query for the built-in, team and inbox counts, one per saved filter.

    The counts read every open conversation of the workspace, so the inbox page renders the
    sidebar without them (`counted=False`) and the browser fetches them right after."""
    nav = Navigation(main=_builtin(member))
    nav.teams = [InboxView(f"team-{t.pk}", t.name, Q(team_id=t.pk)) for t in nav_teams(member)]
    inboxes = Inbox.objects.filter(workspace_id=member.workspace_id, is_active=True)
    nav.inboxes = [
        InboxView(f"inbox-{i.pk}", i.name, Q(inbox_id=i.pk))
        for i in inboxes.only("pk", "name").order_by("name", "id")
    ]
    saved = list(member.saved_filters.order_by("name", "id"))
    if not counted:
        nav.saved = [
            InboxView(f"saved-{s.pk}", s.name, Q(), None, Filters.parse(s.params)) for s in saved
        ]
        return nav
    views = nav.main + nav.teams + nav.inboxes
    counts = (
        visible_conversations(member)
        .filter(status=Status.OPEN)
        .aggregate(**{_alias(v.key): Count("pk", filter=v.condition) for v in views})
    )
    nav.main, nav.teams, nav.inboxes = (
        [_counted(v, counts[_alias(v.key)]) for v in group]
        for group in (nav.main, nav.teams, nav.inboxes)
    )
    nav.saved = [
        InboxView(
            f"saved-{s.pk}",
            s.name,
            Q(),
            visible_conversations(member).filter(Filters.parse(s.params).condition(member)).count(),
            Filters.parse(s.params),
        )
        for s in saved
    ]
    return nav


def _alias(key: str) -> str:
    return "n_" + key.replace("-", "_")


def _counted(view: InboxView, count: int) -> InboxView:
    return InboxView(view.key, view.label, view.condition, count)


def resolve_view(member: Membership, key: str) -> InboxView:
    """The view named by `key`, or NotFound for a key this agent has no such view for."""
    for view in _builtin(member):
        if view.key == key:
            return view
    kind, _sep, raw = key.partition("-")
    if not raw.isdigit():
        raise NotFound(_("No such view."), field="view")
    pk = int(raw)
    if kind == "team" and pk in {t.pk for t in nav_teams(member)}:
        return InboxView(key, Team.objects.get(pk=pk).name, Q(team_id=pk))
    if kind == "inbox":
        inbox = Inbox.objects.filter(workspace_id=member.workspace_id, pk=pk).only("name").first()
        if inbox is not None:
            return InboxView(key, inbox.name, Q(inbox_id=pk))
    if kind == "saved":
        saved = member.saved_filters.filter(pk=pk).first()
        if saved is not None:
            return InboxView(key, saved.name, Q(), filters=Filters.parse(saved.params))
    raise NotFound(_("No such view."), field="view")


def view_conversations(
    member: Membership, view: InboxView, filters: Filters
) -> QuerySet[Conversation]:
    return visible_conversations(member).filter(view.condition, filters.condition(member))


def rows_page(
    member: Membership, view: InboxView, filters: Filters, cursor: str | None
) -> tuple[list[Conversation], str | None]:
    """One page of list rows, newest activity first (or earliest SLA due time first): a
    constant three queries."""
    rows = with_row_data(member, view_conversations(member, view, filters))
    if filters.sort == "sla":
        return sla_page(rows, cursor, PAGE_SIZE)
    return page(rows, cursor, PAGE_SIZE)


def sla_page(
    query: QuerySet[Conversation], cursor: str | None, limit: int
) -> tuple[list[Conversation], str | None]:
    """Keyset paging on (SLA due time, id), conversations without a running target last."""
    if cursor:
        due, pk = _sla_cursor(cursor)
        if due is None:  # already among the rows without a target
            after = Q(sla_due_at__isnull=True, pk__gt=pk)
        else:
            after = Q(sla_due_at__isnull=True) | Q(sla_due_at__gt=due)
            after |= Q(sla_due_at=due, pk__gt=pk)
        query = query.filter(after)
    rows = list(query.order_by(F("sla_due_at").asc(nulls_last=True), "id")[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    due_at: dt.datetime | None = getattr(last, "sla_due_at", None)
    micros = (due_at - EPOCH) // dt.timedelta(microseconds=1) if due_at else ""
    return rows[:limit], f"{micros}_{last.pk}"


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _sla_cursor(cursor: str) -> tuple[dt.datetime | None, int]:
    """Exact microseconds (a float would not compare equal to the stored time)."""
    stamp, _sep, pk = cursor.partition("_")
    try:
        due = EPOCH + dt.timedelta(microseconds=int(stamp)) if stamp else None
        return due, int(pk)
    except (ValueError, OverflowError) as exc:
        raise ActionError(_("This page link is no longer valid."), field="cursor") from exc


def with_row_data(member: Membership, query: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """What a list row shows: contact, inbox, assignee, labels, last message, unread, the
    next SLA due time and a web-chat visitor's presence (subqueries, so the page's query
    count does not change)."""
    from javob.connectors.webchat.queries import with_presence

    last = Message.objects.filter(
        conversation=OuterRef("pk"), direction__in=[Direction.INCOMING, Direction.OUTGOING]
    ).order_by("-created_at", "-id")
    read = ReadMark.objects.filter(
        membership_id=member.pk,
        conversation=OuterRef("pk"),
        read_at__gte=OuterRef("last_incoming_at"),
    )
    return (
        with_presence(with_next_due(query))  # `sla_due_at`: the "due in" / "breached" marker
        .select_related("contact", "inbox", "assignee__user")
        .defer(*INBOX_UNUSED)
        .prefetch_related("labels")
        .annotate(
            preview=Subquery(last.annotate(short=Substr("text", 1, 160)).values("short")[:1]),
            unread=ExpressionWrapper(
                Q(last_incoming_at__isnull=False) & ~Exists(read), output_field=BooleanField()
            ),
        )
    )


# The conversation page.

# Events that a message already shows; the timeline lists the others as system lines.
MESSAGE_EVENTS = {EventKind.MESSAGE_IN, EventKind.MESSAGE_OUT, EventKind.NOTE}


@dataclass(frozen=True, slots=True)
class TimelineItem:
    at: dt.datetime
    message: Message | None = None
    event: Event | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class Timeline:
    items: list[TimelineItem]
    truncated: bool  # older messages exist than the ones shown


def timeline_items(
    conversation: Conversation,
    agent_names: dict[int, str],
    team_names: dict[int, str],
    *,
    everything: bool = False,
) -> Timeline:
    """The newest TIMELINE_LIMIT messages (or all) and the system events since the oldest."""
    messages = (
        conversation.messages.select_related("sender_agent__user", "sender_contact")
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")
    )
    shown = list(messages if everything else messages[: TIMELINE_LIMIT + 1])
    truncated = len(shown) > TIMELINE_LIMIT and not everything
    shown = shown[:TIMELINE_LIMIT] if truncated else shown
    events = conversation.events.select_related("actor__user").order_by("created_at", "id")
    if truncated:
        events = events.filter(created_at__gte=shown[-1].created_at)
    items = [TimelineItem(m.created_at, message=m) for m in shown]
    items += [
        TimelineItem(e.created_at, event=e, text=describe(e, agent_names, team_names))
        for e in events
        if e.kind not in MESSAGE_EVENTS and not _routine_delivery(e)
    ]
    return Timeline(sorted(items, key=_order), truncated)


def _order(item: TimelineItem) -> tuple[dt.datetime, int]:
    # At one instant: the conversation's creation, then messages, then what followed them.
    if item.event is not None:
        return item.at, 0 if item.event.kind == EventKind.CREATED else 2
    return item.at, 1


def _routine_delivery(event: Event) -> bool:
    # A message shows its own delivery status; only failures and retries are worth a line.
    return event.kind == EventKind.DELIVERY and event.data.get("status") not in ("failed", "queued")


def describe(event: Event, agent_names: dict[int, str], team_names: dict[int, str]) -> str:
    """One line for a system event, in the viewer's language."""
    who = event.actor.name if event.actor is not None else _("Javob")
    data = event.data
    match event.kind:
        case EventKind.ASSIGNED:
            to = agent_names.get(data.get("assignee_id") or 0)
            if to is None:
                return _("%(who)s unassigned the conversation") % {"who": who}
            return _("%(who)s assigned it to %(to)s") % {"who": who, "to": to}
        case EventKind.TEAM:
            team = team_names.get(data.get("team_id") or 0, _("no team"))
            return _("%(who)s moved it to %(team)s") % {"who": who, "team": team}
        case EventKind.STATUS:
            return _("%(who)s changed the status to %(status)s") % {
                "who": who,
                "status": Status(data["to"]).label if data.get("to") in Status.values else "?",
            }
        case EventKind.PRIORITY:
            level = Priority(data["to"]).label if data.get("to") in Priority.values else "?"
            return _("%(who)s set the priority to %(priority)s") % {"who": who, "priority": level}
        case EventKind.LABELS:
            return _("%(who)s changed labels: %(changes)s") % {
                "who": who,
                "changes": " ".join(
                    [f"+{n}" for n in data.get("added", [])]
                    + [f"−{n}" for n in data.get("removed", [])]
                ),
            }
        case EventKind.ROUTED:
            return explain_routing(data)
        case EventKind.DELIVERY:
            if data.get("status") == "failed":
                return _("Delivery failed: %(reason)s") % {"reason": data.get("reason", "")}
            return _("%(who)s sent a failed message again") % {"who": who}
    return str(EventKind(event.kind).label) if event.kind in EventKind.values else event.kind


def past_conversations(member: Membership, contact: Contact, exclude: int) -> list[Conversation]:
    """The contact's other conversations on every channel that this agent may see."""
    return list(
        visible_conversations(member)
        .filter(contact=contact)
        .exclude(pk=exclude)
        .select_related("inbox")
        .defer(*INBOX_UNUSED)
        .order_by("-last_activity_at", "-id")[:20]
    )


@dataclass(frozen=True, slots=True)
class ConversationPage:
    conversation: Conversation
    items: list[TimelineItem]
    truncated: bool
    agents: list[Membership]
    teams: list[Team]
    labels: list[str]
    all_labels: list[str]
    past: list[Conversation]

    @property
    def first_message_id(self) -> int | None:
        """Splitting from the first message would leave nothing behind."""
        if self.truncated:  # the first message is not among those shown
            return None
        first = next((item.message for item in self.items if item.message is not None), None)
        return first.pk if first is not None else None


def conversation_page(
    member: Membership, conversation: Conversation, *, everything: bool = False
) -> ConversationPage:
    """Everything the conversation page shows, in a constant number of queries."""
    conversation = (
        Conversation.objects.select_related("contact", "inbox", "assignee__user", "team")
        .defer(*INBOX_UNUSED)
        .prefetch_related("contact__identities")
        .get(pk=conversation.pk)
    )
    agent_list = list(agents(member.workspace_id))
    team_list = list(teams(member.workspace_id))
    agent_names = {a.pk: a.name for a in agent_list}
    team_names = {t.pk: t.name for t in team_list}
    shown = timeline_items(conversation, agent_names, team_names, everything=everything)
    return ConversationPage(
        conversation=conversation,
        items=shown.items,
        truncated=shown.truncated,
        agents=agent_list,
        teams=team_list,
        labels=sorted(conversation.labels.values_list("name", flat=True)),
        all_labels=list(
            Label.objects.filter(workspace_id=member.workspace_id)
            .order_by("name")
            .values_list("name", flat=True)
        ),
        past=past_conversations(member, conversation.contact, conversation.pk),
    )


def saved_filters(member: Membership) -> QuerySet[SavedFilter]:
    return member.saved_filters.order_by("name", "id")
