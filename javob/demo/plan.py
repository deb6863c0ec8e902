"""What happens in the demo workspace and when: a deterministic plan, no database.

`build_plan(size, now)` returns one `ConversationPlan` per conversation, oldest first, each a
list of steps (a customer message, an assignment, a reply and how far it got, a note, a
status change, ...) at seconds after the conversation's start. Conversations spread over
the last 90 days at the hours customers write; agents answer in their own working hours;
the newest ones are still open, pending or snoozed, the older ones resolved or closed.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from javob.demo import data, texts
from javob.demo.data import AGENTS, AgentSpec

SPAN_DAYS = 89
DAY = 86400.0
# A returning customer writes again only after their last conversation is well past the
# reopen grace period (7 days), so it starts a new conversation as the product would.
RETURN_AFTER = dt.timedelta(days=8)
APOSTROPHE_HABITS = ("'", "‘", "ʻ", "’", "`", "")
ACTIVE_CYCLE = (
    "open", "open", "pending", "snoozed", "open", "pending", "open", "pending", "open", "snoozed",
)  # fmt: skip
FAILING_CHANNELS = frozenset({"telegram", "sms", "email", "x", "webchat"})
CUSTOMER_HOURS = (0, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 8, 8, 8, 8, 8, 9, 9, 8, 6, 4, 2)
AGENTS_BY_EMAIL = {agent.email: agent for agent in AGENTS}


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    locale: str
    kind: str  # the channel (inbox kind) they write on
    identity_kind: str
    identity: str
    phone: str
    email: str
    apostrophe: str = "'"


@dataclass(frozen=True, slots=True)
class Incoming:
    at: float
    text: str
    slot: int = 0  # 0: the conversation's customer; 1: the same person on another channel


@dataclass(frozen=True, slots=True)
class Reply:
    at: float
    agent: str
    text: str
    outcome: str  # sent, delivered, read or failed
    sent_at: float
    delivered_at: float | None = None
    read_at: float | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Note:
    at: float
    agent: str
    text: str


@dataclass(frozen=True, slots=True)
class Assign:
    at: float
    actor: str
    assignee: str | None
    team: str


@dataclass(frozen=True, slots=True)
class Priority:
    at: float
    actor: str
    value: str


@dataclass(frozen=True, slots=True)
class Labels:
    at: float
    actor: str
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Status:
    at: float
    actor: str
    status: str


@dataclass(frozen=True, slots=True)
class Snooze:
    at: float
    actor: str
    days: float


@dataclass(frozen=True, slots=True)
class Merge:
    """Merge the duplicate (slot 1) contact and conversation into the main ones."""

    at: float
    actor: str


Step = Incoming | Reply | Note | Assign | Priority | Labels | Status | Snooze | Merge


@dataclass(slots=True)
class ConversationPlan:
    index: int
    language: str
    topic: str
    status: str
    kind: str
    start: dt.datetime
    steps: list[Step] = field(default_factory=list)
    person: Person | None = None
    duplicate: Person | None = None
    subject: str = ""

    def at(self, seconds: float) -> dt.datetime:
        return self.start + dt.timedelta(seconds=seconds)

    @property
    def end(self) -> dt.datetime:
        return self.at(max(step_times(self.steps)))


def step_times(steps: Sequence[Step]) -> list[float]:
    times = [step.at for step in steps]
    for step in steps:
        if isinstance(step, Reply):
            times += [t for t in (step.sent_at, step.delivered_at, step.read_at) if t is not None]
    return times


def build_plan(size: int, now: dt.datetime, seed: int = 2026) -> list[ConversationPlan]:
    """`size` conversations over the last 90 days before `now`, oldest first."""
    rng = random.Random(seed)  # noqa: S311 - repeatable demo content, not a secret
    starts = sorted(_start_times(rng, size, now))
    statuses = _statuses(rng, size)
    languages = _deck(rng, data.LANGUAGE_WEIGHTS, size)
    people = People(rng)
    plans = []
    failures = 2
    for index, (start, status, language) in enumerate(
        zip(starts, statuses, languages, strict=True)
    ):
        plan = _draft(rng, index, start, status, language)
        fail = failures > 0 and status == "pending" and plan.kind in FAILING_CHANNELS
        failures -= fail
        _script(rng, plan, fail=fail)
        _fit_before(plan, now)
        plan.person = people.person_for(plan)
        if any(isinstance(step, Merge) for step in plan.steps):
            plan.duplicate = people.twin(plan.person, _other_channel(plan))
        _render(rng, plan)
        people.done(plan)
        plans.append(plan)
    plans.sort(key=lambda plan: plan.start)
    return plans


def _start_times(rng: random.Random, size: int, now: dt.datetime) -> list[dt.datetime]:
    """Evenly over SPAN_DAYS days, at the local hours people write (Tashkent time)."""
    zone = ZoneInfo(data.WORKSPACE_TIME_ZONE)
    today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    hours = list(range(24))
    starts = []
    for i in range(size):
        days_back = round(SPAN_DAYS * (1 - i / max(1, size - 1)))
        hour = rng.choices(hours, weights=CUSTOMER_HOURS)[0]
        local = today - dt.timedelta(days=days_back) + dt.timedelta(hours=hour)
        starts.append((local + dt.timedelta(seconds=rng.uniform(0, 3600))).astimezone(dt.UTC))
    return starts


def _statuses(rng: random.Random, size: int) -> list[str]:
    """Oldest first: old conversations are resolved or closed, the newest still active."""
    active = max(len(ACTIVE_CYCLE), round(size * 0.25)) if size >= 12 else size // 2
    newest = [ACTIVE_CYCLE[i % len(ACTIVE_CYCLE)] for i in range(active)]
    older = ["resolved", "closed"] + [
        "resolved" if rng.random() < 0.6 else "closed" for _ in range(size - active - 2)
    ]
    return (older[: size - active] + newest[::-1])[:size]


def _deck(rng: random.Random, weights: Mapping[str, int], size: int) -> list[str]:
    """`size` items in proportion to `weights`, each at least once when size allows."""
    total = sum(weights.values())
    counts = {key: max(1, weight * size // total) for key, weight in weights.items()}
    ranked = sorted(weights, key=lambda key: -weights[key])
    i = 0
    while sum(counts.values()) < size:
        counts[ranked[i % len(ranked)]] += 1
        i += 1
    while sum(counts.values()) > size:
        key = ranked[i % len(ranked)]
        if counts[key] > 1 or (size < len(weights) and counts[key] > 0):
            counts[key] -= 1
        i += 1
    deck = [key for key, count in counts.items() for _ in range(count)]
    rng.shuffle(deck)
    return deck


def _draft(
    rng: random.Random, index: int, start: dt.datetime, status: str, language: str
) -> ConversationPlan:
    topics = [
        topic
        for topic in texts.SCRIPTS[language]
        if not (topic == data.THANKS and status in ("open", "pending", "snoozed"))
    ]
    topic = rng.choices(topics, weights=[data.TOPIC_WEIGHTS[t] for t in topics])[0]
    channels = data.CHANNEL_WEIGHTS[language]
    kind = rng.choices(list(channels), weights=list(channels.values()))[0]
    return ConversationPlan(index, language, topic, status, kind, start)


def _other_channel(plan: ConversationPlan) -> str:
    return "email" if plan.kind != "email" else "telegram"


class Timeline:
    """Seconds since the conversation's start, with agents answering in working hours."""

    def __init__(self, rng: random.Random, start: dt.datetime) -> None:
        self.rng = rng
        self.start = start
        self.t = 0.0

    def wait(self, low: float, high: float) -> float:
        self.t += self.rng.uniform(low, high)
        return self.t

    def agent_wait(self, agent: AgentSpec, low: float, high: float) -> float:
        self.wait(low, high)
        local = (self.start + dt.timedelta(seconds=self.t)).astimezone(ZoneInfo(agent.time_zone))
        if 8 <= local.hour < 20:
            return self.t
        morning = local.replace(hour=8, minute=30, second=0, microsecond=0)
        if local.hour >= 20:
            morning += dt.timedelta(days=1)
        self.t += (morning - local).total_seconds() + self.rng.uniform(0, 3600)
        return self.t


