"""Demo data for a local portal: departments, one account per role, entities with valid identifiers.

Idempotent: running it again changes nothing except resetting the demo passwords and second factors.
Refuses to run with DEBUG off unless --force, so it cannot plant known passwords in production by accident.

Every staff account gets a confirmed TOTP device with the fixed secret below (also in README.md), so a
tester can add it to an authenticator app and sign in with ``REQUIRE_STAFF_2FA`` on.
"""

import base64
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from accounts.models import Department, User
from accounts.services import user_sync_department_groups
from audit.history import attribute
from cases import services
from cases.models import Case, CatalogueItem, Filing, LegalDocument, MeasureType, Severity
from cases.services import appeals, filings
from cases.workflow import State
from entities.models import Entity, EntityRelation, Representative
from entities.services import entity_find_by_identifier, entity_register, relation_add, representative_add

SYSTEM_ACTOR = "admin"

DEPARTMENTS = [
    {"code": "TAX", "name": "Municipal Tax Bureau 市税务局", "region_code": "110105"},
    {"code": "MKT", "name": "Market Regulation Bureau 市场监督管理局", "region_code": "110105"},
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str | None
    department: str | None
    description: str
    first_name: str = ""
    last_name: str = ""


ACCOUNTS = [
    DemoAccount("admin", None, None, "superuser: everything, including system settings"),
    DemoAccount("cw_tax", roles.CASEWORKER, "TAX", "caseworker, tax bureau: registers entities, logs cases"),
    DemoAccount("sup_tax", roles.SUPERVISOR, "TAX", "supervisor, tax bureau: reviews, reveals identifiers"),
    DemoAccount("cw_market", roles.CASEWORKER, "MKT", "caseworker, market regulation bureau"),
    DemoAccount("sup_market", roles.SUPERVISOR, "MKT", "supervisor, market regulation bureau"),
    DemoAccount("reviewer", roles.APPEALS_REVIEWER, None, "appeals reviewer: objections, appeals, repair"),
    DemoAccount("reviewer2", roles.APPEALS_REVIEWER, None, "second appeals reviewer: confirms corrections"),
    DemoAccount("auditor", roles.AUDITOR, None, "auditor: reads everything incl. access log, changes nothing"),
    DemoAccount("rep_acme", roles.ENTITY_REPRESENTATIVE, None, "representative of ACME Trading (legal person)"),
    DemoAccount("rep_wang", roles.ENTITY_REPRESENTATIVE, None, "Wang Wei, a natural person acting for themself"),
]

# Demo second factors (base32, as authenticator apps take them). Public on purpose: demo accounts only.
DEMO_TOTP_SECRETS = {
    "admin": "MV6EDUDCEY7VKFEFM2KJMKRXNVCRAUPI",
    "cw_tax": "VKRWPMRYE45SDQNJJKDTUHJKI3SMXIU3",
    "sup_tax": "4EMNOQOSTMYYFLWIMFVSXCDS55YR3V25",
    "cw_market": "L4HISQ5JMPDXHGLQXJJS4GSV3DWFTJ4C",
    "sup_market": "LQQZBGFIXMEX56A75KZMPO66UPBLW2VT",
    "reviewer": "SK3ZE3MHKJ7MTHWYT4WGKIQLOLXIRUFB",
    "reviewer2": "4BWDK6D6IL3JQ4YBUPTPYLQFZCR4JHRC",
    "auditor": "WC7YBPRS2QD2LDOKFJZE6OVEMQ6CJU4F",
}
DEMO_TOTP_DEVICE_NAME = "demo authenticator"

# Synthetic identifiers with valid check characters (GB 32100-2015 / GB 11643-1999); nobody real.
ENTITIES = [
    {
        "key": "acme",
        "kind": Entity.Kind.LEGAL_PERSON,
        "name": "艾克米贸易有限公司 ACME Trading Co., Ltd.",
        "identifier": "91110105MA01ACME0B",
    },
    {
        "key": "huaxin",
        "kind": Entity.Kind.LEGAL_PERSON,
        "name": "华信食品有限公司 Huaxin Foods Co., Ltd.",
        "identifier": "91310115MA1HXF00AR",
    },
    {"key": "wang", "kind": Entity.Kind.NATURAL_PERSON, "name": "王伟 Wang Wei", "identifier": "110105198503121234"},
    {"key": "li", "kind": Entity.Kind.NATURAL_PERSON, "name": "李明 Li Ming", "identifier": "440305197809024317"},
]


# Where a demo case ends up → the steps that take a new draft there; and which demo entity each case is against.
_DECIDED = ["submit", "approve", "statement", "sanction"]
DEMO_STEPS = {
    State.DRAFT: [],
    State.SUBMITTED: ["submit"],
    State.REJECTED: ["submit", "reject"],
    State.NOTICE_ISSUED: ["submit", "approve"],
    State.DECISION_PENDING: ["submit", "approve", "statement"],
    State.SANCTIONED: _DECIDED,
    State.DISMISSED: ["submit", "approve", "statement", "dismiss"],
    # The appeals reviewer's queues (issue 7): one objection, one appeal, one repair application waiting ...
    "objection_pending": [*_DECIDED, "object"],
    "appeal_pending": [*_DECIDED, "appeal"],
    "repair_pending": [*_DECIDED, "apply_repair"],
    # ... and the two end states only a reviewer reaches.
    State.REVOKED: [*_DECIDED, "object", "revoke"],
    State.REPAIRED: [*_DECIDED, "apply_repair", "grant_repair"],
}
# Credit repair is possible at once for the minor tier (NDRC Order 36: as soon as the legal duty is performed).
DEMO_MINOR = {"repair_pending", State.REPAIRED}
# The proportionality table allows minor conduct measures of at most 3 months (cases/data/README.md).
DEMO_MINOR_MAX_MONTHS = 3
DEMO_CASE_STATES = [
    (State.DRAFT, "acme"),
    (State.SUBMITTED, "acme"),
    (State.NOTICE_ISSUED, "wang"),  # so each demo representative has a statement window open in the portal
    (State.REJECTED, "wang"),
    (State.NOTICE_ISSUED, "acme"),
    (State.DECISION_PENDING, "wang"),
    (State.DECISION_PENDING, "acme"),
    (State.SANCTIONED, "acme"),
    (State.SANCTIONED, "wang"),
    (State.DISMISSED, "wang"),
    ("objection_pending", "wang"),
    ("appeal_pending", "acme"),
    ("repair_pending", "acme"),
    (State.REVOKED, "wang"),
    (State.REPAIRED, "acme"),
]
# Department → (organisation, natural person) → (catalogue item, [(measure, months)]).
DEMO_CONDUCT = {
    "TAX": {
        False: ("tax_major_violation", [("public_disclosure", 36), ("tax_credit_grade_d", None)]),
        True: ("tax_evasion_penalty", [("public_disclosure", 12)]),
    },
    "MKT": {
        False: ("false_advertising", [("public_disclosure", 12), ("no_commitment_fast_track", None)]),
        True: ("samr_admin_penalty", [("public_disclosure", 6)]),
    },
}
DEMO_FACTS = {
    "TAX": "Under-declared VAT of RMB 1.6 million for 2025 (12% of the tax due), established by inspection.",
    "MKT": "Advertised a food supplement as curing diabetes on its website and in leaflets, March to May 2026.",
}


class Command(BaseCommand):
    help = "Create demo departments, accounts (one per role) and entities. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo", help="password for every demo account (default: demo)")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off (never in production)")
        parser.add_argument(
            "--address",
            default="127.0.0.1:8000",
            help="host:port the portal is served on, printed with the accounts (make run passes its HOST)",
        )

    def handle(self, *args, password, force, address="127.0.0.1:8000", **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to create demo accounts with DEBUG off; use --force only on a test system.")
        with transaction.atomic():
            departments = self._departments()
            users = self._accounts(password, departments)
            devices = self._second_factors(users)
            entities = self._entities(users[SYSTEM_ACTOR])
            self._relations(users, entities)
            created = self._cases(users, entities)
        if created:
            self.stdout.write(f"Created {created} demo cases.")
        self._print_accounts(password, devices, address)

    def _departments(self):
        departments = {}
        for data in DEPARTMENTS:
            department = Department.objects.filter(code=data["code"]).first()
            if department is None:
                department = attribute(Department(**data), actor=None, reason="demo data")
                department.save()
            departments[data["code"]] = department
        return departments

    def _accounts(self, password, departments):
        users = {}
        for account in ACCOUNTS:
            user = User.objects.filter(username=account.username).first() or User(username=account.username)
            is_new = user.pk is None
            user.is_superuser = account.username == "admin"
            user.is_staff = account.role != roles.ENTITY_REPRESENTATIVE
            user.department = departments[account.department] if account.department else None
            user.email = f"{account.username}@demo.invalid"
            if is_new or not user.check_password(password):
                user.set_password(password)
            attribute(user, actor=None, reason="demo data")
            user.save()
            if account.role:
                user.groups.set([Group.objects.get(name=account.role)])
            user_sync_department_groups(user)
            users[account.username] = user
        return users

    def _second_factors(self, users) -> dict[str, TOTPDevice]:
        """A confirmed TOTP device with the documented secret for every staff account; unchanged on a rerun."""
        devices = {}
        for username, secret in DEMO_TOTP_SECRETS.items():
            key = base64.b32decode(secret).hex()
            device = TOTPDevice.objects.filter(user=users[username], name=DEMO_TOTP_DEVICE_NAME).first()
            if device is None:
                device = TOTPDevice(user=users[username], name=DEMO_TOTP_DEVICE_NAME)
            if device.pk is None or device.key != key or not device.confirmed:
                device.key, device.confirmed, device.last_t = key, True, -1
                device.save()
            devices[username] = device
        return devices

    def _entities(self, actor):
        entities = {}
        for data in ENTITIES:
            entity = entity_find_by_identifier(data["identifier"]) or entity_register(
                actor=actor, kind=data["kind"], name=data["name"], identifier=data["identifier"]
            )
            entities[data["key"]] = entity
        return entities

    def _relations(self, users, entities):
        actor = users[SYSTEM_ACTOR]
        if not EntityRelation.objects.filter(organisation=entities["acme"], person=entities["li"]).exists():
            relation_add(
                actor=actor,
                organisation=entities["acme"],
                person=entities["li"],
                role=EntityRelation.Role.LEGAL_REPRESENTATIVE,
            )
        for username, key, relationship in [
            ("rep_acme", "acme", Representative.Relationship.LEGAL_REPRESENTATIVE),
            ("rep_wang", "wang", Representative.Relationship.SELF),
        ]:
            if not Representative.objects.filter(user=users[username], entity=entities[key]).exists():
                representative_add(actor=actor, user=users[username], entity=entities[key], relationship=relationship)

    def _cases(self, users, entities) -> int:
        """Cases in every state the workflow reaches so far, in both departments, against both demo entities.

        Written through the services, as caseworkers and supervisors would. Skipped for a department
        that already has cases, so a second run adds nothing.
        """
        created = 0
        for code, (caseworker, supervisor) in {
            "TAX": ("cw_tax", "sup_tax"),
            "MKT": ("cw_market", "sup_market"),
        }.items():
            if Case.objects.filter(department__code=code).exists():
                continue
            for n, (target, entity_key) in enumerate(DEMO_CASE_STATES):
                self._case(code, n, target, users, users[caseworker], users[supervisor], entities[entity_key])
                created += 1
        return created

    def _case(self, code, n, target, users, caseworker, supervisor, entity):
        conduct, measures = DEMO_CONDUCT[code][entity.kind == Entity.Kind.NATURAL_PERSON]
        case = services.case_create(
            actor=caseworker,
            entity=entity,
            facts=DEMO_FACTS[code],
            catalogue_item=CatalogueItem.objects.get(code=conduct),
            severity=Severity.MINOR if target in DEMO_MINOR else "",
        )
        representative = users["rep_acme" if entity.kind != Entity.Kind.NATURAL_PERSON else "rep_wang"]
        services.legal_document_set(
            case=case,
            actor=caseworker,
            type=LegalDocument.Type.PENALTY_DECISION,
            number=f"{code}罚〔2026〕{100 + n}号",
            issuer={d["code"]: d["name"] for d in DEPARTMENTS}[code],
            issued_on=timezone.localdate() - datetime.timedelta(days=30 + n),
        )
        for measure_code, months in measures:
            if target in DEMO_MINOR and months:
                months = min(months, DEMO_MINOR_MAX_MONTHS)
            services.measure_propose(
                case=case, actor=caseworker, measure_type=MeasureType.objects.get(code=measure_code),
                duration_months=months,
            )  # fmt: skip
        steps = DEMO_STEPS[target]
        filing = None
        for step in steps:
            if step == "submit":
                case = services.case_submit(case=case, actor=caseworker)
            elif step == "approve":
                case = services.case_approve(case=case, actor=supervisor, reasons="Facts and legal basis verified.")
            elif step == "reject":
                case = services.case_reject(case=case, actor=supervisor, reasons="The penalty decision was revoked.")
            elif step == "statement":
                case = services.case_record_statement(
                    case=case, actor=caseworker, text="The entity states it has paid the amount due."
                )
            elif step == "sanction":
                case = services.case_sanction(case=case, actor=supervisor, reasons="Facts established after hearing.")
            elif step == "dismiss":
                case = services.case_dismiss(case=case, actor=supervisor, reasons="Corrected before the decision.")
            else:
                filing = self._filing_step(step, case, representative, users["reviewer"], filing)
        return case

    @staticmethod
    def _filing_step(step, case, representative, reviewer, filing=None):
        """What the entity files through the portal, and the appeals reviewer's decision on it."""
        if step == "object":
            return filings.filing_objection_file(
                case=case, actor=representative,
                text="The amount recorded is wrong: the tax was paid in full on the due date (bank receipt attached).",
            )  # fmt: skip
        if step == "appeal":
            return filings.filing_appeal_file(
                case=case, actor=representative, text="The measure is disproportionate to a first, corrected breach."
            )
        if step == "apply_repair":
            return filings.filing_repair_apply(
                case=case, actor=representative,
                commitment="We have paid the tax and the fine in full and undertake to comply with the law.",
            )  # fmt: skip
        if step == "revoke":
            return appeals.filing_decide(
                filing=filing, actor=reviewer, outcome=Filing.Outcome.REVOKED,
                reasons="The bank's certificate shows the tax was paid on time; the finding is revoked.",
            )  # fmt: skip
        if step == "grant_repair":
            return appeals.filing_decide(
                filing=filing, actor=reviewer, outcome=Filing.Outcome.REPAIRED,
                reasons="The obligations are fulfilled and the commitment is signed.",
            )  # fmt: skip
        raise ValueError(step)

    def _print_accounts(self, password, devices, address):
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Accounts (password: {password}):"))
        for account in ACCOUNTS:
            self.stdout.write(f"  {account.username:<11} {account.description}")
            if account.username in devices:
                self.stdout.write(f"              TOTP secret {DEMO_TOTP_SECRETS[account.username]}")
                self.stdout.write(f"              {devices[account.username].config_url}")
        base = address if "://" in address else f"http://{address}"
        self.stdout.write(f"Staff sign in at {base}/admin/ (entity portal: {base}/portal/)")
        if settings.REQUIRE_STAFF_2FA:
            self.stdout.write("Two-factor sign-in is on: add the secret (or the otpauth URI) to an authenticator app.")
        else:
            self.stdout.write("Two-factor sign-in is off (REQUIRE_STAFF_2FA=0); set REQUIRE_STAFF_2FA=1 to try it.")
