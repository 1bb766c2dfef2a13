"""The access policy in one table: every URL of the project by every role → the status it answers (DESIGN §6).

Rows are URL names (with the object they are asked about); columns are the actors below. A new URL
pattern that has no row fails ``test_every_url_is_in_the_matrix``, so no page escapes the policy.
Statuses: 200 shown, 302 sent to sign in, 403 refused, 404 out of scope (indistinguishable from
nonexistent), 405 method not allowed.
"""

import pytest
from axes.models import AccessAttempt
from django.contrib.admin import site
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from accounts import roles
from audit.history import attribute
from audit.models import AccessLog
from cases import services
from cases.models import (
    CalendarDay,
    CatalogueItem,
    LegalSource,
    MeasureType,
    Notification,
    ProportionalityRule,
    Publication,
    RulePeriod,
)  # fmt: skip
from cases.services.evidence import evidence_add
from cases.services.filings import filing_appeal_file
from entities.models import EntityRelation, Representative
from entities.services import entity_reveal_identifier, legacy_identifier_add, relation_add, representative_add
from imports.services import import_job_check
from portal.services import representative_invite
from register.models import Listing
from tests.factories import DepartmentFactory, EntityFactory, UserFactory

ACTORS = ["anonymous", "cw_tax", "sup_tax", "cw_mkt", "reviewer", "auditor", "administrator", "representative"]

