"""Writing drafts: create and edit a case, its legal document and its proposed measures."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import require, scope
from audit import chain
from audit.history import attribute, copy_to_history
from creditportal import bulk
from entities.models import Entity

from .. import proportionality
from ..models import Case, CatalogueItem, LegalDocument, MeasureType, Sanction
from ..workflow import EDITABLE_STATES
from .access import case_grant_defaults, cases_grant_defaults_many


def _require_model_permission(actor: User, codename: str) -> None:
    if not actor.has_perm(f"cases.{codename}"):
        raise PermissionDenied


def _next_number(department, year: int) -> str:
    """``TAX-2026-000123``: per department and year, gap-free (the counter row stays locked; :func:`_next_numbers`)."""
    return _next_numbers(department, year, 1)[0]


def _next_numbers(department, year: int, count: int) -> list[str]:
    """``count`` numbers in a row from the counter :func:`_next_number` uses, in one statement.

    An upsert that adds ``count`` to the department's and year's ``last`` (creating the row at ``count``) and
    returns the new value: the row is locked until the transaction ends, as ``select_for_update`` locks it for
    :func:`_next_number`, so both stay gap-free and never hand out a number twice.
    """
    # The same statement on PostgreSQL and SQLite (both read an upsert with RETURNING the same way).
    sql = (
        'INSERT INTO "cases_casenumbersequence" ("department_id", "year", "last") VALUES (%s, %s, %s) '
        'ON CONFLICT ("department_id", "year") DO UPDATE '
        'SET "last" = "cases_casenumbersequence"."last" + EXCLUDED."last" RETURNING "last"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [department.pk, year, count])
        end = cursor.fetchone()[0]
    return [f"{department.code}-{year}-{serial:06d}" for serial in range(end - count + 1, end + 1)]


def catalogue_item_problems(*, entity, catalogue_item: CatalogueItem | None) -> dict:
    """Why ``catalogue_item`` cannot be recorded against ``entity`` (field → message), or nothing."""
    if catalogue_item is None:
        return {}
    if not catalogue_item.is_active:
        return {"catalogue_item": _("This catalogue item is no longer in use.")}
    if entity is not None and entity.kind not in catalogue_item.applicable_kinds:
        return {
            "catalogue_item": _("This conduct cannot be recorded against a %(kind)s.")
            % {"kind": entity.get_kind_display()}
        }
    return {}


def measure_problems(
    *,
    case: Case,
    measure_type: MeasureType,
    duration_months: int | None,
    allowed: set[int] | None = None,
    rules=proportionality.UNREAD,
) -> dict:
    """Why ``measure_type`` cannot be proposed on ``case`` (field → message), or nothing (DESIGN §5 guards).

    ``allowed`` (the ids of the measures the case's catalogue item allows) and ``rules``
    (``proportionality.rules_for(case)``) let a caller checking several measures read those once.
    """
    problems = {}
    item = case.catalogue_item
    if not measure_type.is_active:
        problems["measure_type"] = _("This measure is no longer in use.")
    elif item is None:
        problems["measure_type"] = _("Choose the conduct (catalogue item) before proposing measures.")
    elif not (
        measure_type.pk in allowed if allowed is not None else measure_type.catalogue_items.filter(pk=item.pk).exists()
    ):
        problems["measure_type"] = _("The legal basis of “%(item)s” does not allow this measure.") % {"item": item}
    elif case.entity.kind not in measure_type.applicable_kinds:
        problems["measure_type"] = _("This measure cannot be imposed on a %(kind)s.") % {
            "kind": case.entity.get_kind_display()
        }
    elif measure_type.authority == MeasureType.Authority.COURT_ONLY and not item.court_only:
        problems["measure_type"] = _("Only a court can impose this measure; an agency can only record a court's.")
    elif measure_type.authority == MeasureType.Authority.INFORMATIONAL:
        problems["measure_type"] = _(
            "This measure is taken by others (banks, associations); an agency cannot impose it."
        )
    if measure_type.max_duration_months is not None:
        if duration_months is None:
            problems["duration_months"] = _("Enter a duration of at most %(max)s months.") % {
                "max": measure_type.max_duration_months
            }
        elif duration_months > measure_type.max_duration_months:
            problems["duration_months"] = _("The law allows at most %(max)s months for this measure.") % {
                "max": measure_type.max_duration_months
            }
    if duration_months == 0:
        problems["duration_months"] = _("A duration must be at least one month.")
    limits = proportionality.measure_problems(
        case=case, measure_type=measure_type, duration_months=duration_months, rules=rules
    )
    return {**limits, **problems}


def _require_draft(case: Case, actor: User) -> Case:
    require(actor, "change", case)  # 404 out of scope; 403 when visible but not a draft of the actor's department
    if case.state not in EDITABLE_STATES:  # the policy says so too; the service does not rely on it alone
        raise PermissionDenied(_("Only a draft can be changed."))
    return case


@transaction.atomic
def case_create(
    *,
    actor: User,
    entity,
    facts: str,
    catalogue_item: CatalogueItem | None = None,
    severity: str = "",
    internal_notes="",
) -> Case:
    """Open a draft case in the actor's department, numbered ``<DEPT>-<year>-<serial>``."""
    _require_model_permission(actor, "add_case")
    if actor.department_id is None:
        raise PermissionDenied(_("Only staff of a department can open cases."))
    require(actor, "view", entity)
    problems = catalogue_item_problems(entity=entity, catalogue_item=catalogue_item)
    if problems:
        raise ValidationError(problems)
    case = Case(
        number=_next_number(actor.department, timezone.localdate().year),
        department=actor.department,
        entity=entity,
        catalogue_item=catalogue_item,
        severity=severity or (catalogue_item.default_severity if catalogue_item else ""),
        facts=facts,
        internal_notes=internal_notes,
        caseworker=actor,
    )
    case.full_clean()
    attribute(case, actor=actor, reason="draft created")
    case.save()
    case_grant_defaults(case=case, actor=actor)
    return case


@dataclass(frozen=True)
class NewCase:
    """One draft to open with :func:`cases_create_many` (what :func:`case_create` takes besides the actor)."""

    entity: Entity | None
    facts: str
    catalogue_item: CatalogueItem | None = None
    severity: str = ""
    internal_notes: str = ""


# Checked once for the whole list (entity: by the policy's scope; catalogue item: one look-up), or the actor's own.
_FOREIGN_KEYS = ["department", "entity", "catalogue_item", "caseworker"]


def cases_create_many(*, actor: User, cases: list[NewCase]) -> tuple[list[Case], dict[int, ValidationError]]:
    """Open many drafts as :func:`case_create` opens each, in bulk (the bulk import, issue 25 §2).

    Every case gets the same checks in the same order — the actor's permission to add cases and department, the
    entity in the actor's view scope, the catalogue item's problems, the model's own validation — and is written
    as ``case_create`` writes it: numbered from the same counter (one statement for the whole list, the numbers
    contiguous in list order), a history row naming ``actor`` ("draft created", copied from the stored row by
    ``audit.history.copy_to_history``) chained like any other, and the
    same default grants with theirs (``cases_grant_defaults_many``). Nothing is written when any case is refused:
    the problems come back by position, each a ``ValidationError`` (an entity out of scope reads as not found, as
    the 404 of ``case_create``; a refused actor refuses every position), and the opened list is then empty.
    Counted on PostgreSQL: 24 statements for a list of 500, where ``case_create`` takes 95 a case.
    """
    if not actor.has_perm("cases.add_case"):
        return [], dict.fromkeys(range(len(cases)), ValidationError(_("You may not create this record."), "denied"))
    if actor.department_id is None:
        refused = ValidationError(_("Only staff of a department can open cases."), "no_department")
        return [], dict.fromkeys(range(len(cases)), refused)
    if not cases:
        return [], {}
    department = actor.department
    entity_ids = {new.entity.pk for new in cases if new.entity is not None and new.entity.pk is not None}
    in_scope = scope(Entity.objects.filter(pk__in=entity_ids), actor, "view")
    visible = set(in_scope.order_by().values_list("pk", flat=True)) if entity_ids else set()
    item_ids = {new.catalogue_item.pk for new in cases if new.catalogue_item is not None}
    items = set(CatalogueItem.objects.filter(pk__in=item_ids).order_by().values_list("pk", flat=True))
    problems: dict[int, ValidationError] = {}
    built: list[Case] = []
    for index, new in enumerate(cases):
        try:
            if new.entity is None or new.entity.pk not in visible:
                raise ValidationError(
                    {"entity": ValidationError(_("No entity with this identifier is registered."), "not_found")}
                )
            if new.catalogue_item is not None and new.catalogue_item.pk not in items:
                raise ValidationError(
                    {"catalogue_item": ValidationError(_("Unknown catalogue item code."), "invalid_choice")}
                )
            found = catalogue_item_problems(entity=new.entity, catalogue_item=new.catalogue_item)
            if found:
                raise ValidationError(found)
            case = Case(
                department=department,
                entity=new.entity,
                catalogue_item=new.catalogue_item,
                severity=new.severity or (new.catalogue_item.default_severity if new.catalogue_item else ""),
                facts=new.facts,
                internal_notes=new.internal_notes,
                caseworker=actor,
            )
            # The number is given below and unique by construction; a new draft meets the constraints (no approver,
            # no decider, state draft); the foreign keys were checked above for the whole list.
            case.full_clean(exclude=["number", *_FOREIGN_KEYS], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            problems[index] = error
        else:
            built.append(case)
    if problems:
        return [], problems
    with transaction.atomic():
        for case, number in zip(built, _next_numbers(department, timezone.localdate().year, len(built)), strict=True):
            case.number = number
        bulk.insert_objects(built, key="number")
        history = copy_to_history(
            Case, key="id", values=[case.pk for case in built], actor=actor, when=timezone.now(), reason="draft created"
        )
        chain.append_stored(Case.history.model, history)
        cases_grant_defaults_many(cases=built, actor=actor)
    return built, {}


@transaction.atomic
def case_update(
    *,
    case: Case,
    actor: User,
    facts: str,
    catalogue_item: CatalogueItem | None,
    severity: str,
    internal_notes: str = "",
) -> Case:
    """Edit a draft. Changing the conduct removes proposed measures it does not allow."""
    case = _require_draft(Case.objects.select_for_update().get(pk=case.pk), actor)
    problems = catalogue_item_problems(entity=case.entity, catalogue_item=catalogue_item)
    if problems:
        raise ValidationError(problems)
    case.facts, case.catalogue_item, case.severity, case.internal_notes = (
        facts,
        catalogue_item,
        severity,
        internal_notes,
    )
    case.full_clean()
    attribute(case, actor=actor, reason="draft edited")
    case.save()
    return case


@transaction.atomic
def legal_document_set(*, case: Case, actor: User, type: str, number: str, issuer: str, issued_on) -> LegalDocument:
    """Record (or correct) the document with legal effect the draft rests on."""
    _require_draft(case, actor)
    if Case.legal_document.is_cached(case):
        document = getattr(case, "legal_document", None)
    else:
        document = LegalDocument.objects.filter(case=case).first() or LegalDocument(case=case)
    document.type, document.number, document.issuer, document.issued_on = type, number, issuer, issued_on
    if issued_on and issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _("The document cannot be dated in the future.")})
    document.full_clean()
    attribute(document, actor=actor, reason="legal document recorded")
    document.save()
    return document


