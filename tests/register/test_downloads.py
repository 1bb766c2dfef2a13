"""The bulk download (issue 18): CSV (BOM, no formulas), JSON Lines, FollowTheMoney; ETag; the language links."""

import csv
import io
import json

import pytest
from django.urls import reverse
from followthemoney import model

from register.downloads import download_path, downloads_regenerate
from register.models import Listing
from tests.factories import EntityFactory, make_id_number

pytestmark = pytest.mark.django_db


def _get(client, fmt, **headers):
    return client.get(reverse("register:download", args=[fmt]), headers=headers)


def test_the_search_page_links_every_download_and_the_log(client):
    page = client.get(reverse("register:search")).content.decode()
    for fmt in ("csv", "jsonl", "ftm"):
        assert reverse("register:download", args=[fmt]) in page
    assert reverse("register:log") in page


def test_csv_has_a_bom_and_neutralises_formulas(client, publish):
    listing = publish(entity=EntityFactory(name='=HYPERLINK("http://evil")'))
    response = _get(client, "csv")
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:2] == ["record_url", "name"]
    assert rows[1][0].endswith(reverse("register:record", args=[listing.token]))
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]


def test_json_lines_hold_the_public_content(client, publish):
    listing = publish()
    lines = b"".join(_get(client, "jsonl").streaming_content).decode().splitlines()
    assert [json.loads(line)["entity"]["name"] for line in lines] == ["ACME Trading Co., Ltd."]
    assert json.loads(lines[0]) == {"record_url": json.loads(lines[0])["record_url"], **listing.content}


def test_followthemoney_entities_are_valid_and_linked(client, publish, firm):
    publish(entity=EntityFactory(person=True, name="王伟", identifier=make_id_number(birth="19850312")))
    company = publish()
    lines = b"".join(_get(client, "ftm").streaming_content).decode().splitlines()
    entities = [model.get_proxy(json.loads(line)) for line in lines]  # the library rejects an invalid entity
    by_id = {entity.id: entity for entity in entities}
    sanctions = [entity for entity in entities if entity.schema.name == "Sanction"]
    assert len(sanctions) == Listing.objects.count() == 2
    schemata = {by_id[sanction.first("entity")].schema.name for sanction in sanctions}
    assert schemata == {"Company", "Person"}
    companies = [entity for entity in entities if entity.schema.name == "Company"]
    assert companies[0].get("registrationNumber") == [firm.uscc]
    people = [entity for entity in entities if entity.schema.name == "Person"]
    assert people[0].get("registrationNumber") == [] and people[0].get("idNumber") == []
    assert company.token in json.dumps([sanction.to_dict() for sanction in sanctions])


def test_downloads_answer_304_to_a_current_etag_and_change_with_the_register(
    client, publish, django_capture_on_commit_callbacks
):
    listing = publish()
    first = _get(client, "jsonl")
    assert first["ETag"] and "public" in first["Cache-Control"]
    assert _get(client, "jsonl", If_None_Match=first["ETag"]).status_code == 304
    publication = listing.publication
    publication.entity_statement = "Paid in full."
    with django_capture_on_commit_callbacks(execute=True):  # the background task runs (immediate backend)
        publication.save()
    assert _get(client, "jsonl", If_None_Match=first["ETag"]).status_code == 200
    assert "Paid in full." in download_path("jsonl").read_text(encoding="utf-8")


def test_an_unknown_format_is_a_404(client):
    assert _get(client, "xlsx").status_code == 404


def test_the_download_is_written_in_slices(publish, monkeypatch):
    publish()
    publish(entity=EntityFactory(name="ACME Two"))
    import register.downloads as downloads

    read = []
    real = downloads.listing_contents_current

    def spy(**kwargs):
        for token, content in real(chunk_size=1):
            read.append(token)
            yield token, content

    monkeypatch.setattr(downloads, "listing_contents_current", spy)
    downloads_regenerate()
    assert len(read) == 4  # JSON Lines and FollowTheMoney, two listings each, one slice of keys per listing


def test_the_language_links_switch_and_go_back(client):
    response = client.get(reverse("register:language", args=["zh-hans"]), {"next": "/register/?q=AC"})
    assert response.status_code == 302 and response["Location"] == "/register/?q=AC"
    assert response.cookies["django_language"].value == "zh-hans"
    evil = client.get(reverse("register:language", args=["en"]), {"next": "https://evil.example/"})
    assert evil["Location"] == reverse("register:search")
    assert client.get(reverse("register:language", args=["fr"])).status_code == 404


def test_register_pages_carry_no_csrf_token_so_shared_caches_can_keep_them(client, publish):
    listing = publish()
    for url in (reverse("register:search"), reverse("register:record", args=[listing.token]), reverse("register:log")):
        response = client.get(url)
        assert "csrfmiddlewaretoken" not in response.content.decode(), url
        assert not response.cookies, url


def test_record_urls_follow_the_public_base_url_and_the_url_pattern(settings, publish):
    """The URL around the token is resolved once per setting, not per row: it still follows a changed setting."""
    from register.downloads import record_urls

    listing = publish()
    settings.REGISTER_PUBLIC_BASE_URL = "https://credit.example.gov.cn/"
    assert record_urls()(listing.token) == "https://credit.example.gov.cn" + reverse(
        "register:record", args=[listing.token]
    )
    settings.REGISTER_PUBLIC_BASE_URL = "http://other.example"
    assert record_urls()(listing.token) == "http://other.example" + reverse("register:record", args=[listing.token])