# url name [object] → statuses for the actors above, in order. cw_mkt is staff of ANOTHER department than
# the case's (TAX); the representative acts for the case's entity (portal users never reach the admin).
MATRIX = {
    # public pages
    "home":                                  "200 200 200 200 200 200 200 200",
    "healthz":                               "200 200 200 200 200 200 200 200",
    "readyz":                                "200 200 200 200 200 200 200 200",
    "metrics":                               "404 404 404 404 404 404 404 404",
    "set_language":                          "302 302 302 302 302 302 302 302",
    "favicon":                               "301 301 301 301 301 301 301 301",
    # dashboards: every member of staff (the administrator's says there is none for the role); portal users never
    "dashboards:index":                      "302 200 200 200 200 200 200 302",
    # bulk import: staff who may add entities or cases; a job is seen by its uploader's department
    "admin:imports_importjob_changelist":    "302 200 200 200 403 403 403 302",
    "admin:imports_importjob_add":           "302 200 200 200 403 403 403 302",
    "admin:imports_importjob_change":        "302 200 200 404 404 404 404 302",
    "admin:imports_importjob_history":       "302 200 200 404 404 404 404 302",
    "admin:imports_importjob_simple_history": "302 200 200 404 404 404 404 302",
    "admin:imports_importjob_delete":        "302 403 403 404 404 404 404 302",
    "admin:imports_importjob_template entities": "302 200 200 200 403 403 403 302",
    "admin:imports_importjob_template cases": "302 200 200 200 403 403 403 302",
    # admin site
    "admin:login":                           "200 302 302 302 302 302 302 200",
    "admin:logout":                          "302 405 405 405 405 405 405 302",
    "admin:index":                           "302 200 200 200 200 200 200 302",
    "admin:app_list cases":                  "302 200 200 200 200 200 200 302",
    "admin:jsi18n":                          "302 200 200 200 200 200 200 302",
    "admin:password_change":                 "302 200 200 200 200 200 200 302",
    "admin:password_change_done":            "302 200 200 200 200 200 200 302",
    "admin:view_on_site":                    "302 404 404 404 404 404 404 302",
    "admin:autocomplete entity":             "302 200 200 200 200 200 200 302",
    "admin:catch_all":                       "302 404 404 404 404 404 404 302",
    "admin:object_redirect":                 "302 404 404 404 404 404 404 302",
    # cases
    "admin:cases_case_changelist":           "302 200 200 200 200 200 403 302",
    "admin:cases_case_export":               "302 200 200 200 200 200 403 302",
    "admin:cases_case_add":                  "302 200 200 200 403 403 403 302",
    "admin:cases_case_change":               "302 200 200 404 200 200 404 302",
    "admin:cases_case_history":              "302 200 200 404 200 200 404 302",
    "admin:cases_case_simple_history":       "302 200 200 404 200 200 404 302",
    "admin:cases_case_delete":               "302 403 403 404 403 403 404 302",
    "admin:cases_case_queue":                "302 403 200 403 403 403 403 302",
    "admin:cases_case_transition approve":   "302 403 200 404 403 403 404 302",
    "admin:cases_case_transition withdraw":  "302 200 403 404 403 403 404 302",
    "admin:cases_case_access":               "302 403 200 404 403 403 404 302",
    "cases:evidence_download":               "302 200 200 404 200 200 404 404",
    "cases:filing_attachment_download":      "302 200 200 404 200 200 404 404",
    "cases:statement_attachment_download":   "302 200 200 404 200 200 404 404",
    # catalogue
    "admin:cases_catalogueitem_changelist":  "302 200 200 200 200 200 200 302",
    "admin:cases_catalogueitem_add":         "302 403 403 403 403 403 200 302",
    "admin:cases_catalogueitem_change":      "302 200 200 200 200 200 200 302",
    "admin:cases_catalogueitem_history":     "302 200 200 200 200 200 200 302",
    "admin:cases_catalogueitem_simple_history": "302 200 200 200 200 200 200 302",
    "admin:cases_catalogueitem_delete":      "302 403 403 403 403 403 403 302",
    "admin:cases_measuretype_changelist":    "302 200 200 200 200 200 200 302",
    "admin:cases_measuretype_add":           "302 403 403 403 403 403 200 302",
    "admin:cases_measuretype_change":        "302 200 200 200 200 200 200 302",
    "admin:cases_measuretype_history":       "302 200 200 200 200 200 200 302",
    "admin:cases_measuretype_simple_history": "302 200 200 200 200 200 200 302",
    "admin:cases_measuretype_delete":        "302 403 403 403 403 403 403 302",
    "admin:cases_ruleperiod_changelist":     "302 200 200 200 200 200 200 302",
    "admin:cases_ruleperiod_add":            "302 403 403 403 403 403 200 302",
    "admin:cases_ruleperiod_change":         "302 200 200 200 200 200 200 302",
    "admin:cases_ruleperiod_history":        "302 200 200 200 200 200 200 302",
    "admin:cases_ruleperiod_simple_history": "302 200 200 200 200 200 200 302",
    "admin:cases_ruleperiod_delete":         "302 403 403 403 403 403 403 302",
    "admin:cases_legalsource_changelist":    "302 200 200 200 200 200 200 302",
    "admin:cases_legalsource_add":           "302 403 403 403 403 403 200 302",
    "admin:cases_legalsource_change":        "302 200 200 200 200 200 200 302",
    "admin:cases_legalsource_history":       "302 200 200 200 200 200 200 302",
    "admin:cases_legalsource_simple_history": "302 200 200 200 200 200 200 302",
    "admin:cases_legalsource_delete":        "302 403 403 403 403 403 403 302",
    "admin:cases_calendarday_changelist":    "302 200 200 200 200 200 200 302",
    "admin:cases_calendarday_add":           "302 403 403 403 403 403 200 302",
    "admin:cases_calendarday_change":        "302 200 200 200 200 200 200 302",
    "admin:cases_calendarday_history":       "302 200 200 200 200 200 200 302",
    "admin:cases_calendarday_simple_history": "302 200 200 200 200 200 200 302",
    "admin:cases_calendarday_delete":        "302 403 403 403 403 403 403 302",
    "admin:cases_calendarday_notice":        "302 403 403 403 403 403 200 302",
    "admin:cases_proportionalityrule_changelist": "302 200 200 200 200 200 200 302",
    "admin:cases_proportionalityrule_add":   "302 403 403 403 403 403 200 302",
    "admin:cases_proportionalityrule_change": "302 200 200 200 200 200 200 302",
    "admin:cases_proportionalityrule_history": "302 200 200 200 200 200 200 302",
    "admin:cases_proportionalityrule_simple_history": "302 200 200 200 200 200 200 302",
    "admin:cases_proportionalityrule_delete": "302 403 403 403 403 403 403 302",
    "admin:entities_legacyidentifier_changelist": "302 403 403 403 403 403 200 302",
    "admin:entities_legacyidentifier_add":   "302 403 403 403 403 403 200 302",
    "admin:entities_legacyidentifier_change": "302 404 404 404 404 404 200 302",
    "admin:entities_legacyidentifier_history": "302 404 404 404 404 404 200 302",
    "admin:entities_legacyidentifier_simple_history": "302 404 404 404 404 404 200 302",
    "admin:entities_legacyidentifier_delete": "302 404 404 404 404 404 403 302",
    # entity registry (one registry shared by every department)
    "admin:entities_entity_changelist":      "302 200 200 200 200 200 200 302",
    "admin:entities_entity_export":          "302 200 200 200 200 200 200 302",
    "admin:entities_entity_add":             "302 200 200 200 403 403 403 302",
    "admin:entities_entity_change":          "302 200 200 200 200 200 200 302",
    "admin:entities_entity_history":         "302 200 200 200 200 200 200 302",
    "admin:entities_entity_simple_history":  "302 200 200 200 200 200 200 302",
    "admin:entities_entity_delete":          "302 403 403 403 403 403 403 302",
    "admin:entities_entity_reveal":          "302 403 200 403 200 200 403 302",
    "admin:entities_entityrelation_changelist": "302 200 200 200 200 200 403 302",
    "admin:entities_entityrelation_add":     "302 200 200 200 403 403 403 302",
    "admin:entities_entityrelation_change":  "302 200 200 200 200 200 404 302",
    "admin:entities_entityrelation_history": "302 200 200 200 200 200 404 302",
    "admin:entities_entityrelation_simple_history": "302 200 200 200 200 200 404 302",
    "admin:entities_entityrelation_delete":  "302 403 403 403 403 403 404 302",
    "admin:entities_representative_changelist": "302 200 200 200 200 200 403 302",
    "admin:entities_representative_add":     "302 403 200 403 403 403 403 302",
    "admin:entities_representative_change":  "302 200 200 200 200 200 404 302",
    "admin:entities_representative_history": "302 200 200 200 200 200 404 302",
    "admin:entities_representative_simple_history": "302 200 200 200 200 200 404 302",
    "admin:entities_representative_delete":  "302 403 403 403 403 403 404 302",
    # accounts
    "admin:accounts_department_changelist":  "302 200 200 200 200 200 200 302",
    "admin:accounts_department_add":         "302 403 403 403 403 403 200 302",
    "admin:accounts_department_change":      "302 200 200 200 200 200 200 302",
    "admin:accounts_department_history":     "302 200 200 200 200 200 200 302",
    "admin:accounts_department_simple_history": "302 200 200 200 200 200 200 302",
    "admin:accounts_department_delete":      "302 403 403 403 403 403 403 302",
    "admin:accounts_user_changelist":        "302 403 403 403 403 200 200 302",
    "admin:accounts_user_add":               "302 403 403 403 403 403 200 302",
    "admin:accounts_user_change":            "302 404 404 404 404 200 200 302",
    "admin:accounts_user_history":           "302 404 404 404 404 200 200 302",
    "admin:accounts_user_simple_history":    "302 404 404 404 404 200 200 302",
    "admin:accounts_user_delete":            "302 404 404 404 404 403 403 302",
    "admin:auth_user_password_change":       "302 404 404 404 404 403 200 302",
    "admin:auth_group_changelist":           "302 403 403 403 403 403 200 302",
    "admin:auth_group_add":                  "302 403 403 403 403 403 403 302",
    "admin:auth_group_change":               "302 404 404 404 404 404 200 302",
    "admin:auth_group_history":              "302 404 404 404 404 404 200 302",
    "admin:auth_group_simple_history":       "302 404 404 404 404 404 404 302",
    "admin:auth_group_delete":               "302 404 404 404 404 404 403 302",
    # audit
    "admin:audit_accesslog_changelist":      "302 403 403 403 403 200 403 302",
    "admin:audit_accesslog_add":             "302 403 403 403 403 403 403 302",
    "admin:audit_accesslog_change":          "302 404 404 404 404 200 404 302",
    "admin:audit_accesslog_history":         "302 404 404 404 404 200 404 302",
    "admin:audit_accesslog_simple_history":  "302 404 404 404 404 404 404 302",
    "admin:audit_accesslog_delete":          "302 404 404 404 404 403 404 302",
    "admin:audit_timeline_case":             "302 200 200 404 200 200 404 302",
    "admin:audit_timeline_entity":           "302 200 200 200 200 200 200 302",
    "admin:audit_activity":                  "302 404 404 404 404 200 404 302",
    # objections, appeals and credit repair: every reader of the case sees them, appeals reviewers decide
    "admin:cases_filing_changelist":         "302 200 200 200 200 200 403 302",
    "admin:cases_filing_export":             "302 200 200 200 200 200 403 302",
    "admin:cases_filing_add":                "302 403 403 403 403 403 403 302",
    "admin:cases_filing_change":             "302 200 200 404 200 200 404 302",
    "admin:cases_filing_history":            "302 200 200 404 200 200 404 302",
    "admin:cases_filing_simple_history":     "302 200 200 404 200 200 404 302",
    "admin:cases_filing_delete":             "302 403 403 404 403 403 404 302",
    "admin:cases_filing_queue":              "302 403 403 403 200 403 403 302",
    "admin:cases_filing_step":               "302 405 405 404 405 405 404 302",
    # lifecycle: publications and notifications
    "admin:cases_publication_changelist":    "302 200 200 200 200 200 403 302",
    "admin:cases_publication_add":           "302 403 403 403 403 403 403 302",
    "admin:cases_publication_change":        "302 200 200 404 200 200 404 302",
    "admin:cases_publication_history":       "302 200 200 404 200 200 404 302",
    "admin:cases_publication_simple_history": "302 200 200 404 200 200 404 302",
    "admin:cases_publication_delete":        "302 403 403 404 403 403 404 302",
    "admin:cases_notification_changelist":   "302 200 200 200 200 200 200 302",
    "admin:cases_notification_add":          "302 403 403 403 403 403 403 302",
    "admin:cases_notification_change":       "302 404 404 404 404 200 200 302",
    "admin:cases_notification_history":      "302 404 404 404 404 200 200 302",
    "admin:cases_notification_simple_history": "302 404 404 404 404 200 200 302",
    "admin:cases_notification_delete":       "302 404 404 404 404 403 403 302",
    "admin:django_tasks_database_dbtaskresult_changelist": "302 403 403 403 403 403 200 302",
    "admin:django_tasks_database_dbtaskresult_add": "302 403 403 403 403 403 403 302",
    "admin:django_tasks_database_dbtaskresult_change": "302 404 404 404 404 404 200 302",
    "admin:django_tasks_database_dbtaskresult_history": "302 404 404 404 404 404 200 302",
    "admin:django_tasks_database_dbtaskresult_simple_history": "302 404 404 404 404 404 404 302",
    "admin:django_tasks_database_dbtaskresult_delete": "302 404 404 404 404 404 403 302",
    # sign-in security: two-factor, lockouts, devices
    "accounts:twofactor_verify":             "302 200 302 302 302 302 302 302",
    "accounts:twofactor_enrol":              "302 302 200 200 200 200 200 302",
    "accounts:twofactor_qr":                 "404 404 404 404 404 404 404 404",
    "admin:entities_entity_search":          "302 405 405 405 405 405 405 302",
    "admin:axes_accessattempt_changelist":   "302 403 403 403 403 403 200 302",
    "admin:axes_accessattempt_add":          "302 403 403 403 403 403 403 302",
    "admin:axes_accessattempt_change":       "302 403 403 403 403 403 200 302",
    "admin:axes_accessattempt_history":      "302 403 403 403 403 403 200 302",
    "admin:axes_accessattempt_delete":       "302 403 403 403 403 403 200 302",
    "admin:otp_totp_totpdevice_changelist":  "302 403 403 403 403 403 200 302",
    "admin:otp_totp_totpdevice_add":         "302 403 403 403 403 403 403 302",
    "admin:otp_totp_totpdevice_change":      "302 403 403 403 403 403 200 302",
    "admin:otp_totp_totpdevice_history":     "302 403 403 403 403 403 200 302",
    "admin:otp_totp_totpdevice_delete":      "302 403 403 403 403 403 200 302",
    "admin:otp_totp_totpdevice_config":      "302 403 403 403 403 403 403 302",
    "admin:otp_totp_totpdevice_qrcode":      "302 403 403 403 403 403 403 302",
    # entity portal: representatives only (on the sanctioned TAX case of their entity); staff go to the admin
    "portal:login":                          "200 302 302 302 302 302 302 302",
    "portal:logout":                         "405 405 405 405 405 405 405 405",
    "portal:password_reset":                 "200 200 200 200 200 200 200 200",
    "portal:password_reset_done":            "200 200 200 200 200 200 200 200",
    "portal:password_reset_confirm":         "200 200 200 200 200 200 200 200",
    "portal:password_reset_complete":        "200 200 200 200 200 200 200 200",
    "portal:invitation":                     "200 200 200 200 200 200 200 200",
    "portal:twofactor_setup":                "302 302 302 302 302 302 302 200",
    "portal:twofactor_verify":               "302 302 302 302 302 302 302 302",
    "portal:records":                        "302 302 302 302 302 302 302 200",
    "portal:case_detail":                    "302 302 302 302 302 302 302 200",
    "portal:statement_file":                 "302 302 302 302 302 302 302 200",
    "portal:statement_receipt":              "302 302 302 302 302 302 302 200",
    "portal:notice_download":                "302 302 302 302 302 302 302 200",
    "portal:my_data":                        "302 302 302 302 302 302 302 200",
    "portal:my_data_json":                   "302 302 302 302 302 302 302 200",
    "portal:access_log":                     "302 302 302 302 302 302 302 200",
    "portal:invite":                         "302 403 200 403 403 403 403 404",
    "portal:objection_file":                 "302 302 302 302 302 302 302 200",
    "portal:appeal_file":                    "302 302 302 302 302 302 302 200",
    "portal:repair_apply":                   "302 302 302 302 302 302 302 200",
    "portal:filing_receipt":                 "302 302 302 302 302 302 302 200",
    "portal:filing_supplement":              "302 302 302 302 302 302 302 200",
    "portal:public_statement":               "302 302 302 302 302 302 302 200",
    # the public credit register: everyone, signed in or not, sees the same (issue 18)
    "register:search":                       "200 200 200 200 200 200 200 200",
    "register:record":                       "200 200 200 200 200 200 200 200",
    "register:download":                     "200 200 200 200 200 200 200 200",
    "register:log":                          "200 200 200 200 200 200 200 200",
    "register:log_download":                 "200 200 200 200 200 200 200 200",
    "register:language":                     "302 302 302 302 302 302 302 302",
    # recording a legal challenge on the sanctioned case: supervisors of its department
    "admin:cases_case_legal_challenge":      "302 403 200 404 403 403 404 302",
}  # fmt: skip

