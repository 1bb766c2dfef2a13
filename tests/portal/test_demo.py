"""The demo accounts rep_acme and rep_wang use the portal on the seeded cases."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from cases.models import Case
from cases.workflow import State
from entities.models import Representative

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["rep_acme", "rep_wang"])
def test_demo_representative_signs_in_sees_records_and_files(settings, username):
    settings.DEBUG = True  # seed_demo refuses otherwise
    call_command("seed_demo", stdout=StringIO())
    entity = Representative.objects.get(user__username=username).entity
    client = Client(headers={"Accept-Language": "en"})
    assert client.login(request=HttpRequest(), username=username, password="demo")
    body = client.get(reverse("portal:records")).content.decode()
    visible = Case.objects.filter(entity=entity).exclude(state__in=["draft", "submitted", "rejected"])
    hidden = Case.objects.filter(entity=entity, state__in=["draft", "submitted", "rejected"])
    assert visible.exists() and all(case.number in body for case in visible)
    assert not any(case.number in body for case in hidden)
    for case in visible:
        assert client.get(reverse("portal:case_detail", args=[case.pk])).status_code == 200
    open_case = visible.filter(state=State.NOTICE_ISSUED).first()
    response = client.post(reverse("portal:statement_file", args=[open_case.pk]), {"text": "Demo statement."})
    assert response.status_code == 302
    sanctioned = visible.filter(state=State.SANCTIONED).first()
    response = client.post(reverse("portal:appeal_file", args=[sanctioned.pk]), {"text": "Demo appeal."})
    assert response.status_code == 302
    assert client.get(reverse("portal:my_data_json", args=[entity.pk])).status_code == 200
    assert client.get(reverse("portal:access_log", args=[entity.pk])).status_code == 200