def _working(agent: AgentSpec, when: dt.datetime) -> bool:
    return 8 <= when.astimezone(ZoneInfo(agent.time_zone)).hour < 20


def _assignee(rng: random.Random, plan: ConversationPlan, when: dt.datetime) -> AgentSpec:
    """A member of the topic's team who speaks the customer's language, at work if possible."""
    _team_name, members = data.TEAMS[data.TOPIC_TEAM[plan.topic]]
    speakers = [
        AGENTS_BY_EMAIL[e] for e in members if plan.language in AGENTS_BY_EMAIL[e].languages
    ]
    speakers = speakers or [a for a in AGENTS if plan.language in a.languages]
    at_work = [agent for agent in speakers if _working(agent, when)]
    return rng.choice(at_work or speakers)


def _script(rng: random.Random, plan: ConversationPlan, *, fail: bool) -> None:
    """The steps of one conversation, as templates; `_render` fills them in later."""
    line = Timeline(rng, plan.start)
    script = rng.choice(texts.SCRIPTS[plan.language][plan.topic])
    steps = plan.steps
    for text in script.opening:
        steps.append(Incoming(line.t, text))
        line.wait(15, 90)
    duplicate = (
        plan.language in texts.DUPLICATES
        and plan.status in ("resolved", "closed")
        and plan.topic != data.THANKS
        and rng.random() < 0.03
    )
    if duplicate:
        steps.append(Incoming(line.wait(180, 1200), texts.DUPLICATES[plan.language], slot=1))
    if plan.status == "open" and rng.random() < 0.5:
        _unanswered(rng, plan, line)
        return
    supervisor = AGENTS_BY_EMAIL[rng.choice(data.SUPERVISORS)]
    line.agent_wait(supervisor, 60, 1800)
    agent = _assignee(rng, plan, plan.at(line.t))
    _triage(rng, plan, line, supervisor.email, agent.email, duplicate=duplicate)
    if plan.topic in (data.COMPLAINT, data.REFUND) or rng.random() < 0.35:
        note = texts.NOTES[plan.topic][agent.note_language]
        steps.append(Note(line.wait(30, 600), agent.email, note))
    _reply(rng, plan, line, agent, script.ask, fail=fail)
    _continue(rng, plan, line, agent, script)


