import logging

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from accounts import throttle
from cases.services.filings import MAX_ATTACHMENTS, STATEMENT_MAX_LENGTH
from creditportal.uploads import TooManyFiles
from entities.models import Representative

logger = logging.getLogger(__name__)


class PortalAuthenticationForm(AuthenticationForm):
    """Representatives only: staff sign in to the workspace, never here.

    Staff credentials get the same answer as wrong ones (issue 24): the portal must not confirm that a
    staff password is right. The page itself says where staff sign in.
    """

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_staff:
            raise self.get_invalid_login_error()


class PortalPasswordResetForm(PasswordResetForm):
    """Resets are sent to portal accounts only; staff reset through an administrator.

    Mails are rate-limited per address and per source (issue 24): beyond ``PASSWORD_RESET_MAX_PER_ADDRESS``
    or ``PASSWORD_RESET_MAX_PER_SOURCE`` requests in ``PASSWORD_RESET_WINDOW_SECONDS``, nothing is sent. The
    page answers the same either way, as it does whether or not the address has an account.
    """

    def get_users(self, email):
        return (user for user in super().get_users(email) if not user.is_staff)

    def save(self, *, request=None, **kwargs):
        address = self.cleaned_data["email"].strip().casefold()
        window = settings.PASSWORD_RESET_WINDOW_SECONDS
        # Both are counted on every request, so neither limit can be walked around by the other.
        per_address = throttle.within_limit(
            "reset-address", address, limit=settings.PASSWORD_RESET_MAX_PER_ADDRESS, window=window
        )
        source = throttle.client_address(request)
        per_source = throttle.within_limit(
            "reset-source", source, limit=settings.PASSWORD_RESET_MAX_PER_SOURCE, window=window
        )
        if not (per_address and per_source):
            logger.warning("password reset mail withheld: rate limit (%s)", "address" if not per_address else "source")
            return
        super().save(request=request, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files; each is checked by the filing service (``cases.evidence.inspect_upload``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        if any(isinstance(item, TooManyFiles) for item in items):
            # The request sent more files than DATA_UPLOAD_MAX_NUMBER_FILES (creditportal.uploads): the rule the
            # filing service applies to fewer files is the one to state.
            raise forms.ValidationError(
                _("Attach at most %(n)d files."), code="too_many_files", params={"n": MAX_ATTACHMENTS}
            )
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


_FILES_HELP = _("PDF, images, plain text or Office documents; checked before they are stored.")


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("What is wrong in the record, and why"), widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("For example an error or omission, a record kept after its period, or one without a legal basis."),
    )  # fmt: skip
    files = MultipleFileField(label=_("Supporting documents"), required=False, help_text=_FILES_HELP)


class SupplementForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("The requested documents"), help_text=_FILES_HELP)


class PublicStatementForm(forms.Form):
    text = forms.CharField(
        label=_("Your statement"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown with the published entry, up to 500 characters. Leave empty to remove it."),
    )  # fmt: skip


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Your statement or objection"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=STATEMENT_MAX_LENGTH,
    )
    files = MultipleFileField(label=_("Evidence (optional)"), required=False, help_text=_FILES_HELP)


class InviteForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    relationship = forms.ChoiceField(label=_("Relationship"), choices=Representative.Relationship.choices)


class AppealForm(forms.Form):
    text = forms.CharField(label=_("Grounds of your appeal"), widget=forms.Textarea(attrs={"rows": 10}))
    files = MultipleFileField(
        label=_("Supporting documents"), required=False,
        help_text=_FILES_HELP,
    )  # fmt: skip


class RepairForm(forms.Form):
    commitment = forms.CharField(
        label=_("Your signed commitment"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("State that you have corrected the conduct and fulfilled your obligations, and will comply."),
    )  # fmt: skip
    files = MultipleFileField(
        label=_("Proof that the obligations are fulfilled"), required=False,
        help_text=_FILES_HELP,
    )  # fmt: skip
