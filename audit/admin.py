from django.contrib import admin

from creditportal.admin_base import ReadOnlyScopedModelAdmin

from .models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyScopedModelAdmin):
    list_display = ["at", "actor", "actor_roles", "actor_department", "action", "target_type", "target_id", "field"]
    list_filter = ["action", "actor_department"]
    list_select_related = ["actor", "actor_department", "target_type"]
    search_fields = ["request_id"]