def _unanswered(rng: random.Random, plan: ConversationPlan, line: Timeline) -> None:
    if plan.language in texts.NUDGES and rng.random() < 0.6:
        plan.steps.append(Incoming(line.wait(1200, 5400), rng.choice(texts.NUDGES[plan.language])))
    if rng.random() < 0.5:
        team = data.TOPIC_TEAM[plan.topic]
        plan.steps.append(Assign(line.wait(60, 600), rng.choice(data.SUPERVISORS), None, team))


def _triage(
    rng: random.Random,
    plan: ConversationPlan,
    line: Timeline,
    actor: str,
    agent: str,
    *,
    duplicate: bool,
) -> None:
    steps = plan.steps
    steps.append(Assign(line.t, actor, agent, data.TOPIC_TEAM[plan.topic]))
    priority = rng.choice(data.TOPIC_PRIORITIES[plan.topic])
    if priority != "none":
        steps.append(Priority(line.wait(3, 30), actor, priority))
    steps.append(Labels(line.wait(3, 30), actor, ()))  # names come from the rendered text
    if duplicate:
        steps.append(Merge(line.wait(20, 120), actor))


def _reply(
    rng: random.Random,
    plan: ConversationPlan,
    line: Timeline,
    agent: AgentSpec,
    text: str,
    *,
    fail: bool = False,
) -> None:
    at = line.agent_wait(agent, 90, 2400)
    sent = at + rng.uniform(1, 4)
    if fail:
        reason = data.FAILURE_REASONS[plan.kind]
        plan.steps.append(Reply(at, agent.email, text, "failed", sent, reason=reason))
        line.t = sent
        return
    outcome = rng.choice(data.DELIVERY_OUTCOMES[plan.kind])
    delivered = sent + rng.uniform(2, 60) if outcome in ("delivered", "read") else None
    read = delivered + rng.uniform(30, 2400) if outcome == "read" and delivered else None
    plan.steps.append(Reply(at, agent.email, text, outcome, sent, delivered, read))
    line.t = read or delivered or sent


