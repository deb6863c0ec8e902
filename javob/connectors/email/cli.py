"""`javob email parse FILE`: one mail file in, the normalised message out as one JSON object.

The `email` management command (javob/connectors/email/management/commands/email.py) hands
its `parse` subcommand to `parse_command`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from django.utils.translation import gettext as _

from javob.connectors.email.parse import parse_mail, to_json


def parse_command(path: str | Path, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print the parsed mail at `path` as JSON; 1 only when the file cannot be read.

    A file that is too large or is not a mail still prints one JSON object, with an
    "error" key, and exits 0: the file was read, and that is the parser's answer.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        err.write(_("Cannot read %(path)s: %(error)s\n") % {"path": path, "error": error})
        return 1
    try:
        result: dict[str, object] = to_json(parse_mail(raw))
    except ValueError as error:  # MailTooLarge is a ValueError too
        result = {"error": str(error), "size": len(raw)}
    out.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0
