"""One entity's representative gets 404 on everything of the other's; the policy's view of representatives."""

import pytest
from django.urls import reverse

from accounts.permissions import scope
from cases.models import Case, Evidence, Notice, Sanction
from entities.models import Representative

from .fixtures import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_worlds(clock, firm, wang, rep_acme, rep_wang, serve, sanction):
    acme_case = sanction(serve(firm))
    wang_case = sanction(serve(wang))
    return {"acme": (rep_acme, firm, acme_case), "wang": (rep_wang, wang, wang_case)}


def _urls(entity, case):
    notice = Notice.objects.filter(case=case).first()
    statement = case.statements.first()
    return [
        ("get", reverse("portal:case_detail", args=[case.pk])),
        ("get", reverse("portal:statement_file", args=[case.pk])),
        ("post", reverse("portal:statement_file", args=[case.pk])),
        ("get", reverse("portal:statement_receipt", args=[case.pk, statement.pk])),
        ("get", reverse("portal:notice_download", args=[notice.pk])),
        ("get", reverse("portal:my_data", args=[entity.pk])),
        ("get", reverse("portal:my_data_json", args=[entity.pk])),
        ("get", reverse("portal:access_log", args=[entity.pk])),
    ]


@pytest.mark.parametrize(("me", "other"), [("acme", "wang"), ("wang", "acme")])
def test_everything_of_the_other_entity_is_404(two_worlds, me, other):
    user = two_worlds[me][0]
    _, other_entity, other_case = two_worlds[other]
    _, my_entity, my_case = two_worlds[me]
    client = login(user)
    for method, url in _urls(other_entity, other_case):
        assert getattr(client, method)(url, {"text": "x"} if method == "post" else None).status_code == 404, url
    for method, url in _urls(my_entity, my_case):
        if method == "get":
            assert client.get(url).status_code == 200, url
    assert other_case.number not in client.get(reverse("portal:records")).content.decode()


def test_representatives_never_see_drafts_submitted_or_rejected_cases(clock, firm, rep_acme, make_draft, caseworker):
    from cases import services

    measures = (("public_disclosure", 24),)
    draft = make_draft(measures=measures)
    submitted = services.case_submit(case=make_draft(measures=measures), actor=caseworker)
    assert not scope(Case.objects.filter(pk__in=[draft.pk, submitted.pk]), rep_acme).exists()


def test_representatives_see_no_evidence_and_change_nothing(two_worlds):
    user, _entity, case = two_worlds["acme"]
    assert scope(Case.objects.all(), user).count() == 1
    assert not scope(Case.objects.all(), user, "change").exists()
    assert not scope(Evidence.objects.all(), user).exists()
    assert scope(Sanction.objects.all(), user).filter(case=case).exists()
    assert not scope(Sanction.objects.all(), user, "change").exists()


def test_an_ended_representation_sees_nothing(two_worlds, clock):
    user, _entity, case = two_worlds["acme"]
    Representative.objects.filter(user=user).update(valid_to=clock.today)
    clock.advance(days=1)
    assert not scope(Case.objects.all(), user).exists()
    assert login(user).get(reverse("portal:case_detail", args=[case.pk])).status_code == 404