# URL patterns without a name, keyed by their route, and how the matrix names them.
UNNAMED = {"favicon.ico": "favicon", "(?P<url>.*)$": "admin:catch_all", "<path:object_id>/": "admin:object_redirect"}


def _all_url_names():
    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            else:
                yield namespace + (pattern.name or UNNAMED[str(pattern.pattern)].split(":")[-1])

    return set(walk(get_resolver().url_patterns))


def test_every_url_is_in_the_matrix():
    covered = {key.split(" ")[0] for key in MATRIX}
    assert _all_url_names() - covered == set(), "add a row for each new URL to MATRIX"
    assert covered - _all_url_names() == set(), "MATRIX names URLs that no longer exist"


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def world(db, settings, tmp_path, make_draft, caseworker, supervisor, other_caseworker, firm):
    """One TAX case (submitted by cw_tax) with evidence, and every kind of object the admin shows."""
    from django.core.files.storage import storages

    from cases.models import Evidence, FilingAttachment, StatementAttachment

    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    storages._storages.pop("evidence", None)
    Evidence._meta.get_field("file").storage = storages["evidence"]
    FilingAttachment._meta.get_field("file").storage = storages["evidence"]
    StatementAttachment._meta.get_field("file").storage = storages["evidence"]

    case = make_draft()
    evidence = evidence_add(case=case, actor=caseworker, uploaded_file=SimpleUploadedFile("decision.pdf", PDF))
    case = services.case_submit(case=case, actor=caseworker)
    person = EntityFactory(person=True, name="Zhang San")
    representative_user = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    entity_reveal_identifier(entity=person, actor=supervisor, purpose="permission matrix")
    access_log = AccessLog.objects.get()
    actors = {
        "cw_tax": caseworker,
        "sup_tax": supervisor,
        "cw_mkt": other_caseworker,
        "reviewer": UserFactory(role=roles.APPEALS_REVIEWER),
        "auditor": UserFactory(role=roles.AUDITOR),
        "administrator": UserFactory(role=roles.ADMINISTRATOR),
        "representative": representative_user,
    }
    objects = {
        "case": case,
        "evidence": evidence,
        "entity": firm,
        "person": person,
        "entityrelation": relation_add(
            actor=supervisor, organisation=firm, person=person, role=EntityRelation.Role.LEGAL_REPRESENTATIVE
        ),
        "representative": representative_add(
            actor=supervisor,
            user=representative_user,
            entity=firm,
            relationship=Representative.Relationship.AUTHORISED_AGENT,
        ),
        "accesslog": access_log,
        "catalogueitem": CatalogueItem.objects.first(),
        "measuretype": MeasureType.objects.first(),
        "ruleperiod": RulePeriod.objects.first(),
        "legalsource": LegalSource.objects.first(),
        "calendarday": CalendarDay.objects.first(),
        "proportionalityrule": ProportionalityRule.objects.first(),
        "legacyidentifier": legacy_identifier_add(
            actor=actors["administrator"], kind="uscc", identifier="91350203M0001QAY9B", reason="pilot licence"
        ),
        "department": DepartmentFactory(code="CUS", name="Customs"),
        "importjob": import_job_check(
            actor=caseworker,
            kind="entities",
            upload=SimpleUploadedFile("firms.csv", b"kind,name,identifier\r\nlegal_person,New Co.,123\r\n"),
        ),
        "user": caseworker,
        "group": Group.objects.get(name=roles.CASEWORKER),
    }
    decided = make_draft()
    decided = services.case_submit(case=decided, actor=caseworker)
    decided = services.case_approve(case=decided, actor=supervisor)
    decided = services.case_record_statement(case=decided, actor=caseworker, text="No objection.")
    decided = services.case_sanction(case=decided, actor=supervisor, reasons="Established.")
    objects["publication"] = Publication.objects.get(case=decided)
    objects["portal_case"] = decided
    statement_evidence = StatementAttachment(
        statement=decided.statements.get(), original_name="paid.pdf", content_type="application/pdf",
        size=len(PDF), sha256="0" * 64,
    )  # fmt: skip
    statement_evidence.file.save("paid.pdf", ContentFile(PDF), save=False)
    statement_evidence.save()
    objects["statement_attachment"] = statement_evidence
    objects["filing"] = filing_appeal_file(
        case=decided, actor=representative_user, text="We appeal.", uploads=[SimpleUploadedFile("proof.pdf", PDF)]
    )
    _, objects["invitation_token"] = representative_invite(
        actor=supervisor, entity=firm, username="invited_rep", email="invited@example.invalid",
        relationship=Representative.Relationship.AUTHORISED_AGENT,
    )  # fmt: skip
    # The representative was told of the notice: a notification that is not staff's to read.
    objects["notification"] = Notification.objects.filter(recipient=representative_user, kind="notice_served").first()
    objects["dbtaskresult"] = DBTaskResult.objects.create(
        task_path="cases.tasks.send_notification_email",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
    )
    objects["accessattempt"] = AccessAttempt.objects.create(
        username="cw_tax", ip_address="127.0.0.1", user_agent="test", failures_since_start=1
    )
    objects["totpdevice"] = TOTPDevice.objects.create(user=caseworker, name="phone", confirmed=True)
    for key in ("catalogueitem", "measuretype", "ruleperiod", "legalsource", "calendarday", "proportionalityrule"):
        # Seeded rows have no history yet; one edit gives the history pages something to show.
        attribute(objects[key], actor=actors["administrator"], reason="matrix")
        objects[key].save()
    return actors, objects


