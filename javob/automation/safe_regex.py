"""Regular expressions written by admins, made safe to run on customer text.

Python's `re` backtracks, so a pattern like `(a+)+$` can take exponential time on a crafted
message. Without an RE2 engine (a dependency we avoid) the guard is threefold: patterns are
short and must compile; patterns whose quantified group itself contains a quantifier or an
alternation (the shapes that backtrack catastrophically: `(a+)+`, `(a*)*`, `(a|a)+`,
`(\\w+\\s?)*`) and back-references are refused; and the text matched is cut to
MAX_INPUT characters, which bounds the remaining polynomial cases.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.translation import gettext as _

from javob.core.errors import ActionError

MAX_PATTERN = 200
MAX_INPUT = 5_000

# A group that contains a quantifier or "|" and is itself followed by a quantifier.
_NESTED = re.compile(r"\((?:[^()\\]|\\.)*(?:[*+}]|\|)(?:[^()\\]|\\.)*\)\s*(?:[*+]|\{\d*,)")
_BACKREF = re.compile(r"\\[1-9]|\(\?P=")


def check_pattern(pattern: str) -> re.Pattern[str]:
    """Compile `pattern` or raise ActionError saying why it is refused."""
    if not pattern:
        raise ActionError(_("The pattern is empty."), field="conditions")
    if len(pattern) > MAX_PATTERN:
        raise ActionError(
            _("A pattern is at most %(count)d characters.") % {"count": MAX_PATTERN},
            field="conditions",
        )
    if _NESTED.search(pattern) or _BACKREF.search(pattern):
        raise ActionError(
            _(
                "This pattern could take very long on some messages: avoid repeating a group that "
                "itself repeats or has alternatives, and back-references."
            ),
            field="conditions",
        )
    try:
        return compiled(pattern)
    except re.error as exc:
        raise ActionError(
            _("Not a valid pattern: %(error)s") % {"error": exc}, field="conditions"
        ) from exc


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def search(pattern: str, text: str) -> bool:
    """True when `pattern` (already accepted by check_pattern) occurs in `text`."""
    return compiled(pattern).search(text[:MAX_INPUT]) is not None
