"""manage.py check_evidence_files: what the restore drill runs on the restored database and evidence directory."""

from io import StringIO

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts import roles
from cases.models import Evidence
from cases.services.evidence import evidence_add
from tests.cases.test_evidence import PDF, upload
from tests.factories import CaseFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence_dir(settings, tmp_path, monkeypatch):
    """Evidence storage in a temporary directory (as tests/cases/test_evidence.py explains)."""
    location = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    monkeypatch.setattr(Evidence._meta.get_field("file"), "storage", storages["evidence"])
    return location


@pytest.fixture
def caseworker(db):
    return UserFactory(role=roles.CASEWORKER, is_staff=True, department=DepartmentFactory())


@pytest.fixture
def case(caseworker):
    return CaseFactory(department=caseworker.department, caseworker=caseworker)


def _run():
    out, err = StringIO(), StringIO()
    call_command("check_evidence_files", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_files_with_their_recorded_hash_pass(evidence_dir, case, caseworker):
    evidence_add(case=case, actor=caseworker, uploaded_file=upload("decision.pdf", PDF))
    out, _ = _run()
    assert "Evidence files checked: 1, problems: 0" in out


def test_a_changed_file_and_a_missing_file_fail_naming_each_row(evidence_dir, case, caseworker):
    changed = evidence_add(case=case, actor=caseworker, uploaded_file=upload("a.pdf", PDF))
    missing = evidence_add(case=case, actor=caseworker, uploaded_file=upload("b.pdf", PDF + b"\n% second"))
    (evidence_dir / changed.file.name).write_bytes(PDF + b"tampered")
    (evidence_dir / missing.file.name).unlink()
    with pytest.raises(CommandError, match="2 evidence file"):
        _run()
