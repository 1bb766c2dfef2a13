"""What the register must never serve (issue 18): the allow-list only; nothing ended, repaired, revoked, or a minor."""

import datetime
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import CharField, TextField
from django.urls import reverse

from accounts.services import system_actor
from cases.models import Case, Publication
from cases.selectors.publications import PUBLIC_ENTITY_FIELDS, PUBLIC_ENTRY_FIELDS
from cases.services.lifecycle import publication_end, publication_expire
from entities.models import Entity
from register.downloads import download_path, downloads_regenerate
from register.models import Listing
from register.monitor import stale_disclosures
from register.services import listings_refresh
from tests.factories import EntityFactory, make_id_number

pytestmark = pytest.mark.django_db
D = datetime.date
SEARCH = reverse("register:search")


def _shown(client, listing) -> dict:
    """Where the listing appears: record page, search, download."""
    downloads_regenerate()
    return {
        "page": client.get(reverse("register:record", args=[listing.token])).status_code == 200,
        "search": listing.token in client.get(SEARCH, {"q": "ACME"}).content.decode(),
        "download": listing.token in download_path("jsonl").read_text(encoding="utf-8"),
    }


def test_the_public_fields_are_the_allow_list_and_nothing_else(publish):
    listing = publish()
    assert set(listing.content) == PUBLIC_ENTRY_FIELDS == {
        "entity", "conduct", "legal_basis", "department", "document", "measures", "published_from", "ends_on",
        "statement", "under_objection", "under_legal_challenge",
    }  # fmt: skip
    assert set(listing.content["entity"]) == PUBLIC_ENTITY_FIELDS == {"name", "identifier", "kind"}
    assert set(listing.content["document"]) == {"number", "date"}
    assert all(set(m) == {"name", "starts_on", "ends_on"} for m in listing.content["measures"])


def test_no_other_field_of_case_or_entity_can_reach_the_register(publish):
    """Every text field of the case and the entity (as a new one would be) set to a marker: none reaches the register.

    Only the entity's kind is read live (it decides ``noindex`` and the FollowTheMoney schema); the rest comes from the
    publication snapshot, fixed at decision.
    """
    listing = publish()
    case = listing.publication.case
    marker = "ZQXMARKER"

    def mark(model, pk, skip):
        values = {
            field.name: marker[: field.max_length or None]
            for field in model._meta.concrete_fields
            if isinstance(field, CharField | TextField) and not field.choices and field.name not in skip
        }
        model.objects.filter(pk=pk).update(**values)

    mark(Case, case.pk, skip={"number"})
    mark(Entity, case.entity_id, skip={"kind", "id_number", "id_number_hash"})
    listings_refresh(publication_ids=[listing.publication_id])
    listing.refresh_from_db()
    assert marker[:6] not in json.dumps(listing.content, ensure_ascii=False)
    downloads_regenerate()
    for fmt in ("csv", "jsonl", "ftm"):
        assert marker[:6] not in download_path(fmt).read_text(encoding="utf-8-sig"), fmt


@pytest.mark.parametrize("reason", ["repaired", "revoked"])
def test_a_publication_disappears_the_day_it_is_repaired_or_revoked(
    client, publish, clock, reason, django_capture_on_commit_callbacks
):
    listing = publish()
    day = clock.set(D(2027, 12, 1))
    assert _shown(client, listing) == {"page": True, "search": True, "download": True}
    with django_capture_on_commit_callbacks(execute=True):
        publication = Publication.objects.get(pk=listing.publication_id)
        publication_end(publication, reason=reason, on=day, actor=system_actor(), why=reason)
    assert _shown(client, listing) == {"page": False, "search": False, "download": False}
    assert stale_disclosures() == []


def test_a_publication_disappears_the_day_it_reaches_its_end_even_before_the_sweep(client, publish, clock):
    listing = publish()
    clock.set(D(2029, 10, 8))
    assert client.get(reverse("register:record", args=[listing.token])).status_code == 200
    clock.set(D(2029, 10, 9))  # the maximum end: nothing was written yet
    assert client.get(reverse("register:record", args=[listing.token])).status_code == 404
    assert listing.token not in client.get(SEARCH, {"q": "ACME"}).content.decode()
    downloads_regenerate()
    assert listing.token not in download_path("jsonl").read_text(encoding="utf-8")
    assert publication_expire(publication=listing.publication, actor=system_actor())
    assert Listing.objects.get(pk=listing.pk).ended_on == D(2029, 10, 9)


def test_a_withdrawn_record_answers_the_same_404_as_a_never_existing_one(client, publish, clock):
    listing = publish()
    publication_end(listing.publication, reason="revoked", on=clock.today, actor=system_actor(), why="t")
    gone = client.get(reverse("register:record", args=[listing.token]))
    never = client.get(reverse("register:record", args=["A" * 22]))
    assert gone.status_code == never.status_code == 404

    def page(response, token):  # the project's 404 page, less what differs per request (CSRF token, the path)
        return re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode().replace(token, "…"))

    assert page(gone, listing.token) == page(never, "A" * 22)


def test_check_register_passes_when_nothing_stale_is_served(publish, capsys):
    publish()
    downloads_regenerate()
    call_command("check_register")
    assert "nothing stale" in capsys.readouterr().out


def test_check_register_names_a_record_whose_publication_ended_behind_the_registers_back(publish, clock):
    listing = publish()
    downloads_regenerate()
    # A write that bypassed the services (and so the register's refresh): the monitor must notice.
    Publication.objects.filter(pk=listing.publication_id).update(ended_on=clock.today, end_reason="revoked")
    stale = stale_disclosures()
    assert {item.where for item in stale} == {
        "pages", "api", "download register.csv", "download register.jsonl", "download register.ftm.json",
    }  # fmt: skip
    assert all(item.token == listing.token and "ended" in item.why for item in stale)
    with pytest.raises(CommandError, match="5 stale disclosure"):
        call_command("check_register")


def test_check_register_names_a_minor(publish, clock):
    adult = make_id_number(birth="19850312")
    listing = publish(entity=EntityFactory(person=True, name="ACME 张三", identifier=adult))
    entity = Entity.objects.get(pk=listing.publication.case.entity_id)
    entity.id_number = make_id_number(birth="20150101")  # a data error: the person is a child
    Entity.objects.filter(pk=entity.pk).update(id_number=entity.id_number)
    stale = stale_disclosures()
    assert [(item.where, item.why) for item in stale] == [
        ("pages", "the entity is a minor"),
        ("api", "the entity is a minor"),
    ]


def test_a_minor_is_never_listed(publish, clock):
    listing = publish(entity=EntityFactory(person=True, name="ACME 李四", identifier=make_id_number(birth="19850312")))
    Listing.objects.filter(pk=listing.pk).update(minor=True)
    assert not Listing.objects.visible().filter(pk=listing.pk).exists()
