"""The public publication log (issue 18): chained events, signed head, and a verifier that catches tampering."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.services import system_actor
from cases.services.lifecycle import publication_end
from register.log import public_key_b64, verify_lines
from register.models import PublicationEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_file(client, publish, clock, tmp_path):
    """A downloaded log with three entries: published, amended (a statement added), ended (repaired)."""
    listing = publish()
    publication = listing.publication
    publication.entity_statement = "Paid."
    publication.save()
    publication_end(publication, reason="repaired", on=clock.today, actor=system_actor(), why="repaired")
    body = b"".join(client.get(reverse("register:log_download")).streaming_content).decode()
    path = tmp_path / "register-log.jsonl"
    path.write_text(body, encoding="utf-8")
    return path


def _lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_publish_amend_and_end_are_logged_with_digests_only(log_file):
    assert list(PublicationEvent.objects.values_list("event", flat=True)) == ["publish", "amend", "end"]
    text = log_file.read_text(encoding="utf-8")
    assert "ACME" not in text and "Paid." not in text
    head = json.loads(_lines(log_file)[-1])
    assert head["head"]["seq"] == 3 and head["public_key"] == public_key_b64()


def test_an_intact_copy_verifies(log_file, capsys):
    call_command("verify_register_log", str(log_file), public_key=public_key_b64())
    assert "intact" in capsys.readouterr().out


def test_an_edited_entry_is_detected(log_file):
    lines = _lines(log_file)
    entry = json.loads(lines[0])
    entry["on"] = "2020-01-01"  # backdated
    lines[0] = json.dumps(entry)
    _write(log_file, lines)
    with pytest.raises(CommandError, match="not intact"):
        call_command("verify_register_log", str(log_file))
    assert "entry #1 was edited" in str(verify_lines(_lines(log_file))[0])


def test_a_removed_entry_is_detected(log_file):
    lines = _lines(log_file)
    del lines[1]
    _write(log_file, lines)
    problems = verify_lines(_lines(log_file))
    assert "entries #2 to #2 were removed" in str(problems[0])
    with pytest.raises(CommandError):
        call_command("verify_register_log", str(log_file))


def test_reordered_entries_are_detected(log_file):
    lines = _lines(log_file)
    lines[0], lines[1] = lines[1], lines[0]
    _write(log_file, lines)
    messages = " ".join(str(problem) for problem in verify_lines(_lines(log_file)))
    assert "out of order" in messages or "removed" in messages
    with pytest.raises(CommandError):
        call_command("verify_register_log", str(log_file))


def test_a_truncated_log_or_a_forged_head_is_detected(log_file):
    lines = _lines(log_file)
    assert "signed head is missing" in str(verify_lines(lines[:-1])[-1])
    assert "the signed head is entry #3" in str(verify_lines([*lines[:-2], lines[-1]])[-1])
    head = json.loads(lines[-1])
    head["head"]["seq"] = 2
    assert "signature is not valid" in str(verify_lines([*lines[:-2], json.dumps(head)])[-1])


def test_a_copy_signed_by_another_key_fails_against_the_registers_key(log_file):
    other = "A" * 43 + "="
    assert "signature is not valid" in str(verify_lines(_lines(log_file), public_key=other)[-1])


def test_the_log_page_lists_the_entries_and_the_key(client, log_file):
    page = client.get(reverse("register:log")).content.decode()
    assert public_key_b64() in page and "published" in page and "ended" in page


def test_an_unreadable_source_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("verify_register_log", str(tmp_path / "missing.jsonl"))
    with pytest.raises(CommandError, match="http"):
        call_command("verify_register_log", "ftp://example.org/log")
