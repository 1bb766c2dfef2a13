"""A published case's timeline: the publication's masked snapshot is a JSON object (found by tests/e2e)."""

import pytest

from audit.timeline import case_timeline
from cases import services
from cases.models import Publication

pytestmark = pytest.mark.django_db


def test_timeline_of_a_published_case_shows_the_publication(make_draft, caseworker, supervisor):
    case = services.case_submit(case=make_draft(), actor=caseworker)
    case = services.case_approve(case=case, actor=supervisor)
    case = services.case_record_statement(case=case, actor=caseworker, text="No objection.")
    case = services.case_sanction(case=case, actor=supervisor, reasons="Established.")
    snapshot = Publication.objects.get(case=case).snapshot
    assert isinstance(snapshot, dict)  # the value the timeline used to look up among the field's choices

    events = case_timeline(case)

    published = [e for e in events if any(c.label.lower().startswith("published content") for c in e.changes)]
    assert published, [e.title for e in events]
