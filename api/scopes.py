"""What a client may call (scopes) and why it may ask (purposes): the two enumerations every call is checked against."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    # The public register's allow-list: active sanctions, screening against the register.
    REGISTER_READ = "register:read", _("read the public register")
    # An entity's current status by credit code or identity number.
    STATUS_QUERY = "status:query", _("query an entity's status")
    # Summaries of the cases the client's department may see (the "shared with authorised departments" class).
    CASES_READ = "cases:read", _("read case summaries of the department")


class Purpose(models.TextChoices):
    """Why a department system reads (PIPL art. 6: a specified, reasonable purpose), sent with every call."""

    CREDIT_SUPERVISION = "credit_supervision", _("credit supervision")
    ADMINISTRATIVE_LICENSING = "administrative_licensing", _("administrative licensing")
    PUBLIC_PROCUREMENT = "public_procurement", _("public procurement and bidding")
    FUNDS_AND_SUBSIDIES = "funds_and_subsidies", _("government funds and subsidies")
    QUALIFICATION_REVIEW = "qualification_review", _("qualification and appointment review")
    JOINT_PUNISHMENT = "joint_punishment", _("joint disciplinary measures")
    LAW_ENFORCEMENT = "law_enforcement", _("administrative law enforcement")


PURPOSE_HEADER = "X-Purpose"