def _continue(
    rng: random.Random,
    plan: ConversationPlan,
    line: Timeline,
    agent: AgentSpec,
    script: texts.Script,
) -> None:
    steps = plan.steps
    if plan.status == "pending":
        steps.append(Status(line.wait(5, 120), agent.email, "pending"))
        return
    if plan.topic != data.THANKS:
        steps.append(Incoming(line.wait(120, 5 * 3600), script.answer))
        if plan.status == "open":
            return
        if plan.status == "snoozed":
            _reply(rng, plan, line, agent, rng.choice(texts.HOLD_REPLIES[plan.language]))
            steps.append(Snooze(line.wait(5, 90), agent.email, rng.uniform(1, 5)))
            return
        _reply(rng, plan, line, agent, script.solve)
        if rng.random() < 0.6:
            thanks = rng.choice(texts.THANKS_REPLIES[plan.language])
            steps.append(Incoming(line.wait(60, 3600), thanks))
    steps.append(Status(line.wait(120, 1800), agent.email, "resolved"))
    if plan.status == "closed":
        steps.append(Status(line.wait(DAY, 3 * DAY), agent.email, "closed"))


def _fit_before(plan: ConversationPlan, now: dt.datetime) -> None:
    """Move a conversation that would end in the future back so it ends a little before now."""
    latest = now - dt.timedelta(minutes=2)
    if plan.end > latest:
        plan.start -= plan.end - latest