@transaction.atomic
def measure_propose(
    *, case: Case, actor: User, measure_type: MeasureType, duration_months: int | None = None
) -> Sanction:
    """Propose a measure on a draft; refused unless the catalogue item, subject kind and law allow it."""
    _require_draft(case, actor)
    problems = measure_problems(case=case, measure_type=measure_type, duration_months=duration_months)
    if problems:
        raise ValidationError(problems)
    if Sanction.objects.filter(case=case, measure_type=measure_type).exists():
        raise ValidationError({"measure_type": _("This measure is already proposed on this case.")})
    sanction = Sanction(case=case, measure_type=measure_type, duration_months=duration_months)
    attribute(sanction, actor=actor, reason="measure proposed")
    sanction.save()
    return sanction


@transaction.atomic
def measure_change(*, sanction: Sanction, actor: User, duration_months: int | None) -> Sanction:
    _require_draft(sanction.case, actor)
    problems = measure_problems(case=sanction.case, measure_type=sanction.measure_type, duration_months=duration_months)
    if problems:
        raise ValidationError(problems)
    sanction.duration_months = duration_months
    attribute(sanction, actor=actor, reason="proposed measure changed")
    sanction.save()
    return sanction


@transaction.atomic
def measure_withdraw(*, sanction: Sanction, actor: User) -> None:
    """Drop a proposed measure from a draft (the history keeps it)."""
    _require_draft(sanction.case, actor)
    if sanction.status != Sanction.Status.PROPOSED:
        raise ValidationError(_("Only a proposed measure can be removed."))
    attribute(sanction, actor=actor, reason="proposed measure removed")
    sanction.delete()


