"""The pages the benchmark times, each as app / naive / floor callables (see ``bench/run.py``)."""

import os
import platform
from html import escape

from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.permissions import _many_grants
from cases.models import Case
from cases.workflow import State
from demo import datagen
from entities.models import Entity

from . import api as api_bench
from . import imports as import_bench
from .naive import naive_site


def machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
            "postgresql": pg, "processor": platform.processor() or platform.machine()}  # fmt: skip


def _client(client_class, user):
    client = client_class(headers={"Accept-Language": "en"})
    client.force_login(user)
    if user.is_staff:
        # Staff sign in with a second factor in production: mark this session verified, as a TOTP code would.
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _get(client, url, status=200):
    def fn():
        response = client.get(url)
        if response.status_code != status:
            raise AssertionError(f"{url}: {response.status_code}")
        return response

    return fn


def _sql(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _html(rows) -> str:
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<html><body><table>{body}</table></body></html>"


def _perm(codename) -> int:
    return Permission.objects.get(content_type__app_label="cases", codename=codename).pk


# The scoped list as hand-written SQL: one EXISTS per grant table, walked in the list's order.
# The scope, in the two forms accounts.permissions.granted_cases chooses between: EXISTS (PostgreSQL may hash
# the grants) for users with few grants, scalar probes (never hashed) for users the planner expects to hold many.
_SCOPE = {
    False: """(EXISTS (SELECT 1 FROM cases_caseuserobjectpermission u
              WHERE u.content_object_id = c.id AND u.user_id = %s AND u.permission_id = %s)
     OR EXISTS (SELECT 1 FROM cases_casegroupobjectpermission g
              WHERE g.content_object_id = c.id AND g.permission_id = %s AND g.group_id = ANY(%s)))""",
    True: """((SELECT 1 FROM cases_caseuserobjectpermission u
              WHERE u.content_object_id = c.id AND u.user_id = %s AND u.permission_id = %s LIMIT 1) IS NOT NULL
     OR (SELECT 1 FROM cases_casegroupobjectpermission g
              WHERE g.content_object_id = c.id AND g.permission_id = %s AND g.group_id = ANY(%s)
              LIMIT 1) IS NOT NULL)""",
}
LIST_SQL = """
SELECT c.id, c.number, e.name, ci.code, c.severity, c.state, c.created_at
FROM cases_case c JOIN entities_entity e ON e.id = c.entity_id
LEFT JOIN cases_catalogueitem ci ON ci.id = c.catalogue_item_id
WHERE {scope}
ORDER BY c.created_at DESC, c.id DESC LIMIT %s
"""
_QUEUE_PART = """
(SELECT c.id, c.number, e.name, c.state, c.submitted_at, c.{due} AS due_on
 FROM cases_case c JOIN entities_entity e ON e.id = c.entity_id
 WHERE c.state = '{state}' AND {scope}
 ORDER BY c.{due} NULLS FIRST, c.submitted_at, c.id LIMIT 200)
"""
# The review queue: each waiting state walked in its partial index's order, merged
# (as cases.selectors.queues.review_queue).
QUEUE_SQL = (
    _QUEUE_PART.format(state="submitted", due="review_due_on", scope="{scope}")
    + " UNION ALL "
    + _QUEUE_PART.format(state="decision_pending", due="decision_due_on", scope="{scope}")
    + " ORDER BY due_on NULLS FIRST, submitted_at, id LIMIT 200"
)
ENTITY_SQL = """
SELECT id, name, kind, uscc, id_number_masked, region_code, created_at FROM entities_entity
WHERE UPPER(name) LIKE UPPER(%s) ORDER BY name, id LIMIT 100
"""
PORTAL_SQL = """
SELECT c.id, c.number, c.state, c.notice_served_at, c.statement_window_ends_on, c.record_ends_on
FROM cases_case c JOIN entities_representative r ON r.entity_id = c.entity_id
WHERE r.user_id = %s AND r.verified_at IS NOT NULL AND r.valid_from <= CURRENT_DATE
  AND (r.valid_to IS NULL OR r.valid_to >= CURRENT_DATE) AND c.state NOT IN ('draft', 'submitted', 'rejected')
ORDER BY c.notice_served_at DESC, c.id DESC
LIMIT 20
"""


def _groups(user) -> list[int]:
    return list(user.groups.values_list("pk", flat=True))


def _scope_sql(user, codename) -> str:
    """The scope in the form the policy chooses for this user (``_many_grants``: the planner's estimate)."""
    return _SCOPE[_many_grants(user, _groups(user), _perm(codename), "default")]


def _list_floor(user, rows):
    params = [user.pk, _perm("view_case"), _perm("view_case"), _groups(user), rows]
    sql = LIST_SQL.format(scope=_scope_sql(user, "view_case"))
    return lambda: _html(_sql(sql, params))


def _changelist(admin_instance, client, url, rows):
    def fn():
        admin_instance.list_per_page = rows
        response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"{url}: {response.status_code}")

    return fn


