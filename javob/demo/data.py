"""Who works in the demo workspace, where its customers live and which channels they use.

The company is an online shop in Tashkent that delivers across Uzbekistan (and, from an
office in Almaty, Kazakhstan). Customers write mostly on Telegram, in Uzbek (Latin and
Cyrillic) and Russian; expats and buyers abroad write in English, German, Turkish, Arabic.
Every name, address, phone number and card here is invented; e-mail addresses use the
example.* domains reserved for documentation, so nothing here can reach a real person.
"""

from __future__ import annotations

from dataclasses import dataclass

WORKSPACE_NAME = "Javob Demo"
WORKSPACE_TIME_ZONE = "Asia/Tashkent"
WORKSPACE_LOCALE = "uz"
OWNER_EMAIL = "owner@demo.javob.uz"
# `.invalid` never resolves (RFC 2606): the demo API inbox can never call anyone.
API_WEBHOOK_URL = "https://hooks.demo.invalid/javob"

UZ, UZ_CYRL, RU, EN = "uz", "uz-Cyrl", "ru", "en"
KK, TR, TG, AR, DE = "kk", "tr", "tg", "ar", "de"
LANGUAGES = (UZ, UZ_CYRL, RU, EN, KK, TR, TG, AR, DE)
CYRILLIC = frozenset({UZ_CYRL, RU, KK, TG})

ORDER, DELAY, REFUND, PAYMENT = "order_status", "delivery_delay", "refund", "payment"
LOGIN, COMPLAINT, THANKS = "login", "complaint", "thanks"


@dataclass(frozen=True, slots=True)
class AgentSpec:
    email: str
    name: str
    role: str
    languages: tuple[str, ...]
    time_zone: str
    availability: str
    # How the agent signs in Cyrillic and Arabic script chats.
    cyrillic: str
    arabic: str = ""
    note_language: str = EN

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    def name_in(self, language: str) -> str:
        if language in CYRILLIC:
            return self.cyrillic
        if language == AR and self.arabic:
            return self.arabic
        return self.first_name


OWNER = AgentSpec(
    OWNER_EMAIL, "Nodir Rahimov", "owner", (UZ, RU, EN), "Asia/Tashkent", "online", "Нодир",
    note_language=UZ,
)  # fmt: skip
AGENTS = (
    AgentSpec(
        "dilnoza@demo.javob.uz", "Dilnoza Karimova", "admin", (UZ, UZ_CYRL, RU, EN),
        "Asia/Tashkent", "online", "Дилноза", note_language=UZ,
    ),
    AgentSpec(
        "jasur@demo.javob.uz", "Jasur Toshmatov", "agent", (UZ, UZ_CYRL, RU, TG),
        "Asia/Tashkent", "online", "Жасур", note_language=UZ,
    ),
    AgentSpec(
        "aigerim@demo.javob.uz", "Aigerim Saparova", "agent", (KK, RU, EN),
        "Asia/Almaty", "busy", "Айгерим", note_language=RU,
    ),
    AgentSpec(
        "elena@demo.javob.uz", "Elena Smirnova", "supervisor", (RU, EN, UZ),
        "Europe/Moscow", "away", "Елена", note_language=RU,
    ),
    AgentSpec(
        "lukas@demo.javob.uz", "Lukas Becker", "agent", (DE, EN, TR, RU),
        "Europe/Berlin", "offline", "Лукас", note_language=EN,
    ),
    AgentSpec(
        "sarah@demo.javob.uz", "Sarah Haddad", "agent", (EN, AR),
        "America/New_York", "offline", "Сара", arabic="سارة", note_language=EN,
    ),
)  # fmt: skip
SUPERVISORS = ("elena@demo.javob.uz", "dilnoza@demo.javob.uz")

# Team key -> (name, member emails). Topics are routed to teams in TOPIC_TEAM.
TEAMS = {
    "orders": (
        "Buyurtmalar va yetkazish",
        ("dilnoza@demo.javob.uz", "jasur@demo.javob.uz", "aigerim@demo.javob.uz",
         "sarah@demo.javob.uz"),
    ),
    "payments": (
        "To‘lovlar",
        ("dilnoza@demo.javob.uz", "elena@demo.javob.uz", "lukas@demo.javob.uz"),
    ),
    "tech": (
        "Texnik yordam",
        ("jasur@demo.javob.uz", "aigerim@demo.javob.uz", "lukas@demo.javob.uz",
         "sarah@demo.javob.uz"),
    ),
}  # fmt: skip
TOPIC_TEAM = {
    ORDER: "orders",
    DELAY: "orders",
    COMPLAINT: "orders",
    THANKS: "orders",
    REFUND: "payments",
    PAYMENT: "payments",
    LOGIN: "tech",
}