def _request(key, objects):
    """(method, path) for a matrix row."""
    name, _, variant = key.partition(" ")
    model, view = "", ""
    for registered in site._registry:  # "admin:<app_label>_<model>_<view>"; app labels may contain "_"
        prefix = f"admin:{registered._meta.app_label}_{registered._meta.model_name}_"
        if name.startswith(prefix):
            model, view = registered._meta.model_name, name.removeprefix(prefix)
    special = {
        "favicon": lambda: "/favicon.ico",
        "admin:catch_all": lambda: "/admin/no/such/page/",
        "admin:object_redirect": lambda: f"/admin/r/{objects['case'].pk}/",
        "admin:app_list": lambda: reverse("admin:app_list", args=[variant or "cases"]),
        "admin:view_on_site": lambda: f"/admin/r/0/{objects['case'].pk}/",
        "admin:autocomplete": lambda: (
            reverse("admin:autocomplete") + "?app_label=cases&model_name=case&field_name=entity&term=ACME"
        ),
        "admin:logout": lambda: reverse("admin:logout"),
        "set_language": lambda: "/i18n/setlang/",
        "cases:evidence_download": lambda: reverse("cases:evidence_download", args=[objects["evidence"].pk]),
        "cases:filing_attachment_download": lambda: reverse(
            "cases:filing_attachment_download", args=[objects["filing"].attachments.get().pk]
        ),
        "cases:statement_attachment_download": lambda: reverse(
            "cases:statement_attachment_download", args=[objects["statement_attachment"].pk]
        ),
        "admin:cases_filing_step": lambda: reverse("admin:cases_filing_step", args=[objects["filing"].pk, "decide"]),
        "admin:cases_case_transition": lambda: reverse(
            "admin:cases_case_transition", args=[objects["case"].pk, variant]
        ),
        "admin:entities_entity_reveal": lambda: reverse("admin:entities_entity_reveal", args=[objects["person"].pk]),
        "admin:audit_timeline_case": lambda: reverse("admin:audit_timeline_case", args=[objects["case"].pk]),
        "admin:audit_timeline_entity": lambda: reverse("admin:audit_timeline_entity", args=[objects["person"].pk]),
        "admin:auth_user_password_change": lambda: reverse(
            "admin:auth_user_password_change", args=[objects["user"].pk]
        ),
    }
    portal_case = objects["portal_case"]
    special |= {
        "portal:password_reset_confirm": lambda: reverse("portal:password_reset_confirm", args=["MQ", "x-y"]),
        "portal:invitation": lambda: reverse("portal:invitation", args=[objects["invitation_token"]]),
        "portal:case_detail": lambda: reverse("portal:case_detail", args=[portal_case.pk]),
        "portal:statement_file": lambda: reverse("portal:statement_file", args=[portal_case.pk]),
        "portal:statement_receipt": lambda: reverse(
            "portal:statement_receipt", args=[portal_case.pk, portal_case.statements.get().pk]
        ),
        "portal:notice_download": lambda: reverse("portal:notice_download", args=[portal_case.notices.first().pk]),
        "portal:my_data": lambda: reverse("portal:my_data", args=[objects["entity"].pk]),
        "portal:my_data_json": lambda: reverse("portal:my_data_json", args=[objects["entity"].pk]),
        "portal:access_log": lambda: reverse("portal:access_log", args=[objects["entity"].pk]),
        "portal:invite": lambda: reverse("portal:invite", args=[objects["entity"].pk]),
        "portal:objection_file": lambda: reverse("portal:objection_file", args=[portal_case.pk]),
        "portal:appeal_file": lambda: reverse("portal:appeal_file", args=[portal_case.pk]),
        "portal:filing_supplement": lambda: reverse(
            "portal:filing_supplement", args=[portal_case.pk, objects["filing"].pk]
        ),
        "portal:public_statement": lambda: reverse("portal:public_statement", args=[portal_case.pk]),
        "portal:repair_apply": lambda: reverse("portal:repair_apply", args=[portal_case.pk]),
        "portal:filing_receipt": lambda: reverse("portal:filing_receipt", args=[portal_case.pk, objects["filing"].pk]),
        "admin:cases_case_legal_challenge": lambda: reverse("admin:cases_case_legal_challenge", args=[portal_case.pk]),
        "register:record": lambda: reverse(
            "register:record", args=[Listing.objects.get(publication=objects["publication"]).token]
        ),
        "register:download": lambda: reverse("register:download", args=["csv"]),
        "admin:imports_importjob_template": lambda: reverse("admin:imports_importjob_template", args=[variant, "xlsx"]),
        "register:language": lambda: reverse("register:language", args=["en"]),
    }
    if name in special:
        return "GET", special[name]()
    obj = objects.get(model)
    if view == "simple_history":
        tracked = getattr(type(obj), "history", None)
        version = tracked.filter(**{type(obj)._meta.pk.attname: obj.pk}).first().history_id if tracked else 1
        return "GET", reverse(name, args=[obj.pk, version])
    if view in {"change", "history", "delete", "access", "config", "qrcode"}:
        return "GET", reverse(name, args=[obj.pk])
    return "GET", reverse(name)


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_matrix(key, world):
    actors, objects = world
    method, path = _request(key, objects)
    got = {}
    for actor in ACTORS:
        client = Client(headers={"Accept-Language": "en"})
        if actor != "anonymous":
            client.force_login(actors[actor])
        got[actor] = client.generic(method, path).status_code
    expected = dict(zip(ACTORS, (int(s) for s in MATRIX[key].split()), strict=True))
    assert got == expected, path
