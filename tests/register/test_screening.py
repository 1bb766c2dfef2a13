"""Screening on the normalised key (issue 19): the key, where it is written, and the matching contract."""

import pytest
from django.core.management import call_command

from register.models import Listing
from register.screening import CHINESE_GENERIC, LATIN_GENERIC, screening_key
from register.selectors import listings_screen
from register.services import listings_refresh, listings_screening_keys_store
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ACME Trading Co., Ltd.", "ACME"),
        ("acme trading company limited", "ACME"),
        ("A.C.M.E. (Group) Corp", "A C M E"),
        ("Blue-Sky  Media   Inc.", "BLUE SKY MEDIA"),
        ("Xi'an Huaxin Holdings PLC", "XIAN HUAXIN"),
        ("Wuhan Dongfang Dexuhe Food Co., Ltd. 51988", "WUHAN DONGFANG DEXUHE FOOD 51988"),
        ("Beijing Jinlong Partnership", "BEIJING JINLONG"),
        (
            "\uff26\uff55\uff4c\uff4c\uff0d\uff57\uff49\uff44\uff54\uff48\u3000\uff23\uff4f\uff0e\uff0c\uff2c\uff54\uff44\uff0e",
            "FULL WIDTH",
        ),
        ("北京华信商贸有限公司", "北京华信商贸"),
        ("北京华信商贸有限公司12345", "北京华信商贸 12345"),
        ("中天建设集团股份有限公司", "中天建设"),
        ("恒达置业有限责任公司（上海）", "恒达置业 上海"),
        ("艾克米贸易有限公司 ACME Trading Co., Ltd.", "艾克米贸易 ACME"),
        ("Wang Weiba (Beijing)", "WANG WEIBA BEIJING"),
        ("Company Limited", "COMPANY LIMITED"),  # nothing but generic words: kept, so it still matches itself
        ("集团公司", "集团公司"),
        ("", ""),
        ("..., ;", ""),
    ],
)
def test_the_screening_key(name, key):
    assert screening_key(name) == key


def test_the_generic_word_lists_stay_small_and_upper_case():
    """Every word removed can no longer tell two names apart: the lists are legal forms and a few generic words."""
    assert len(LATIN_GENERIC) <= 20 and all(word == word.upper() and word.isalpha() for word in LATIN_GENERIC)
    assert len(CHINESE_GENERIC) <= 10
    # Longest first, so that a longer form is removed whole before a shorter one inside it ("有限公司" ⊃ "公司").
    assert all(word not in later for i, word in enumerate(CHINESE_GENERIC) for later in CHINESE_GENERIC[i + 1 :])


def test_the_key_is_at_most_the_column_long():
    assert len(screening_key("Ä" * 300)) == 200


def test_a_listing_is_written_with_its_key(publish):
    listing = publish(entity=EntityFactory(name="ACME Trading Co., Ltd."))
    assert listing.screening_key == "ACME"


def _hits(names, **kwargs):
    return [(hit.query_index, hit.token, hit.score) for hit in listings_screen(names, **kwargs)]


def test_a_listed_name_is_found_given_another_legal_form_punctuation_or_case(publish):
    acme = publish(entity=EntityFactory(name="ACME Trading Co., Ltd."))
    names = ["acme trading company limited", "ACME (Group) Corp.", "Acme Co Ltd", "\uff21\uff23\uff2d\uff25有限公司"]
    hits = _hits(names)
    for index in range(len(names)):
        assert hits.count((index, acme.token, 1.0)) == 1


def test_equal_keys_come_first_then_the_similar_ones(publish):
    """A name that equals a listed key scores 1; its near namesakes still follow as candidates, best first."""
    exact = publish(entity=EntityFactory(name="Huaxin Food Co., Ltd."))
    near = publish(entity=EntityFactory(name="Huaxin Foods Group"))
    far = publish(entity=EntityFactory(name="Completely Unrelated Media"))
    hits = _hits(["HUAXIN FOOD LIMITED"])
    assert [token for _i, token, _s in hits] == [exact.token, near.token]
    assert hits[0][2] == 1.0 and 0.3 <= hits[1][2] < 1.0
    assert far.token not in {token for _i, token, _s in hits}


