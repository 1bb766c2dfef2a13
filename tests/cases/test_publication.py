"""Publication at decision (issue 5, DESIGN §7): an allow-listed masked snapshot; never minors or private conduct."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import Case, CatalogueItem, Publication
from cases.services.lifecycle import SNAPSHOT_FIELDS
from cases.workflow import State
from tests.cases.conftest import item
from tests.cases.frozen_clock import FrozenClock
from tests.factories import CaseFactory, EntityFactory, make_id_number

pytestmark = pytest.mark.django_db

D = datetime.date
PERSON_ID = make_id_number(birth="19850312")
NOTES = "Informant: a neighbour, phone 13800000000"


@pytest.fixture
def clock(monkeypatch):
    return FrozenClock(monkeypatch, D(2026, 11, 16))


@pytest.fixture
def decide(clock, make_draft, caseworker, supervisor):
    """``decide(entity=..., code=..., publish=...)`` → a case sanctioned through the services."""

    def run(*, entity=None, code=None, publish=None, measures=(("public_disclosure", 24),), notes=""):
        draft = make_draft(entity=entity, measures=measures)
        if code or notes:
            services.case_update(
                case=draft,
                actor=caseworker,
                facts=draft.facts,
                catalogue_item=item(code) if code else draft.catalogue_item,
                severity="general" if code else draft.severity,
                internal_notes=notes,
            )
        case = services.case_approve(case=services.case_submit(case=draft, actor=caseworker), actor=supervisor)
        case = services.case_record_statement(case=case, actor=caseworker, text="No objection.")
        return services.case_sanction(case=case, actor=supervisor, reasons="Facts established.", publish=publish)

    return run


def _person(**kwargs):
    return EntityFactory(person=True, name="王伟 Wang Wei", **kwargs)


def test_the_snapshot_holds_only_the_allow_listed_fields_with_identity_numbers_masked(decide, caseworker):
    person = _person(identifier=PERSON_ID)
    case = decide(entity=person, notes=NOTES)
    assert Case.objects.get(pk=case.pk).internal_notes == NOTES
    publication = Publication.objects.get(case=case)
    snapshot = publication.snapshot
    assert set(snapshot) == SNAPSHOT_FIELDS
    assert set(snapshot["entity"]) == {"name", "identifier"}
    assert set(snapshot["document"]) == {"number", "date"}
    assert set(snapshot["conduct"]) == set(snapshot["legal_basis"]) == {"zh", "en"}
    assert all(set(m) == {"name", "starts_on", "ends_on"} for m in snapshot["measures"])
    assert snapshot["entity"] == {"name": "王伟 Wang Wei", "identifier": person.id_number_masked}
    assert snapshot["entity"]["identifier"] == PERSON_ID[:4] + "*" * 10 + PERSON_ID[-4:]
    assert snapshot["case_number"] == case.number and snapshot["department"] == "Tax bureau"
    assert snapshot["document"] == {"number": "京税稽罚〔2026〕12号", "date": "2026-10-09"}
    assert snapshot["measures"] == [
        {
            "name": {
                "zh": "向社会公示（信用中国、国家企业信用信息公示系统、部门网站）",
                "en": "Public disclosure (Credit China, NECIPS, department websites)",
            },
            "starts_on": "2026-11-16",
            "ends_on": "2028-11-16",
        }
    ]
    assert (snapshot["published_from"], snapshot["min_end_on"], snapshot["max_end_on"]) == (
        "2026-11-16",
        "2027-10-09",
        "2029-10-09",
    )
    text = json.dumps(snapshot, ensure_ascii=False)
    for secret in (PERSON_ID, case.facts, NOTES, "VAT", caseworker.username, "110105"):
        assert secret not in text


def test_organisations_show_their_credit_code_in_full(decide, firm):
    case = decide(measures=(("public_disclosure", 24), ("tax_credit_grade_d", None)))
    snapshot = case.publication.snapshot
    assert snapshot["entity"] == {"name": "ACME Trading Co., Ltd.", "identifier": firm.uscc}
    grade = snapshot["measures"][1]
    assert grade["ends_on"] == "2029-10-09"  # for the record period


def test_the_snapshot_does_not_follow_later_changes(decide, caseworker, firm):
    case = decide()
    CatalogueItem.objects.filter(pk=case.catalogue_item_id).update(name_en="Renamed")
    assert Publication.objects.get(case=case).snapshot["conduct"]["en"] != "Renamed"


def test_minors_are_never_published(decide):
    minor = _person(identifier=make_id_number(birth="20100101"))
    case = decide(entity=minor)
    assert case.state == State.SANCTIONED
    assert not Publication.objects.filter(case=case).exists()
    assert "This decision is not published" in case.notices.get(kind="decision").body_en


def test_a_supervisor_cannot_publish_a_minor(decide):
    with pytest.raises(ValidationError) as error:
        decide(entity=_person(identifier=make_id_number(birth="20100101")), publish=True)
    assert error.value.message_dict == {"publish": ["The entity is a minor; minors are never published."]}
    assert not Publication.objects.exists()


def test_conduct_the_catalogue_keeps_private_is_never_published(decide):
    CatalogueItem.objects.filter(code="tax_major_violation").update(publishable="no")
    assert not Publication.objects.filter(case=decide()).exists()


def test_a_supervisor_cannot_publish_conduct_the_catalogue_keeps_private(decide):
    CatalogueItem.objects.filter(code="tax_major_violation").update(publishable="no")
    with pytest.raises(ValidationError) as error:
        decide(publish=True)
    assert error.value.message_dict == {"publish": ["The catalogue does not allow publishing this conduct."]}


@pytest.mark.parametrize(("publish", "published"), [(None, False), (False, False), (True, True)])
def test_per_case_conduct_is_published_only_when_the_supervisor_chooses(decide, publish, published):
    case = decide(code="tax_evasion_penalty", publish=publish)
    assert Publication.objects.filter(case=case).exists() is published


def test_a_supervisor_may_decide_not_to_publish(decide):
    assert not Publication.objects.filter(case=decide(publish=False)).exists()


def test_the_decision_notice_tells_the_publication_and_repair_dates(decide):
    notice = decide().notices.get(kind="decision")
    assert "published on the public credit register from 16 November 2026" in notice.body_en
    assert "ends on 9 October 2029 at the latest" in notice.body_en
    assert "apply for credit repair from 9 October 2027" in notice.body_en
    assert "自2026年11月16日起在信用信息公示平台公示，最迟于2029年10月9日停止公示" in notice.body_zh


def test_visible_is_what_the_public_may_see(decide, clock):
    publication = decide().publication
    assert list(Publication.objects.visible(D(2026, 11, 16))) == [publication]
    assert not Publication.objects.visible(D(2026, 11, 15)).exists()
    # Past the maximum it is hidden even before the sweep has ended it.
    assert not Publication.objects.visible(D(2029, 10, 9)).exists()
    assert publication.is_visible(D(2029, 10, 8)) and not publication.is_visible(D(2029, 10, 9))


def test_publications_in_the_admin(decide, superuser, client):
    case = decide(entity=_person(identifier=PERSON_ID))
    client.force_login(superuser)
    response = client.get(reverse("admin:cases_publication_changelist"))
    assert response.status_code == 200 and case.number in response.content.decode()
    page = client.get(reverse("admin:cases_publication_change", args=[case.publication.pk])).content.decode()
    assert case.publication.snapshot["entity"]["identifier"] in page and PERSON_ID not in page
    assert client.get(reverse("admin:cases_publication_add")).status_code == 403


def test_the_case_page_pieces_render_in_a_case_admin(decide, superuser, rf):
    """What cases/admin/case.py is to plug in: the publication inline and the clocks field."""
    from django.contrib import admin

    from cases.admin.case import CaseAdmin
    from cases.admin.lifecycle import PublicationInline, clocks_html

    class CaseWithLifecycle(CaseAdmin):
        inlines = [*CaseAdmin.inlines, PublicationInline]
        readonly_fields = [*CaseAdmin.readonly_fields, "clocks"]

        def get_fieldsets(self, request, obj=None):
            return [*super().get_fieldsets(request, obj), ("Clocks", {"fields": ["clocks"]})]

        @admin.display(description="deadlines")
        def clocks(self, case):
            return clocks_html(case)

    case = decide()
    site = admin.AdminSite(name="lifecycle_test")
    model_admin = CaseWithLifecycle(type(case), site)
    request = rf.get("/")
    request.user = superuser
    request.session = {}
    request._messages = []
    response = model_admin.change_view(request, str(case.pk))
    html = response.render().content.decode()
    assert "publication ends at the latest" in html and "2029-10-09" in html
    assert case.publication.snapshot["entity"]["identifier"] in html


def test_the_publication_list_costs_the_same_for_few_or_many_rows(superuser, client):
    client.force_login(superuser)
    client.get(reverse("admin:cases_publication_changelist"))  # the first request also refreshes the session
    counts = []
    for rows in (2, 20):
        for _n in range(rows - Publication.objects.count()):
            Publication.objects.create(
                case=CaseFactory(), snapshot={}, published_from=D(2026, 11, 16), max_end_on=D(2029, 10, 9)
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("admin:cases_publication_changelist")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
