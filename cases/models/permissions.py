"""Object permissions on cases, in guardian's direct foreign-key tables (DESIGN §6).

Direct FKs (never guardian's generic tables) so the policy's ``EXISTS`` uses the primary-key index.
Grants and revocations go through ``cases.services.access`` only, and each leaves a history row.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from audit.history import tracked_history


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE)
    history = tracked_history()

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("case access of a person")
        verbose_name_plural = _("case access of persons")
        indexes = [models.Index(fields=["content_object", "permission"], name="caseuserperm_case_idx")]

    def __str__(self):
        return f"{self.user} · {self.permission.codename} · {self.content_object}"


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE)
    history = tracked_history()

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("case access of a group")
        verbose_name_plural = _("case access of groups")
        indexes = [models.Index(fields=["content_object", "permission"], name="casegroupperm_case_idx")]

    def __str__(self):
        return f"{self.group} · {self.permission.codename} · {self.content_object}"