@dataclass(frozen=True, slots=True)
class InboxSpec:
    kind: str
    name: str
    settings: dict[str, str]
    languages: tuple[str, ...]


# Meta inboxes need credentials; the demo's never reach Meta (its replies are recorded as sent).
DEMO_META = {"access_token": "demo-token", "app_secret": "demo-app-secret"}
# OAuth 1.0a credentials, so the X inbox may answer (see javob/connectors/x/capabilities.py).
DEMO_X = {
    "consumer_key": "demo-key",
    "consumer_secret": "demo-consumer-secret",
    "access_token": "demo-token",
    "access_token_secret": "demo-token-secret",
}
INBOXES = (
    InboxSpec("email", "Support e-mail", {"address": "support@demo.javob.uz"}, (EN, RU, UZ, DE)),
    InboxSpec(
        "webchat",
        "Saytdagi chat",
        {
            "allowed_origins": "http://127.0.0.1:8000 http://localhost:8000 https://demo.javob.uz",
            "public_id": "javob-demo-chat",  # stored without set-up (connect=False)
        },
        (UZ, RU, EN),
    ),
    InboxSpec("telegram", "Telegram @javob_demo_bot", {"bot_username": "javob_demo_bot"},
              (UZ, UZ_CYRL, RU, KK, TG)),
    InboxSpec("whatsapp", "WhatsApp +998 71 200 00 00", {"phone": "+998712000000", **DEMO_META,
              "phone_number_id": "100000000000001"}, (UZ, RU, EN, AR, TR, KK)),
    InboxSpec("instagram", "Instagram @javob.demo", {"username": "javob.demo", **DEMO_META},
              (UZ, RU, TR)),
    InboxSpec("messenger", "Facebook Messenger", {"page": "Javob Demo", **DEMO_META},
              (EN, RU, UZ)),
    InboxSpec("x", "X @javobdemo", {"username": "javobdemo", **DEMO_X}, (EN,)),
    InboxSpec("sms", "SMS 1240", {"short_code": "1240"}, (UZ, UZ_CYRL, RU)),
    InboxSpec("api", "Mobil ilova (API)", {"webhook_url": API_WEBHOOK_URL}, (UZ, RU, EN)),
)  # fmt: skip

# Relative weights: which languages customers write in, and on which channel.
LANGUAGE_WEIGHTS = {UZ: 33, RU: 24, EN: 14, UZ_CYRL: 12, KK: 4, DE: 4, TR: 3, TG: 3, AR: 3}
CHANNEL_WEIGHTS = {
    UZ: {"telegram": 50, "instagram": 14, "webchat": 10, "api": 10, "whatsapp": 6, "sms": 5,
         "messenger": 3, "email": 2},
    UZ_CYRL: {"telegram": 60, "sms": 15, "whatsapp": 10, "email": 10, "webchat": 5},
    RU: {"telegram": 40, "whatsapp": 15, "email": 15, "webchat": 10, "instagram": 10,
         "api": 5, "messenger": 5},
    EN: {"email": 35, "webchat": 20, "x": 15, "messenger": 10, "whatsapp": 10, "api": 10},
    KK: {"telegram": 50, "whatsapp": 50},
    TR: {"instagram": 50, "whatsapp": 50},
    TG: {"telegram": 100},
    AR: {"whatsapp": 100},
    DE: {"email": 100},
}  # fmt: skip
TOPIC_WEIGHTS = {
    ORDER: 22, DELAY: 18, PAYMENT: 16, REFUND: 14, LOGIN: 14, COMPLAINT: 9, THANKS: 7,
}  # fmt: skip