def submission_problems(case: Case) -> dict:
    """Everything that stops ``case`` from being submitted, keyed by field (empty when it may go)."""
    return submission_check(case)[0]


def submission_check(case: Case) -> tuple[dict, list[Sanction]]:
    """:func:`submission_problems`, and the case's measures it read (with their types) for a caller that needs them.

    The legal document comes from the case when its read joined it (the review services' locking read); the
    catalogue's allowed measures and the proportionality rules are read once for all the measures (issue 22).
    """
    problems = {}
    if case.catalogue_item is None:
        problems["catalogue_item"] = _("Choose the conduct (catalogue item) the case records.")
    else:
        problems.update(catalogue_item_problems(entity=case.entity, catalogue_item=case.catalogue_item))
    if not case.severity:
        problems["severity"] = _("Choose the severity.")
    if not (case.facts or "").strip():
        problems["facts"] = _("Describe the facts.")
    if Case.legal_document.is_cached(case):
        document = getattr(case, "legal_document", None)
    else:
        document = LegalDocument.objects.filter(case=case).first()
    if document is None:
        problems["legal_document"] = _("Record the legal document (penalty decision, judgment, ...) the case rests on.")
    elif case.catalogue_item and case.catalogue_item.court_only and document.type != LegalDocument.Type.COURT_JUDGMENT:
        problems["legal_document"] = _("Conduct recorded from a court's decision must rest on that court document.")
    sanctions = list(case.sanctions.select_related("measure_type"))
    if not sanctions:
        problems["sanctions"] = _("Propose at least one measure.")
    elif case.catalogue_item is not None:
        allowed = set(MeasureType.objects.filter(catalogue_items=case.catalogue_item).values_list("pk", flat=True))
        rules = proportionality.rules_for(case)
        for sanction in sanctions:
            measure = measure_problems(
                case=case,
                measure_type=sanction.measure_type,
                duration_months=sanction.duration_months,
                allowed=allowed,
                rules=rules,
            )
            if measure:
                problems["sanctions"] = _("“%(measure)s”: %(problem)s") % {
                    "measure": sanction.measure_type,
                    "problem": next(iter(measure.values())),
                }
                break
    return problems, sanctions
