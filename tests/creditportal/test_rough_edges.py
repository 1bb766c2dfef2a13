"""The rough edges a new user hit (issue 25), each checked where a test can see it."""

import datetime
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import formats, translation

from accounts import roles
from tests.factories import UserFactory, make_uscc

ROOT = Path(settings.BASE_DIR)


def test_home_page_links_to_the_register_and_the_entity_portal(client, db):
    html = client.get("/").text
    assert 'href="/register/"' in html
    assert f'href="{reverse("portal:login")}"' in html
    assert f'href="{reverse("admin:index")}"' in html


@pytest.mark.parametrize(
    ("link", "language", "target"),
    [
        ("/zh-hans/portal/login/", "zh-hans", "/portal/login/"),
        ("/zh-Hans/portal/login/?next=/portal/", "zh-hans", "/portal/login/?next=/portal/"),
        ("/en/admin/", "en", "/admin/"),
        ("/en", "en", "/"),
        # Never a protocol-relative redirect to another site.
        ("/en//evil.example/x", "en", "/evil.example/x"),
    ],
)
def test_a_language_prefix_makes_a_shareable_link(client, db, link, language, target):
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == target
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


def test_the_shared_link_opens_in_its_language(client, db):
    response = client.get("/zh-hans/", follow=True, headers={"Accept-Language": "en"})
    assert response.redirect_chain == [("/", 302)]
    assert '<html lang="zh-hans">' in response.text


def test_unknown_prefixes_and_posts_are_not_taken_for_languages(client, db):
    assert client.get("/fr/portal/").status_code == 404
    assert client.post("/en/portal/login/").status_code == 404


def test_one_date_format_in_both_languages():
    day = datetime.date(2026, 12, 7)
    moment = datetime.datetime(2026, 12, 7, 9, 30, tzinfo=datetime.UTC)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert formats.date_format(day) == "2026-12-07"
            assert formats.date_format(day, "SHORT_DATE_FORMAT") == "2026-12-07"
            assert formats.date_format(moment.replace(tzinfo=None), "DATETIME_FORMAT") == "2026-12-07 09:30"


def test_admin_index_names_sections_for_people(client, superuser):
    client.force_login(superuser)
    html = client.get(reverse("admin:index")).text
    for technical in ("Axes", "Otp_Totp", "OTP_TOTP", "Tasks Database Backend"):
        assert f">{technical}<" not in html
    for named in ("Sign-in lockouts", "Two-factor devices", "Background jobs", "Case work"):
        assert named in html


def test_case_list_breadcrumb_and_search_box_label(client, superuser):
    client.force_login(superuser)
    html = client.get(reverse("admin:cases_case_changelist")).text
    breadcrumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', html, re.S).group(1)
    assert "Case work" in breadcrumbs
    assert not re.search(r"Cases</a>\s*&rsaquo;\s*Cases", breadcrumbs)
    assert 'id="searchbar" aria-label="Search"' in html


def test_case_form_inline_inputs_have_accessible_names(client, db):
    caseworker = UserFactory(role=roles.CASEWORKER)
    client.force_login(caseworker)
    html = client.get(reverse("admin:cases_case_add")).text
    for name, label in (("sanctions-0-measure_type", "measure"), ("sanctions-0-duration_months", "duration")):
        field = re.search(rf'<[^>]*name="{name}"[^>]*>', html).group(0)
        assert re.search(rf'aria-label="[^"]*{label}', field, re.I), field
    evidence = re.search(r'<input[^>]*name="evidence-0-file"[^>]*>', html).group(0)
    assert "aria-label=" in evidence


def test_admin_login_has_a_main_heading(client, db):
    assert re.search(r"<h1>[^<]*Log in[^<]*</h1>", client.get(reverse("admin:login")).text)


def test_pages_load_the_form_helper_script_not_inline_script(client, superuser):
    client.force_login(superuser)
    for url in ("/", reverse("admin:index")):
        html = client.get(url).text
        assert re.search(r'<script src="[^"]*creditportal/forms\.js" data-busy-text="[^"]+" defer>', html)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_registering_an_entity_offers_to_log_its_case(client, db):
    caseworker = UserFactory(role=roles.CASEWORKER)
    client.force_login(caseworker)
    response = client.post(
        reverse("admin:entities_entity_add"),
        {"kind": "legal_person", "name": "Shortcut Trading Co., Ltd.", "identifier": make_uscc(), "region_code": ""},
        follow=True,
    )
    from entities.models import Entity

    entity = Entity.objects.get(name="Shortcut Trading Co., Ltd.")
    link = f'href="{reverse("admin:cases_case_add")}?entity={entity.pk}"'
    assert link in response.text
    # The case form opens with the entity chosen.
    form = client.get(f"{reverse('admin:cases_case_add')}?entity={entity.pk}").text
    assert re.search(rf'<option value="{entity.pk}" selected>', form)
    # And the entity's own page keeps the shortcut.
    assert link in client.get(reverse("admin:entities_entity_change", args=[entity.pk])).text


def test_seed_demo_prints_the_address_served(db, settings):
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    out = StringIO()
    call_command("seed_demo", address="0.0.0.0:8080", stdout=out)
    assert "Staff sign in at http://0.0.0.0:8080/admin/" in out.getvalue()
    assert "http://127.0.0.1:8000" not in out.getvalue()


def test_make_help_prints_no_make_variables():
    target = re.compile(r"^[a-zA-Z0-9_-]+:.*?## ")  # what `make help` greps
    help_lines = [line for line in (ROOT / "Makefile").read_text().splitlines() if target.match(line)]
    assert help_lines
    assert not [line for line in help_lines if "$(" in line.split("## ", 1)[1]]
