"""Checks of plain values shared by many actions."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable
from functools import cache

from django.utils.translation import gettext as _

from javob.core.errors import ActionError

_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{4})?(-[A-Z]{2}|-\d{3})?$")


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_time_zone(name: str, field: str = "time_zone") -> str:
    if name not in _zones():
        raise ActionError(_("Unknown time zone: %(zone)s") % {"zone": name}, field=field)
    return name


def check_language_code(code: str, field: str = "language") -> str:
    if code and not _LANGUAGE_TAG.match(code):
        raise ActionError(_("Not a language tag: %(code)s") % {"code": code}, field=field)
    return code


def check_language_codes(codes: Iterable[str], field: str = "languages") -> list[str]:
    return [check_language_code(code, field) for code in codes]
