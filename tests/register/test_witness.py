"""The audit chain's witness in the public log (issue 18 §3): a rewritten, recomputed, re-sealed chain is caught."""

import base64
import io
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import chain, witness
from audit.models import ChainHead, ChainLink
from cases import services
from entities.services import entity_reveal_identifier
from register.log import verify_lines
from register.models import PublicationEvent
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(make_draft, caseworker, supervisor):
    """History rows and an access-log row naming a person, then a seal: one witness in the public log."""
    case = make_draft()
    services.case_submit(case=case, actor=caseworker)
    person = EntityFactory(person=True, name="Li Si")
    entity_reveal_identifier(entity=person, actor=supervisor, purpose="witness test")
    call_command("verify_audit", "--seal", stdout=io.StringIO())
    return case, person


@pytest.fixture
def copy(client, trail, tmp_path):
    """An outsider's download of the public log, taken after the seal."""
    body = b"".join(client.get(reverse("register:log_download")).streaming_content).decode()
    path = tmp_path / "register-log.jsonl"
    path.write_text(body, encoding="utf-8")
    return path


def _untriggered(sql, params=()):
    """Tamper as a database superuser would: past the append-only triggers on PostgreSQL."""
    import pgtrigger

    with pgtrigger.ignore(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rewrite_history(case):
    """Edit a history row, recompute its row hash and every later link, delete the seals, re-seal with SECRET_KEY.

    What someone holding the database and the web application's secrets can do: the chain and the (HMAC) seal are
    then self-consistent again, so only a witness can tell.
    """
    _untriggered("UPDATE cases_historicalcase SET facts = %s WHERE id = %s", ["rewritten", case.pk])
    model = next(m for m in chain.chained_models() if m._meta.db_table == "cases_historicalcase")
    first = None
    for pk in model.objects.filter(id=case.pk).values_list("pk", flat=True):
        link = ChainLink.objects.filter(table="cases_historicalcase", row_pk=str(pk)).order_by("-seq").first()
        _untriggered(
            "UPDATE audit_chainlink SET row_hash = %s WHERE seq = %s", [chain.row_content_hash(model, pk), link.seq]
        )
        first = link.seq if first is None else min(first, link.seq)
    prev = ChainLink.objects.filter(seq__lt=first).order_by("-seq").values_list("hash", flat=True).first()
    prev = prev or chain.GENESIS
    for link in ChainLink.objects.filter(seq__gte=first).order_by("seq"):
        new = chain.link_hash(
            prev_hash=prev, table=link.table, row_pk=link.row_pk, kind=link.kind, row_hash=link.row_hash, note=link.note
        )
        _untriggered("UPDATE audit_chainlink SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, new, link.seq])
        prev = new
    _untriggered("DELETE FROM audit_chainhead")
    head = ChainLink.objects.order_by("-seq").first()
    from django.core import signing

    signature = signing.Signer(salt=chain.SIGNING_SALT).sign(f"{head.seq}:{head.hash}")
    ChainHead.objects.create(seq=head.seq, hash=head.hash, signature=signature)


def test_a_seal_publishes_its_witness_with_digests_only(trail):
    """Snapshot of a witness: the link's number and hash, the seal time, the signature — nothing else."""
    _case, person = trail
    head = ChainHead.objects.get()
    entry = PublicationEvent.objects.get(event=PublicationEvent.Event.WITNESS)
    assert sorted(entry.witness) == ["format", "hash", "sealed_at", "seq", "signature"]
    assert entry.witness["format"] == "creditportal-audit-witness/1"
    assert (entry.witness["seq"], entry.witness["hash"]) == (head.seq, head.hash)
    assert entry.token == "" and entry.content_hash == chain.content_hash(entry.witness)
    text = json.dumps(entry.witness, ensure_ascii=False)
    assert "Li Si" not in text and person.name not in text and "witness test" not in text
    assert witness.witness_signature_valid(entry.witness, witness.public_key_b64())


def test_a_clean_chain_agrees_with_its_witnesses(copy, capsys):
    assert chain.verify() == []
    call_command("verify_audit", "--witness", str(copy))
    out = capsys.readouterr().out
    assert "intact" in out and "Consistent with 1 witness(es)" in out
    # The witness is chained in the public log like any entry: the copy verifies as a log too.
    assert verify_lines(copy.read_text(encoding="utf-8").splitlines()) == []


def test_a_rewritten_recomputed_and_resealed_chain_contradicts_the_witness(trail):
    case, _person = trail
    _rewrite_history(case)
    problems = chain.verify()
    # The chain, the rows and the new HMAC seal agree with each other: only the witness is contradicted.
    assert [p.table for p in problems] == ["audit_chainlink"]
    assert "rewritten" in problems[0].message and problems[0].seq == PublicationEvent.objects.get().witness["seq"]
    with pytest.raises(CommandError, match="audit_chainlink"):
        call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())


def test_deleting_the_published_witness_too_is_caught_by_an_outsiders_copy(trail, copy):
    case, _person = trail
    _rewrite_history(case)
    PublicationEvent.objects.filter(event=PublicationEvent.Event.WITNESS).delete()
    assert chain.verify() == []  # the database alone no longer tells
    err = io.StringIO()
    with pytest.raises(CommandError, match="audit_chainlink"):
        call_command("verify_audit", "--witness", str(copy), stdout=io.StringIO(), stderr=err)
    assert "rewritten" in err.getvalue()


def test_a_chain_cut_below_a_witnessed_head_is_reported(trail):
    last = ChainLink.objects.order_by("-seq").first()
    _untriggered("DELETE FROM audit_chainlink WHERE seq = %s", [last.seq])
    _untriggered(f"DELETE FROM {last.table} WHERE id = %s", [last.row_pk])
    _untriggered("DELETE FROM audit_chainhead")
    sealed_at = PublicationEvent.objects.get().witness["sealed_at"]
    assert [p.message for p in chain.verify()] == [f"the chain was cut below a head witnessed on {sealed_at}"]


def _other_key():
    key = Ed25519PrivateKey.generate()
    public = base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    return key, public


def test_a_forged_witness_is_detected(trail, copy, capsys):
    """Whoever holds the web application's keys cannot sign a witness for the rewritten chain."""
    case, _person = trail
    _rewrite_history(case)
    PublicationEvent.objects.filter(event=PublicationEvent.Event.WITNESS).delete()
    head = ChainLink.objects.order_by("-seq").first()
    key, _public = _other_key()
    forged = {"format": witness.FORMAT, "seq": head.seq, "hash": head.hash, "sealed_at": "2026-12-01T00:00:00+00:00"}
    forged["signature"] = base64.b64encode(key.sign(witness.payload(head.seq, head.hash, forged["sealed_at"]))).decode()
    from register.log import witness_append

    witness_append(forged)  # the attacker writes the log directly (the register's own key signs its head)
    problems = chain.verify()
    assert [p.message for p in problems] == ["the witness's signature is forged"]
    # Re-signing a genuine witness's statement is detected the same way, in a copy.
    lines = copy.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        record = json.loads(line)
        if "witness" in record:
            record["witness"]["hash"] = head.hash
            lines[number] = json.dumps(record)
    copy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    forged_in_copy = [p.message for p in chain.verify(witnesses=witness.witnesses_from_lines(lines))]
    assert forged_in_copy.count("the witness's signature is forged") == 2
    # ...and the copy itself no longer verifies as a log: the witness does not match its chained digest.
    assert "audit witness was edited" in str(verify_lines(lines)[0])


def test_a_witness_checked_under_another_key_fails(copy):
    _key, public = _other_key()
    problems = chain.verify(witnesses=witness.witnesses_from_lines(copy.read_text().splitlines()), witness_key=public)
    assert [p.message for p in problems] == ["the witness's signature is forged"]


def test_without_the_witness_key_the_seal_is_written_and_the_gap_is_reported(settings, make_draft):
    settings.AUDIT_WITNESS_SIGNING_KEY = ""
    make_draft()
    err = io.StringIO()
    call_command("verify_audit", "--seal", stdout=io.StringIO(), stderr=err)
    assert ChainHead.objects.count() == 1 and not PublicationEvent.objects.exists()
    assert "No witness published" in err.getvalue()


def test_witness_keys_are_checked(settings):
    settings.AUDIT_WITNESS_SIGNING_KEY = settings.REGISTER_LOG_SIGNING_KEY
    with pytest.raises(ImproperlyConfigured, match="differ"):
        witness.witness_sign(seq=1, hash_="0" * 64, sealed_at="2026-12-01T00:00:00+00:00")
    settings.AUDIT_WITNESS_SIGNING_KEY = base64.b64encode(b"k" * 32).decode()
    settings.AUDIT_WITNESS_PUBLIC_KEY = _other_key()[1]
    with pytest.raises(ImproperlyConfigured, match="does not match"):
        witness.witness_sign(seq=1, hash_="0" * 64, sealed_at="2026-12-01T00:00:00+00:00")
    settings.AUDIT_WITNESS_SIGNING_KEY = "not base64!"
    with pytest.raises(ImproperlyConfigured, match="base64"):
        witness.witness_sign(seq=1, hash_="0" * 64, sealed_at="2026-12-01T00:00:00+00:00")


def test_published_witnesses_without_a_public_key_are_reported(settings, trail):
    settings.AUDIT_WITNESS_SIGNING_KEY = ""
    settings.AUDIT_WITNESS_PUBLIC_KEY = ""
    assert [p.message for p in chain.verify()] == [
        "the published witnesses cannot be checked: no witness public key is configured"
    ]


def test_an_unreadable_witness_copy_is_a_clear_error(trail, tmp_path):
    with pytest.raises(CommandError, match="Cannot read the witness copy"):
        call_command("verify_audit", "--witness", str(tmp_path / "missing.jsonl"), stdout=io.StringIO())


def test_the_log_page_shows_the_witness_and_its_key(client, trail, django_assert_max_num_queries):
    # The count, the signed head, one page of entries (and the request's savepoint and its release).
    with django_assert_max_num_queries(5):
        page = client.get(reverse("register:log"), headers={"accept-language": "en"}).content.decode()
    head = ChainHead.objects.get()
    assert "audit seal witnessed" in page and f"audit chain link #{head.seq}" in page
    assert witness.public_key_b64() in page
    chinese = client.get(reverse("register:log"), headers={"accept-language": "zh-hans"}).content.decode()
    assert "审计链见证" in chinese and f"审计链节点 #{head.seq}" in chinese and "审计封存已见证" in chinese


def test_witnesses_are_read_in_pages(trail, make_draft):
    for _ in range(3):
        make_draft()
        call_command("verify_audit", "--seal", stdout=io.StringIO())
    with CaptureQueriesContext(connection) as queries:
        problems = witness.witness_check(witness.published_witnesses(), chunk_size=2)
    assert problems == []
    # 4 witnesses: 2 pages of the register's log read at a time of 2000, 2 chain lookups for chunks of 2.
    assert len([q for q in queries.captured_queries if "audit_chainlink" in q["sql"]]) == 2


def test_the_deploy_check_wants_the_witness_key_out_of_the_shared_environment(settings, monkeypatch):
    from audit.checks import witness_keys

    settings.DEBUG = False
    settings.AUDIT_WITNESS_PUBLIC_KEY = witness.public_key_b64()
    monkeypatch.delenv("AUDIT_WITNESS_SIGNING_KEY", raising=False)
    assert witness_keys() == []
    monkeypatch.setenv("AUDIT_WITNESS_SIGNING_KEY", settings.AUDIT_WITNESS_SIGNING_KEY)
    settings.AUDIT_WITNESS_PUBLIC_KEY = ""
    assert [message.id for message in witness_keys()] == ["audit.W001", "audit.W002"]


def test_the_seal_reads_its_key_from_a_systemd_credential(tmp_path, monkeypatch):
    from creditportal.settings import _credential

    (tmp_path / "audit-witness-key").write_text("a2V5\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    assert _credential("audit-witness-key") == "a2V5"
    monkeypatch.delenv("CREDENTIALS_DIRECTORY")
    assert _credential("audit-witness-key") == ""
