from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _


class ConflictError(ValidationError):
    """The case changed since the page was loaded: nothing was applied (DESIGN §5)."""

    def __init__(self):
        super().__init__(
            _("This case was changed by someone else while you were looking at it. Reload the page and try again."),
            code="conflict",
        )


class FourEyesError(PermissionDenied):
    """The four-eyes rule: who submitted a case never reviews or decides it."""

    def __init__(self):
        super().__init__(_("You submitted this case, so another supervisor must review and decide it."))