def _change_floor(case_id):
    def fn():
        parts = [
            _sql(
                "SELECT c.*, e.name FROM cases_case c JOIN entities_entity e ON e.id = c.entity_id WHERE c.id = %s",
                [case_id],
            ),
            _sql("SELECT * FROM cases_legaldocument WHERE case_id = %s", [case_id]),
            _sql(
                "SELECT s.*, m.code FROM cases_sanction s JOIN cases_measuretype m ON m.id = s.measure_type_id "
                "WHERE s.case_id = %s ORDER BY s.id",
                [case_id],
            ),
            _sql("SELECT * FROM cases_decision WHERE case_id = %s ORDER BY decided_at", [case_id]),
            _sql("SELECT * FROM cases_notice WHERE case_id = %s ORDER BY served_at", [case_id]),
        ]
        return "".join(_html(rows) for rows in parts)

    return fn


def scenarios(seed, client_class):
    names = datagen.special_usernames(seed)
    users = {key: User.objects.get(username=name) for key, name in names.items()}
    clients = {key: _client(client_class, user) for key, user in users.items() if key != "admin"}
    app_case_admin = admin.site._registry[Case]
    naive_case_admin = naive_site._registry[Case]
    out = []
    for who in ("light", "heavy"):
        user, client = users[who], clients[who]
        for rows in (25, 100):
            out.append({
                "page": f"case changelist {rows}", "user": who,
                "variants": {
                    "app": _changelist(app_case_admin, client, "/admin/cases/case/", rows),
                    "naive": _changelist(naive_case_admin, client, "/naive-admin/cases/case/", rows),
                    "floor": _list_floor(user, rows),
                },
            })  # fmt: skip
        case = Case.objects.filter(department=user.department, state=State.SANCTIONED).order_by("-created_at").first()
        out.append({
            "page": "case change page", "user": who,
            "variants": {
                "app": _get(client, f"/admin/cases/case/{case.pk}/change/"),
                "naive": _get(client, f"/naive-admin/cases/case/{case.pk}/change/"),
                "floor": _change_floor(case.pk),
            },
        })  # fmt: skip
    # Entity search: a selective term (a rare name part) and an unselective one (a common word).
    light = clients["light"]
    sample = Entity.objects.filter(kind=Entity.Kind.LEGAL_PERSON).order_by("pk")[7]
    for label, term in (("selective", sample.name.split()[2]), ("common", "Trading")):
        response = light.post("/admin/entities/entity/search/", {"q": term})
        out.append({
            "page": f"entity search {label}", "user": "light",
            "variants": {
                "app": _get(light, response["Location"]),
                "naive": _get(light, f"/naive-admin/entities/entity/?q={term}"),
                "floor": (lambda term=term: _html(_sql(ENTITY_SQL, [f"%{term}%"]))),
            },
        })  # fmt: skip
    supervisor = users["supervisor"]
    out.append({
        "page": "review queue", "user": "supervisor",
        "variants": {
            "app": _get(clients["supervisor"], "/admin/cases/case/queue/"),
            "naive": _get(clients["supervisor"], "/naive-admin/cases/case/queue/"),
            "floor": lambda: _html(_sql(QUEUE_SQL.format(scope=_scope_sql(supervisor, "review_case")),
                                        2 * [supervisor.pk, _perm("review_case"), _perm("review_case"),
                                             _groups(supervisor)])),
        },
    })  # fmt: skip
    for who in ("rep_light", "rep_heavy"):
        rep = users[who]
        out.append({
            "page": "portal records", "user": who,
            "variants": {"app": _get(clients[who], "/portal/"),
                         "floor": (lambda rep=rep: _html(_sql(PORTAL_SQL, [rep.pk])))},
        })  # fmt: skip
    out.append(_approve(supervisor, clients["supervisor"]))
    out.extend(import_bench.scenarios(users))
    out += api_bench.scenarios(seed, client_class)
    return out


def _approve(supervisor, client):
    """One approval per call, each on a fresh submitted case of the supervisor's department."""
    pending = list(
        Case.objects.filter(department=supervisor.department, state=State.SUBMITTED)
        .exclude(submitted_by=supervisor)
        .order_by("pk")
        .values_list("pk", "version")[:400]
    )
    commits = {"n": 0, "calls": 0}
    original = connection._commit

    def counting_commit():
        commits["n"] += 1
        return original()

    def app():
        pk, version = pending.pop()
        connection._commit = counting_commit
        try:
            response = client.post(f"/admin/cases/case/{pk}/act/approve/", {"version": version, "reasons": ""})
        finally:
            connection._commit = original
        commits["calls"] += 1
        if response.status_code != 302:
            raise AssertionError(f"approve {pk}: {response.status_code}")

    def floor():
        pk, version = pending.pop()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE cases_case SET state = 'notice_issued', version = version + 1, approved_by_id = %s "
                    "WHERE id = %s AND version = %s",
                    [supervisor.pk, pk, version],
                )
                cursor.execute(
                    "INSERT INTO cases_decision (case_id, outcome, reasons, decided_by_id, submitter_id, decided_at, "
                    "case_version) SELECT id, 'approve', '', %s, submitted_by_id, now(), version FROM cases_case "
                    "WHERE id = %s",
                    [supervisor.pk, pk],
                )

    return {
        "page": "approve (write)", "user": "supervisor",
        "variants": {"app": app, "floor": floor},
        "commits": lambda: round(commits["n"] / max(commits["calls"], 1), 2),
    }  # fmt: skip
