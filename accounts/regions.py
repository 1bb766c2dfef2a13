"""Provincial-level administrative divisions (GB/T 2260): the first two digits of a region code.

Static, so region filters never need a DISTINCT over a large table (DESIGN §10).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

PROVINCES = [
    ("11", _("Beijing")),
    ("12", _("Tianjin")),
    ("13", _("Hebei")),
    ("14", _("Shanxi")),
    ("15", _("Inner Mongolia")),
    ("21", _("Liaoning")),
    ("22", _("Jilin")),
    ("23", _("Heilongjiang")),
    ("31", _("Shanghai")),
    ("32", _("Jiangsu")),
    ("33", _("Zhejiang")),
    ("34", _("Anhui")),
    ("35", _("Fujian")),
    ("36", _("Jiangxi")),
    ("37", _("Shandong")),
    ("41", _("Henan")),
    ("42", _("Hubei")),
    ("43", _("Hunan")),
    ("44", _("Guangdong")),
    ("45", _("Guangxi")),
    ("46", _("Hainan")),
    ("50", _("Chongqing")),
    ("51", _("Sichuan")),
    ("52", _("Guizhou")),
    ("53", _("Yunnan")),
    ("54", _("Tibet")),
    ("61", _("Shaanxi")),
    ("62", _("Gansu")),
    ("63", _("Qinghai")),
    ("64", _("Ningxia")),
    ("65", _("Xinjiang")),
    ("71", _("Taiwan")),
    ("81", _("Hong Kong")),
    ("82", _("Macao")),
]


class ProvinceListFilter(admin.SimpleListFilter):
    """Filter by province from a static list, on the ``region_code`` field (no DISTINCT query)."""

    title = _("province")
    parameter_name = "province"
    field_path = "region_code"

    def lookups(self, request, model_admin):
        return PROVINCES

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.field_path}__startswith": self.value()})
        return queryset
