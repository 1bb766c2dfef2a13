from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditportalConfig(AppConfig):
    name = "creditportal"
    verbose_name = _("Credit portal")
