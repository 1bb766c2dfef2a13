from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.history import tracked_history

from .usernames import validate_unambiguous_username

region_code_validator = RegexValidator(
    r"^[1-9]\d{5}$", _("An administrative division code has six digits and does not start with 0.")
)


class Department(models.Model):
    """A government unit with jurisdiction; staff belong to one."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.CharField(
        _("code"),
        max_length=16,
        unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9]{1,15}$", _("Use 2 to 16 capital letters or digits, e.g. TAX."))],
        help_text=_("Short capital-letter code used in case numbers, e.g. TAX."),
    )
    region_code = models.CharField(
        _("region code"),
        max_length=6,
        validators=[region_code_validator],
        help_text=_("Six-digit administrative division code (GB/T 2260) of the department's jurisdiction."),
    )
    history = tracked_history()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person who signs in: staff (who belong to one department) or an entity representative."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
        help_text=_("Language of notices and e-mails sent to this person."),
    )
    # Passwords and login timestamps are not history: one is secret, the other changes on every sign-in.
    # Role membership (groups) is, so every grant and revocation of a role is on record.
    history = tracked_history(excluded_fields=["password", "last_login"], m2m_fields=["groups"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_staff=True) | models.Q(department__isnull=True),
                name="user_department_only_for_staff",
                violation_error_message=_("Only staff belong to a department."),
            )
        ]

    def clean(self):
        super().clean()  # normalises the user name (NFKC): full-width letters become ASCII ones
        try:
            validate_unambiguous_username(self.username)
        except ValidationError as error:
            raise ValidationError({"username": error}) from None


class DepartmentGroup(models.Model):
    """The group of one role inside one department (e.g. "TAX Caseworker").

    Case object permissions are granted to these groups, so department scope is guardian's group
    permissions; membership follows each staff member's roles and department (accounts.services).
    """

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(_("role"), max_length=50)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="department_role")
    history = tracked_history()

    class Meta:
        verbose_name = _("department group")
        verbose_name_plural = _("department groups")
        constraints = [models.UniqueConstraint(fields=["department", "role"], name="one_group_per_department_role")]

    def __str__(self):
        return self.group.name
