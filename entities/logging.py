"""A logging filter that keeps resident identity numbers out of every log line (DESIGN §4, issue 9).

Configured on the root handler in ``settings.LOGGING``, so it applies to every logger that propagates
there: our own, Django's request and runserver lines (which carry URLs), and third-party libraries
(django-axes logs the username typed at sign-in, which may be an identity number typed by mistake).

It masks anything *shaped* like an identity number (17 digits and a final digit or X), whether or not
its check digit is right: a mistyped number is still someone's personal data.
"""

import logging
import re

from .identifiers import mask_id_number

# Full-width digits count: Chinese input methods produce them, and the validators fold them (NFKC).
# Only digits bound a match: "ID110105..." and "?q=110105..." are masked; a longer run of digits is not one.
_DIGIT = r"0-9\uff10-\uff19"  # ASCII and full-width digits
_ID_NUMBER = re.compile(rf"(?<![{_DIGIT}])[{_DIGIT}]{{17}}[{_DIGIT}Xx\uff38\uff58](?![{_DIGIT}])")


def mask_identity_numbers(text: str) -> str:
    """``text`` with every identity-number-shaped run masked as first 4 + ``*`` + last 4."""
    if not text:
        return text
    return _ID_NUMBER.sub(lambda match: mask_id_number(match.group()), text)


class MaskIdentityNumbersFilter(logging.Filter):
    """Rewrites the record's message, exception text and stack in place; never drops a record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record; logging reports it
            return True
        masked = mask_identity_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_identity_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_identity_numbers(record.stack_info)
        return True
