"""A logging filter that masks personal data (cards, phones, emails, passports) in log lines.

Installed on the console handler in settings.LOGGING: whatever a log call interpolates
(a customer's text in an error, a provider's response body) is masked before it is written.
"""

from __future__ import annotations

import logging

from javob.intelligence import pii


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        masked = pii.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = pii.mask(logging.Formatter().formatException(record.exc_info))
        return True
