"""Free text the services take from a person: stripped, and refused when nothing is left."""

from django.core.exceptions import ValidationError


def text_required(value: str | None, *, field: str, message, code: str = "required") -> str:
    """Return ``value`` stripped of surrounding blanks, or raise a ``ValidationError`` keyed by ``field``.

    Each caller passes its own translated ``message`` and ``code``, so a form shows the error at its field.
    """
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: ValidationError(message, code=code)})
    return text