# Customers: (name as they typed it, a Latin slug for handles and e-mail addresses).
NAMES = {
    UZ: (
        ("Dilshod Rashidov", "dilshod.rashidov"), ("Malika Yusupova", "malika.yusupova"),
        ("Bekzod Aliyev", "bekzod.aliyev"), ("Nodira Ergasheva", "nodira.ergasheva"),
        ("Sardor Qodirov", "sardor.qodirov"), ("Gulnora Mirzayeva", "gulnora.m"),
        ("Jamshid Xolmatov", "jamshid.xolmatov"), ("Shahnoza", "shahnoza_93"),
        ("Otabek Nurmatov", "otabek.nurmatov"), ("Zarina Saidova", "zarina.saidova"),
        ("Akmal", "akmal_tursunov"), ("Madina Hasanova", "madina.hasanova"),
        ("Rustam Ismoilov", "rustam.ismoilov"), ("Feruza 🌸", "feruza.karimova"),
        ("Sherzod Umarov", "sherzod.umarov"), ("Kamola Rahimova", "kamola.rahimova"),
        ("Ulugbek Salimov", "ulugbek.salimov"), ("Dildora Yoldosheva", "dildora.y"),
        ("Aziz Jo'rayev", "aziz.jorayev"), ("Munisa Olimova", "munisa.olimova"),
    ),
    UZ_CYRL: (
        ("Абдулла Назаров", "abdulla.nazarov"), ("Гулчеҳра Тошпўлатова", "gulchehra.t"),
        ("Баҳодир Мирзаев", "bahodir.mirzayev"), ("Мавлуда Ҳакимова", "mavluda.hakimova"),
        ("Эркин Йўлдошев", "erkin.yoldoshev"), ("Саодат Қосимова", "saodat.qosimova"),
        ("Тўлқин Раҳмонов", "tolqin.rahmonov"), ("Муҳаббат Юнусова", "muhabbat.yunusova"),
        ("Ҳасан Умаров", "hasan.umarov"), ("Зулфия Шарипова", "zulfiya.sharipova"),
    ),
    RU: (
        ("Алексей Ким", "alexey.kim"), ("Ольга Пак", "olga.pak"), ("Дмитрий Цой", "dmitry.tsoy"),
        ("Наталья Ли", "natalya.li"), ("Сергей Иванов", "sergey.ivanov"),
        ("Ирина Ахмедова", "irina.akhmedova"), ("Артём Волков", "artem.volkov"),
        ("Екатерина Назарова", "ekaterina.n"), ("Тимур Рахимов", "timur.rakhimov"),
        ("Анна Шевченко", "anna.shevchenko"), ("Максим", "maxim_grig"),
        ("Елена Усманова", "elena.usmanova"), ("Руслан Хамидов", "ruslan.khamidov"),
        ("Виктория Морозова", "vika.morozova"),
    ),
    EN: (
        ("James Carter", "james.carter"), ("Emily Clarke", "emily.clarke"),
        ("Daniel Harris", "dan.harris"), ("Sophie Turner", "sophie.turner"),
        ("Michael Brooks", "mike.brooks"), ("Olivia Bennett", "olivia.bennett"),
        ("Ryan Cooper", "ryan.cooper"), ("Hannah Lewis", "hannah.lewis"),
        ("Aziz Karimov", "aziz.karimov"), ("Priya Sharma", "priya.sharma"),
    ),
    KK: (
        ("Айгүл Сәрсенова", "aigul.sarsenova"), ("Нұрлан Жақыпов", "nurlan.zhakypov"),
        ("Дана Оспанова", "dana.ospanova"), ("Ерлан Төлеуов", "yerlan.tleuov"),
    ),
    TR: (
        ("Mehmet Yılmaz", "mehmet.yilmaz"), ("Ayşe Demir", "ayse.demir"),
        ("Emre Kaya", "emre.kaya"), ("Zeynep Çelik", "zeynep.celik"),
    ),
    TG: (
        ("Фарҳод Назаров", "farhod.nazarov"), ("Нигина Раҳимова", "nigina.rahimova"),
        ("Шаҳзод Саидов", "shahzod.saidov"),
    ),
    AR: (
        ("أحمد الحربي", "ahmed.alharbi"), ("فاطمة الزهراء", "fatima.zahra"),
        ("عمر خالد", "omar.khaled"),
    ),
    DE: (
        ("Jonas Weber", "jonas.weber"), ("Anna Schneider", "anna.schneider"),
        ("Felix Hoffmann", "felix.hoffmann"), ("Viktor Schmidt", "viktor.schmidt"),
    ),
}  # fmt: skip