def test_equal_keys_that_fill_the_candidates_leave_no_room_for_similar_ones(publish):
    first = publish(entity=EntityFactory(name="Huaxin Food Co., Ltd."))
    second = publish(entity=EntityFactory(name="HUAXIN FOOD GROUP"))
    publish(entity=EntityFactory(name="Huaxin Foods Group"))
    assert _hits(["Huaxin Food"], candidates=2) == [(0, first.token, 1.0), (0, second.token, 1.0)]


def test_a_name_without_an_equal_key_gets_its_similar_candidates(publish):
    listing = publish(entity=EntityFactory(name="Zhongtian Construction Co., Ltd."))
    hits = _hits(["Zhongtien Construction"])  # a misspelling: no equal key
    assert [(i, token) for i, token, _s in hits] == [(0, listing.token)] and 0.3 <= hits[0][2] < 1.0


def test_at_most_the_candidate_limit_and_nothing_under_the_threshold(publish):
    for i in range(4):
        publish(entity=EntityFactory(name=f"Jinlong Logistics {i} Co., Ltd."))
    publish(entity=EntityFactory(name="Qqqqq Zzzzz"))
    hits = _hits(["Jinlong Logistics"], candidates=3)
    assert len(hits) == 3 and all(score >= 0.3 for _i, _t, score in hits)
    assert _hits(["Jinlong Logistics"], candidates=5, threshold=0.99) == []


def test_a_name_of_only_punctuation_or_empty_is_skipped(publish):
    publish(entity=EntityFactory(name="ACME Trading Co., Ltd."))
    assert _hits(["", "..."]) == []


def test_minors_and_listings_not_shown_are_never_candidates(publish, clock):
    minor = publish(entity=EntityFactory(name="Tianyu Textile Co., Ltd."))
    ended = publish(entity=EntityFactory(name="Tianyu Textile Group"))
    unlisted = publish(entity=EntityFactory(name="Tianyu Textiles"))
    shown = publish(entity=EntityFactory(name="Tianyu Textile Partnership"))
    Listing.objects.filter(pk=minor.pk).update(minor=True)
    Listing.objects.filter(pk=ended.pk).update(ended_on=clock.today)
    Listing.objects.filter(pk=unlisted.pk).update(listed=False)
    tokens = {token for _i, token, _s in _hits(["Tianyu Textile", "TIANYU TEXTILES"])}
    assert tokens == {shown.token}


def test_keys_are_stored_for_listings_written_before_the_column(publish):
    for i in range(3):
        publish(entity=EntityFactory(name=f"Ruifeng Chemical {i} Co., Ltd."))
    Listing.objects.update(screening_key=None)  # as migration 0007 added the column
    assert listings_screening_keys_store(chunk_size=2) == 3
    assert sorted(Listing.objects.values_list("screening_key", flat=True)) == [
        "RUIFENG CHEMICAL 0", "RUIFENG CHEMICAL 1", "RUIFENG CHEMICAL 2"
    ]  # fmt: skip
    assert listings_screening_keys_store() == 0  # only the keys that differ are rewritten


def test_rebuild_register_screening_keys(publish, capsys):
    listing = publish(entity=EntityFactory(name="Mingtai Media Co., Ltd."))
    before = Listing.objects.get(pk=listing.pk)
    Listing.objects.update(screening_key="STALE")
    call_command("rebuild_register", "--screening-keys")
    after = Listing.objects.get(pk=listing.pk)
    assert after.screening_key == "MINGTAI MEDIA" and after.updated_at == before.updated_at
    assert "1 screening key(s) stored" in capsys.readouterr().out


def test_a_refresh_rewrites_the_key_with_the_name(publish):
    listing = publish(entity=EntityFactory(name="Yongli Equipment Co., Ltd."))
    Listing.objects.filter(pk=listing.pk).update(screening_key="")
    listings_refresh(publication_ids=[listing.publication_id])
    assert Listing.objects.get(pk=listing.pk).screening_key == "YONGLI EQUIPMENT"
