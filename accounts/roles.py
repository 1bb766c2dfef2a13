"""The roles of DESIGN §1 as Django groups, with their model-level permissions.

Data migrations call :func:`sync_roles` with the historical app registry, and every ``migrate`` ends
by calling it again (``post_migrate``, see ``accounts.apps``), so a change here reaches every database
on its next deployment. Object-level scope (which cases) is not here: it lives in
``accounts.permissions`` and guardian's object permissions.
"""

from django.utils.translation import gettext_noop

CASEWORKER = "Caseworker"
SUPERVISOR = "Supervisor"
APPEALS_REVIEWER = "Appeals reviewer"
AUDITOR = "Auditor"
ADMINISTRATOR = "Administrator"
ENTITY_REPRESENTATIVE = "Entity representative"

# Marked for translation so the admin can show the group names in the user's language.
ROLE_LABELS = {
    CASEWORKER: gettext_noop("Caseworker"),
    SUPERVISOR: gettext_noop("Supervisor"),
    APPEALS_REVIEWER: gettext_noop("Appeals reviewer"),
    AUDITOR: gettext_noop("Auditor"),
    ADMINISTRATOR: gettext_noop("Administrator"),
    ENTITY_REPRESENTATIVE: gettext_noop("Entity representative"),
}

STAFF_ROLES = (CASEWORKER, SUPERVISOR, APPEALS_REVIEWER, AUDITOR, ADMINISTRATOR)
# Roles whose members work inside one department's jurisdiction.
DEPARTMENT_ROLES = (CASEWORKER, SUPERVISOR)


def _view(*labels):
    return {f"{label.split('.')[0]}.view_{label.split('.')[1]}" for label in labels}


_REGISTRY_READ = _view("entities.entity", "entities.entityrelation", "entities.representative", "accounts.department")
_CATALOGUE_READ = _view(
    "cases.catalogueitem", "cases.measuretype", "cases.ruleperiod", "cases.calendarday", "cases.legalsource",
    "cases.proportionalityrule",
)  # fmt: skip
_CATALOGUE_EDIT = {
    f"cases.{action}_{model}"
    for action in ("add", "change")
    for model in ("catalogueitem", "measuretype", "ruleperiod", "calendarday", "legalsource", "proportionalityrule")
}
# Everything that hangs off a case, read-only: the case page shows it to whoever may see the case.
_CASE_READ = _view(
    "cases.case", "cases.legaldocument", "cases.evidence", "cases.sanction", "cases.decision", "cases.notice",
    "cases.statement", "cases.publication", "cases.filing", "cases.filingattachment", "cases.statementattachment",
)  # fmt: skip
# Every member of staff reads their own notifications; overseers read everyone's and the e-mail deliveries.
_NOTIFICATIONS = _view("cases.notification")
_CASE_WRITE = {
    # Bulk import of entities and draft cases (imports/): the import itself; each row needs its own permission.
    "imports.add_importjob",
    "imports.view_importjob",
    "cases.add_case",
    "cases.change_case",
    "cases.add_legaldocument",
    "cases.change_legaldocument",
    "cases.add_evidence",
    "cases.add_sanction",
    "cases.change_sanction",
    "cases.delete_sanction",
    "cases.add_statement",
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    CASEWORKER: _REGISTRY_READ
    | _NOTIFICATIONS
    | _CATALOGUE_READ
    | _CASE_READ
    | _CASE_WRITE
    | {"cases.submit_case"}
    | {
        "entities.add_entity",
        "entities.change_entity",
        "entities.add_entityrelation",
        "entities.change_entityrelation",
    },
    SUPERVISOR: _REGISTRY_READ
    | _NOTIFICATIONS
    | _CATALOGUE_READ
    | _CASE_READ
    | _CASE_WRITE
    | {"cases.submit_case", "cases.review_case"}
    | {
        "entities.add_entity",
        "entities.change_entity",
        "entities.add_entityrelation",
        "entities.change_entityrelation",
        "entities.add_representative",
        "entities.change_representative",
        "entities.reveal_entity",
    },
    APPEALS_REVIEWER: _REGISTRY_READ
    | _NOTIFICATIONS
    | _CATALOGUE_READ
    | _CASE_READ
    | {"entities.reveal_entity", "cases.oversee_case", "cases.decide_filing"},
    AUDITOR: _REGISTRY_READ
    | _NOTIFICATIONS
    | {"cases.oversee_notification"}
    | _CATALOGUE_READ
    | _CASE_READ
    | _view("accounts.user", "audit.accesslog")
    | {"entities.reveal_entity", "cases.oversee_case"}
    # The data-sharing API's clients and what they read (issue 19): read-only.
    | _view("api.apiclient", "api.apitoken")
    | {"api.usage_apiclient"},
    ADMINISTRATOR: _view("entities.entity", "accounts.user", "accounts.department", "auth.group")
    | _NOTIFICATIONS
    | {"cases.oversee_notification", "django_tasks_database.view_dbtaskresult"}
    | _CATALOGUE_READ
    | _CATALOGUE_EDIT
    | {
        "accounts.add_user",
        "accounts.change_user",
        "accounts.add_department",
        "accounts.change_department",
        "entities.view_legacyidentifier",
        "entities.add_legacyidentifier",
        "entities.change_legacyidentifier",
        # The data-sharing API's clients, scopes and tokens (issue 19).
        "api.view_apiclient",
        "api.add_apiclient",
        "api.change_apiclient",
        "api.usage_apiclient",
        "api.view_apitoken",
        "api.add_apitoken",
        "api.change_apitoken",
    },
    # Entity users act through the portal; their access comes from Representative, not model permissions.
    ENTITY_REPRESENTATIVE: set(),
}


def sync_roles(apps, schema_editor=None):
    """Create the role groups and set exactly the permissions above that exist so far."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app configs have no models module; create_permissions skips those otherwise.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = original
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        wanted = []
        for label in sorted(perms):
            app_label, codename = label.split(".")
            wanted.extend(permission_model.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
