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


class AuthorshipError(FourEyesError):
    """Four-eyes on authorship: who wrote or changed a case's content never reviews or decides it (issue 20)."""

    def __init__(self):
        PermissionDenied.__init__(
            self,
            _(
                "You wrote or changed the content of this case (draft, measures, legal document or evidence), "
                "so another supervisor must review and decide it."
            ),
        )
