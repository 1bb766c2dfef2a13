"""What every form of the project shares: how a service's refusal reaches the person who filled the form."""

from django.core.exceptions import ValidationError


def form_add_service_errors(form, error: ValidationError, *, refusal: bool = False) -> str | None:
    """Put a service's ``ValidationError`` on ``form``: each field's errors at that field, or above the form when
    the form has no such field (the guards' messages name what is missing, so they read well on their own).

    An error of no field goes above the form too; with ``refusal``, it is returned instead, as the one message a
    page shows in place of the form (a window closed, a case not eligible).
    """
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    if refusal:
        return error.messages[0]
    form.add_error(None, error)
    return None