class People:
    """The customers: new ones, and returning ones who write again on the same channel."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[tuple[str, str]] = set()
        self.returning: dict[tuple[str, str], list[tuple[dt.datetime, Person]]] = {}
        self.uzbek_latin = 0

    def person_for(self, plan: ConversationPlan) -> Person:
        pool = self.returning.get((plan.language, plan.kind), [])
        ready = [entry for entry in pool if entry[0] <= plan.start]
        if ready and self.rng.random() < 0.25:
            entry = self.rng.choice(ready)
            pool.remove(entry)
            return entry[1]
        return self.new(plan.language, plan.kind)

    def done(self, plan: ConversationPlan) -> None:
        if plan.person is not None and plan.status in ("resolved", "closed"):
            key = (plan.language, plan.kind)
            self.returning.setdefault(key, []).append((plan.end + RETURN_AFTER, plan.person))

    def new(self, language: str, kind: str) -> Person:
        name, slug = self.rng.choice(data.NAMES[language])
        phone = f"{self.rng.choice(data.PHONE_PREFIXES[language])} {self._digits()}"
        email = f"{slug}@{self.rng.choice(data.EMAIL_DOMAINS)}"
        identity_kind, identity = self._identity(kind, slug, phone, email)
        habit = "'"
        if language == data.UZ:
            habit = APOSTROPHE_HABITS[self.uzbek_latin % len(APOSTROPHE_HABITS)]
            self.uzbek_latin += 1
        return Person(name, language, kind, identity_kind, identity, phone, email, habit)

    def twin(self, person: Person, kind: str) -> Person:
        """The same customer, writing on another channel."""
        slug = person.email.split("@")[0]
        identity_kind, identity = self._identity(kind, slug, person.phone, person.email)
        return replace(person, kind=kind, identity_kind=identity_kind, identity=identity)

    def _digits(self) -> str:
        n = f"{self.rng.randrange(10**7):07d}"
        return f"{n[:3]} {n[3:5]} {n[5:]}"

    def _identity(self, kind: str, slug: str, phone: str, email: str) -> tuple[str, str]:
        rng = self.rng
        candidates = {
            "telegram": ("telegram", str(rng.randint(10**8, 7 * 10**9))),
            "whatsapp": ("whatsapp", phone.replace(" ", "")),
            "sms": ("phone", phone.replace(" ", "")),
            "instagram": ("instagram", slug.replace(".", "_") + rng.choice(("", "_uz", "93"))),
            "messenger": ("messenger", str(rng.randint(10**15, 10**16 - 1))),
            "x": ("x", slug.replace(".", "_")[:12]),
            "webchat": ("web", f"{rng.getrandbits(128):032x}"),
            "email": ("email", email),
            "api": ("api", f"app-user-{rng.randint(10**5, 10**6 - 1)}"),
        }
        identity_kind, value = candidates[kind]
        suffix = 1
        unique = value
        while (identity_kind, unique) in self.used:
            suffix += 1
            unique = f"{value}{suffix}" if identity_kind != "email" else f"{suffix}.{value}"
        self.used.add((identity_kind, unique))
        return identity_kind, unique


# Rendering: templates become the texts people actually typed.

_O_G_APOSTROPHE = re.compile(r"(?<=[oOgG])'")
_GENDERED = re.compile(r"\[([^|\]]*)\|([^\]]*)\]")


def gendered(text: str, *, feminine: bool) -> str:
    """Pick the masculine or feminine form of each "[m|f]" in `text`."""
    return _GENDERED.sub(lambda match: match.group(2 if feminine else 1), text)


def customer_text(text: str, habit: str) -> str:
    """Uzbek Latin the way this customer types it: their apostrophe, or none."""
    return text.replace("'", habit) if habit != "'" else text


def official_uzbek(text: str) -> str:
    """Uzbek Latin the way the agents write it: oʻ gʻ (U+02BB) and the tutuq ʼ (U+02BC)."""
    return _O_G_APOSTROPHE.sub("ʻ", text).replace("'", "ʼ")


def _values(rng: random.Random, plan: ConversationPlan, person: Person) -> dict[str, str]:
    city = rng.choice(data.CITIES[plan.language])
    prices = data.TENGE_PRICES if plan.language == data.KK else data.PRICES
    assignees = [step.assignee for step in plan.steps if isinstance(step, Assign)]
    agent = AGENTS_BY_EMAIL[assignees[0]] if assignees and assignees[0] else AGENTS[0]
    return {
        "name": person.name.split()[0],
        "agent": agent.name_in(plan.language),
        "order": str(rng.randint(40_000_000, 59_999_999)),
        "amount": data.money(plan.language, rng.choice(prices)),
        "card": f"{rng.randrange(10**4):04d}",
        "phone": person.phone,
        "email": person.email,
        "city": city,
        "city_in": data.RU_CITY_IN.get(city, city),
    }


def _render(rng: random.Random, plan: ConversationPlan) -> None:
    assert plan.person is not None  # noqa: S101 - set by build_plan before rendering
    values = _values(rng, plan, plan.person)
    habit = plan.person.apostrophe
    feminine = values["name"].endswith(("а", "я", "a"))

    def fill(text: str, *, customer: bool) -> str:
        filled = gendered(text.format(**values), feminine=feminine)
        if plan.language != data.UZ:
            return filled
        return customer_text(filled, habit) if customer else official_uzbek(filled)

    rendered: list[Step] = []
    for step in plan.steps:
        if isinstance(step, Incoming):
            rendered.append(replace(step, text=fill(step.text, customer=True)))
        elif isinstance(step, Reply | Note):
            rendered.append(replace(step, text=fill(step.text, customer=False)))
        else:
            rendered.append(step)
    opening = " ".join(step.text for step in rendered if isinstance(step, Incoming))
    plan.steps = [_label(step, plan, opening) for step in rendered]
    subjects = texts.SUBJECTS.get(plan.language, texts.SUBJECTS[data.EN])
    subject = subjects.get(plan.topic, texts.SUBJECTS[data.EN][plan.topic])
    plan.subject = f"{fill(subject, customer=True)} — {values['order']}"


def _label(step: Step, plan: ConversationPlan, opening: str) -> Step:
    if not isinstance(step, Labels):
        return step
    lowered = opening.lower()
    names = list(data.TOPIC_LABELS[plan.topic])
    names += [
        label for label, words in data.CARD_LABELS.items() if any(w in lowered for w in words)
    ]
    if plan.index % 17 == 5:
        names.append("vip")
    return replace(step, names=tuple(names))