# Cities: the nominative, and for Russian the "в ..." form the sentences need.
CITIES = {
    UZ: ("Toshkent", "Samarqand", "Buxoro", "Namangan", "Andijon", "Farg'ona", "Nukus", "Qarshi"),
    UZ_CYRL: ("Тошкент", "Самарқанд", "Бухоро", "Наманган", "Андижон", "Фарғона", "Қарши"),
    RU: ("Ташкент", "Самарканд", "Бухара", "Наманган", "Андижан", "Фергана", "Нукус"),
    EN: ("Tashkent", "Samarkand", "Bukhara", "Namangan", "Fergana"),
    KK: ("Алматы", "Астана", "Шымкент"),
    TR: ("Taşkent", "Semerkant", "Buhara"),
    TG: ("Самарқанд", "Бухоро", "Тошкент"),
    AR: ("طشقند", "سمرقند", "بخارى"),
    DE: ("Taschkent", "Samarkand", "Buchara"),
}
RU_CITY_IN = {
    "Ташкент": "в Ташкенте",
    "Самарканд": "в Самарканде",
    "Бухара": "в Бухаре",
    "Наманган": "в Намангане",
    "Андижан": "в Андижане",
    "Фергана": "в Фергане",
    "Нукус": "в Нукусе",
}

PRICES = (89_000, 149_000, 239_000, 349_000, 529_000, 1_249_000, 2_890_000, 4_590_000)
TENGE_PRICES = (12_500, 24_900, 48_000, 129_000)


def money(language: str, amount: int) -> str:
    """A price the way a customer of that language writes it."""
    spaced = f"{amount:,}".replace(",", " ")
    dotted = f"{amount:,}".replace(",", ".")
    return {
        UZ: f"{spaced} so'm",
        UZ_CYRL: f"{spaced} сўм",
        RU: f"{spaced} сум",
        EN: f"UZS {amount:,}",
        KK: f"{spaced} теңге",
        TR: f"{dotted} som",
        TG: f"{spaced} сӯм",
        AR: f"{amount:,} سوم",
        DE: f"{dotted} UZS",
    }[language]


# Country calling codes customers of each language mostly have, and typical prefixes.
PHONE_PREFIXES = {
    UZ: ("+998 90", "+998 91", "+998 93", "+998 94", "+998 97", "+998 99", "+998 88", "+998 33"),
    UZ_CYRL: ("+998 90", "+998 91", "+998 93", "+998 99"),
    RU: ("+998 90", "+998 97", "+998 99", "+7 916", "+7 925"),
    EN: ("+998 90", "+44 7700", "+1 202"),
    KK: ("+7 701", "+7 705", "+7 777"),
    TR: ("+90 532", "+90 541"),
    TG: ("+992 93", "+992 98", "+998 91"),
    AR: ("+971 50", "+966 55"),
    DE: ("+49 151", "+49 176"),
}
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

TOPIC_LABELS = {
    ORDER: ("delivery",),
    DELAY: ("delivery", "delay"),
    REFUND: ("refund",),
    PAYMENT: ("payment",),
    LOGIN: ("app", "login"),
    COMPLAINT: ("complaint",),
    THANKS: ("feedback",),
}
# A label is added when the customer's first message names the card.
CARD_LABELS = {
    "uzcard": ("uzcard", "узкард"),
    "humo": ("humo", "хумо"),
    "visa": ("visa", "виза", "فيزا"),
}
TOPIC_PRIORITIES = {
    ORDER: ("none", "low", "low"),
    DELAY: ("medium", "medium", "high"),
    REFUND: ("medium", "high"),
    PAYMENT: ("high", "medium", "urgent"),
    LOGIN: ("medium", "low"),
    COMPLAINT: ("high", "urgent"),
    THANKS: ("none",),
}

# How far a reply gets on each channel: Telegram bots and e-mail never learn more than
# "sent"; WhatsApp, Messenger and Instagram report reads; SMS gateways report delivery.
DELIVERY_OUTCOMES = {
    "telegram": ("sent",),
    "email": ("sent", "sent", "delivered"),
    "whatsapp": ("read", "read", "delivered"),
    "instagram": ("read",),
    "messenger": ("read",),
    "webchat": ("read",),
    "x": ("read", "sent"),
    "sms": ("delivered",),
    "api": ("delivered", "read"),
}
# What a provider says when a reply cannot be delivered.
FAILURE_REASONS = {
    "telegram": "Forbidden: bot was blocked by the user",
    "whatsapp": "(#131047) Re-engagement message: more than 24 hours have passed since the "
    "customer last replied to this number.",
    "instagram": "(#10) This message is sent outside of allowed window.",
    "messenger": "(#10) This message is sent outside of allowed window.",
    "sms": "DLR UNDELIV: the subscriber is unreachable.",
    "email": "550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table",
    "webchat": "The visitor closed the chat before the reply could be delivered.",
    "x": "You cannot send messages to this user (code 349).",
    "api": "HTTP 410: the customer account was deleted in the external system.",
}
