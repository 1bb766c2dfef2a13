"""Fault drills with asserted outcomes (docs/operations.md, "Faults"): `make drills`, `make outage-drill`.

    .venv/bin/python deploy/drills.py web-kill      kill -9 of the gunicorn worker in the middle of an approval
    .venv/bin/python deploy/drills.py worker-kill   kill -9 of `db_worker` in the middle of sending an e-mail
    .venv/bin/python deploy/drills.py terminate     the app's PostgreSQL connections terminated under load
    .venv/bin/python deploy/drills.py outage        PostgreSQL stopped for 10 s under load

DATABASE_URL names a PostgreSQL database with the demo data (make demo). The drills start their own gunicorn
(DEBUG off, as production, with the demo's development keys) on DRILL_PORT (8163) and up, make the cases they
need through the services, and leave the database consistent (each ends with `verify_audit`). `outage` copies the
database into a scratch PostgreSQL cluster of its own (Debian's pg_createcluster, port DRILL_PG_PORT, 5440) and
stops and starts that one, never the shared server; the cluster is dropped afterwards. Each drill prints what it saw
and `DRILL <name>: PASS`, or FAIL with the broken expectations, and exits 1 on FAIL.
"""

import collections
import contextlib
import datetime
import os
import re
import signal
import socket
import subprocess  # nosec B404 - starts the servers under test
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
PY = os.environ.get("PY", str(ROOT / ".venv" / "bin" / "python"))
BIN = Path(PY).parent
PORT = int(os.environ.get("DRILL_PORT", "8163"))
PG_PORT = int(os.environ.get("DRILL_PG_PORT", "5440"))
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo")
ADVISORY_LOCK_KEY = 0x6175646974  # audit.chain.ADVISORY_LOCK_KEY: every approval appends to the chain under it
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')

sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditportal.settings")
# This process reads and prepares data with the ORM (development settings, the same development keys as the
# servers); its tasks go to the database queue, as the servers' do.
os.environ["DEBUG"] = "1"
os.environ["TASKS_BACKEND"] = "database"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    sys.exit("The drills need DATABASE_URL naming a PostgreSQL database with the demo data (make demo).")

import django
import django.db

django.setup()

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.services import system_actor
from cases.models import Case, Notification
from cases.services import notifications
from cases.workflow import State
from demo.management.commands import seed_demo
from entities.services import entity_find_by_identifier

RUNNING = []  # every server a drill started, stopped at exit whatever happened


class Drill:
    def __init__(self, name):
        self.name, self.problems, self.processes = name, [], RUNNING

    def expect(self, condition, what):
        print(f"  {'ok  ' if condition else 'FAIL'} {what}")
        if not condition:
            self.problems.append(what)

    def finish(self):
        for process in self.processes:
            stop(process)
        verdict = "PASS" if not self.problems else f"FAIL ({'; '.join(self.problems)})"
        print(f"DRILL {self.name}: {verdict}")
        return 0 if not self.problems else 1


def server_env(database_url=DATABASE_URL, **extra):
    """Production settings (DEBUG off) over plain HTTP on loopback, with the demo's development keys."""
    import creditportal.settings as s

    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "PLAIN_HTTP": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": s._DEV_SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": s._DEV_FIELD_ENCRYPTION_KEY,
        "FIELD_HASH_KEY": s._DEV_FIELD_HASH_KEY,
        "REGISTER_LOG_SIGNING_KEY": s._DEV_REGISTER_LOG_SIGNING_KEY,
        "EMAIL_URL": "consolemail://",
        "TASKS_BACKEND": "database",
        "REQUIRE_STAFF_2FA": "0",  # the drills sign in with passwords; the second factor is not what they test
        "REGISTER_RATE_LIMIT": "1000000",  # every request comes from 127.0.0.1
        **extra,
    }


def start_gunicorn(drill, port, workers=1, **env):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"something already listens on 127.0.0.1:{port}: stop it, or set DRILL_PORT")
    log = open(ROOT / "var" / f"drill-gunicorn-{port}.log", "w")
    process = subprocess.Popen(  # nosec B603 - fixed argument list
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "creditportal.wsgi"],
        env=server_env(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(workers), **env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    drill.processes.append(process)
    wait_healthy(port)
    return process


def wait_healthy(port, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the server on port {port} did not become healthy")


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_pids(master):
    return sorted(child.pid for child in psutil.Process(master.pid).children())


def sign_in(base, login_path, username):
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    form = session.get(base + login_path, timeout=30)
    response = session.post(
        base + login_path,
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": CSRF.search(form.text).group(1)},
        headers={"Referer": base + login_path},
        timeout=30,
    )
    if response.status_code != 200 or response.url.endswith("/login/"):
        raise RuntimeError(f"could not sign in as {username} (make demo sets the demo passwords)")
    return session


def transition_form(session, base, case, name):
    """The CSRF token and the form's version of a transition page."""
    page = session.get(f"{base}/admin/cases/case/{case.pk}/act/{name}/", timeout=30)
    page.raise_for_status()
    return {"csrfmiddlewaretoken": CSRF.search(page.text).group(1), "version": VERSION.search(page.text).group(1)}


def submitted_case(department="TAX"):
    """A new case of the demo's kind, submitted for review (so the drills never use up the demo's own cases)."""
    command = seed_demo.Command()
    usernames = [a.username for a in seed_demo.ACCOUNTS]
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    entity = next(entity_find_by_identifier(e["identifier"]) for e in seed_demo.ENTITIES if e["key"] == "acme")
    caseworker, supervisor = {"TAX": ("cw_tax", "sup_tax"), "MKT": ("cw_market", "sup_market")}[department]
    n = Case.objects.count()
    return command._case(department, n, State.SUBMITTED, users, users[caseworker], users[supervisor], entity)


def verify_audit(drill, database_url=DATABASE_URL):
    result = subprocess.run(  # nosec B603 - fixed argument list
        [PY, "manage.py", "verify_audit"], env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    drill.expect(result.returncode == 0, f"verify_audit passes: {(result.stdout + result.stderr).strip()[-200:]}")


def counts(case):
    from audit.models import ChainLink

    case.refresh_from_db()
    return {
        "state": case.state,
        "version": case.version,
        "case history rows": case.history.count(),
        "decisions": case.decisions.count() if hasattr(case, "decisions") else None,
        "notices": case.notices.count() if hasattr(case, "notices") else None,
        "chain links": ChainLink.objects.count(),
    }


def pg(url=DATABASE_URL):
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


# -- kill -9 of a web worker mid-approval -----------------------------------------------------------------------


def drill_web_kill():
    drill = Drill("web-kill")
    case = submitted_case()
    print(f"Case {case.pk} submitted; gunicorn with one worker on {PORT}; sup_tax approves it.")
    master = start_gunicorn(drill, PORT, workers=1, GUNICORN_TIMEOUT="120")
    base = f"http://127.0.0.1:{PORT}"
    supervisor = sign_in(base, "/admin/login/", "sup_tax")
    form = transition_form(supervisor, base, case, "approve")
    before = counts(case)

    # Hold the audit chain's lock: the approval writes its decision, case and history rows, then waits for the lock
    # to chain them. That is "mid-approval": rows written, nothing committed.
    holder = pg()
    holder.execute("BEGIN")
    holder.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
    outcome = {}

    def approve():
        try:
            outcome["response"] = supervisor.post(
                f"{base}/admin/cases/case/{case.pk}/act/approve/", data={**form, "reasons": "Drill: kill -9."},
                headers={"Referer": base}, timeout=60,
            )  # fmt: skip
        except requests.RequestException as error:
            outcome["error"] = error

    thread = threading.Thread(target=approve)
    thread.start()
    backend = None
    with pg() as watcher:
        for _ in range(100):
            backend = watcher.execute(
                "SELECT pid, backend_xid IS NOT NULL FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND datname = current_database()"
            ).fetchone()
            if backend:
                break
            time.sleep(0.1)
        drill.expect(backend is not None and backend[1], "the approval is mid-transaction: rows written, not committed")
        victim = worker_pids(master)[0]
        os.kill(victim, signal.SIGKILL)
        print(f"  kill -9 {victim} (the gunicorn worker running the approval; its backend {backend and backend[0]})")
        holder.execute("COMMIT")  # let the orphaned backend go on: it finds its client gone and rolls back
        for _ in range(100):
            if (
                backend is None
                or not watcher.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend[0]]).fetchone()
            ):
                break
            time.sleep(0.1)
    holder.close()
    thread.join(70)
    drill.expect(
        "error" in outcome or outcome["response"].status_code >= 500,
        f"the supervisor's request got no answer ({outcome.get('error', '').__class__.__name__ or outcome})",
    )
    after = counts(case)
    drill.expect(after == before, f"nothing of the approval was kept: {after}")
    verify_audit(drill)

    wait_healthy(PORT)
    drill.expect(worker_pids(master) != [victim], "gunicorn started a new worker")
    form = transition_form(supervisor, base, case, "approve")
    response = supervisor.post(
        f"{base}/admin/cases/case/{case.pk}/act/approve/", data={**form, "reasons": "Drill: approved again."},
        headers={"Referer": base}, timeout=60,
    )  # fmt: skip
    approved = counts(case)
    drill.expect(response.status_code == 200 and "The case was approved" in response.text, "approving again succeeds")
    drill.expect(approved["state"] == State.NOTICE_ISSUED and approved["version"] == before["version"] + 1,
                 f"the case is approved once, whole: {approved}")  # fmt: skip
    drill.expect(approved["chain links"] > before["chain links"], "its rows are chained")
    verify_audit(drill)
    return drill.finish()


# -- kill -9 of a task worker mid-task ----------------------------------------------------------------------------


class SilentSMTP:
    """A mail server that accepts connections and never answers: the worker's send hangs, as on a stuck relay."""

    def __init__(self, port):
        self.socket = socket.create_server(("127.0.0.1", port))
        self.clients = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                self.clients.append(self.socket.accept()[0])

    def close(self):
        for client in self.clients:
            client.close()
        self.socket.close()


def drill_worker_kill():
    from django_tasks_db.models import DBTaskResult

    drill = Drill("worker-kill")
    smtp_port = PORT + 1
    # An approval notifies the entity's representative: one e-mail task queued in the database.
    case = submitted_case()
    supervisor = User.objects.get(username="sup_tax")
    from cases import services

    started = timezone.now()
    services.case_approve(case=case, actor=supervisor, reasons="Drill: worker kill.")
    pending = Notification.objects.filter(created_at__gte=started, email_status=Notification.EmailStatus.PENDING)
    target = pending.exclude(recipient__email="").order_by("pk").first()
    drill.expect(target is not None, "the approval queued an e-mail")
    queued = DBTaskResult.objects.filter(status="READY", args_kwargs__args=[target.pk])
    drill.expect(queued.exists(), f"its task waits in the queue (notification {target.pk})")
    others = DBTaskResult.objects.filter(status="READY").exclude(args_kwargs__args=[target.pk])
    deferred = dict(others.values_list("pk", "run_after"))
    others.update(run_after=timezone.now() + datetime.timedelta(days=1))  # only this one runs now

    silent = SilentSMTP(smtp_port)
    worker = subprocess.Popen(  # nosec B603 - fixed argument list
        [PY, "manage.py", "db_worker", "--interval", "0.5"],
        env=server_env(EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}/?timeout=120"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    drill.processes.append(worker)
    task = None
    for _ in range(200):
        task = DBTaskResult.objects.filter(status="RUNNING", args_kwargs__args=[target.pk]).first()
        if task and silent.clients:
            break
        time.sleep(0.1)
    drill.expect(task is not None and bool(silent.clients), "the worker is sending the e-mail (task running)")
    with pg() as watcher:
        locked = watcher.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE a.datname = current_database() AND l.locktype = 'transactionid' AND a.state = 'idle in transaction'"
        ).fetchone()[0]
    drill.expect(locked > 0, "mid-task: the worker's transaction holds the notification row")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    silent.close()
    print(f"  kill -9 {worker.pid} (db_worker, mid-send)")
    time.sleep(1)
    target.refresh_from_db()
    drill.expect(target.email_status == Notification.EmailStatus.PENDING and target.email_attempts == 0,
                 f"nothing half-done: the notification is still pending, 0 attempts ({target.email_status}, "
                 f"{target.email_attempts})")  # fmt: skip
    task.refresh_from_db()
    print(f"  the dead worker's task row stays {task.status} (django-tasks-db does not reclaim it)")

    # Later: the lifecycle sweep enqueues e-mails that are overdue by LOST_AFTER again; a new worker sends them.
    later = timezone.now() + notifications.LOST_AFTER + datetime.timedelta(seconds=1)
    requeued = notifications.notifications_requeue(actor=system_actor(), now=later)
    drill.expect(target.pk in [n.pk for n in requeued], "the sweep enqueues the e-mail again (after LOST_AFTER)")
    result = subprocess.run(  # nosec B603 - fixed argument list
        [PY, "manage.py", "db_worker", "--batch", "--interval", "0"],
        env=server_env(), capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    target.refresh_from_db()
    drill.expect(result.returncode == 0, "a new worker runs the queue")
    drill.expect(
        target.email_status == Notification.EmailStatus.SENT and target.email_attempts == 1,
        f"the e-mail is sent exactly once ({target.email_status}, {target.email_attempts} attempt)",
    )
    for pk, run_after in deferred.items():
        DBTaskResult.objects.filter(pk=pk, status="READY").update(run_after=run_after)
    verify_audit(drill)
    return drill.finish()


# -- load, for the database drills ------------------------------------------------------------------------------


Answer = collections.namedtuple("Answer", "started ended kind status duration text")


class Load:
    """A few visitors in threads: the public register and a staff list (reads) and one caseworker withdrawing and
    submitting a case over and over (writes). Records every answer's status, duration and time."""

    def __init__(self, base, case, readers=6):
        self.base, self.case, self.readers = base, case, readers
        self.results, self.running = [], True
        self.staff = sign_in(base, "/admin/login/", "sup_tax")
        self.caseworker = sign_in(base, "/admin/login/", "cw_tax")
        self.writes_ok = 0

    def _record(self, started, kind, status, text=""):
        self.results.append(Answer(started, time.time(), kind, status, time.time() - started, text[:20000]))

    def _get(self, session, path, kind):
        started = time.time()
        try:
            response = session.get(self.base + path, timeout=30)
            status, text = response.status_code, response.text
        except requests.RequestException as error:
            status, text = f"error: {type(error).__name__}", ""
        self._record(started, kind, status, text)
        return status, text

    def _reader(self, n):
        session = self.staff if n % 2 else requests.Session()
        session.headers["Accept-Language"] = "zh-hans" if n % 3 == 0 else "en"
        path = "/admin/cases/case/" if n % 2 else "/register/?q=ACME"
        while self.running:
            self._get(session, path, "read")
            time.sleep(0.05)

    def _writer(self):
        name = "withdraw"
        while self.running:
            started = time.time()
            try:
                form = transition_form(self.caseworker, self.base, self.case, name)
                response = self.caseworker.post(
                    f"{self.base}/admin/cases/case/{self.case.pk}/act/{name}/",
                    data={**form, "reasons": "Drill."},
                    headers={"Referer": self.base},
                    timeout=30,
                    allow_redirects=False,
                )
                status = response.status_code
                # One writer, the form's version read just before: a redirect back to the case is the service's
                # success (the 503 page, or the form again, is not).
                if status == 302 and response.headers["Location"].endswith(f"/admin/cases/case/{self.case.pk}/change/"):
                    self.writes_ok += 1
                    name = "submit" if name == "withdraw" else "withdraw"
            except requests.HTTPError as error:  # the form page itself answered an error (the 503)
                status = error.response.status_code
            except (requests.RequestException, AttributeError) as error:
                status = f"error: {type(error).__name__}"
            self._record(started, "write", status)
            time.sleep(0.1)

    def __enter__(self):
        self.pool = ThreadPoolExecutor(self.readers + 1)
        self.futures = [self.pool.submit(self._reader, n) for n in range(self.readers)]
        self.futures.append(self.pool.submit(self._writer))
        return self

    def __exit__(self, *exc):
        self.running = False
        for future in self.futures:
            future.result()
        self.pool.shutdown()

    def statuses(self, since=0, until=float("inf"), kind=None):
        return Counter(
            r.status for r in self.results if since <= r.started < until and (kind is None or r.kind == kind)
        )


def transitions_recorded(case, since):
    """The case's history rows written by a transition since `since` (what was committed)."""
    return case.history.filter(history_date__gte=since).exclude(history_type="+").count()


# -- connections terminated under load ----------------------------------------------------------------------------


def drill_terminate():
    drill = Drill("terminate")
    case = submitted_case()
    master = start_gunicorn(drill, PORT, workers=3)
    workers_before = worker_pids(master)
    since = timezone.now()
    with pg() as killer, Load(f"http://127.0.0.1:{PORT}", case) as load:
        time.sleep(3)
        terminated = 0
        for _ in range(20):
            terminated += len(killer.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND application_name = ''"
            ).fetchall())  # fmt: skip
            time.sleep(0.5)
        time.sleep(2)
    django.db.connections.close_all()  # this process's own connection was terminated too
    reads, writes = load.statuses(kind="read"), load.statuses(kind="write")
    print(f"  {terminated} connections terminated; reads {dict(reads)}; writes {dict(writes)}")
    drill.expect(terminated >= 20, "connections were terminated under load")
    drill.expect(not any(s == 500 for s in [*reads, *writes]), "no 500")
    drill.expect(reads[200] > 0 and sum(reads.values()) == reads[200] + reads[503],
                 "reads answer 200 (retried once on a fresh connection) or the translated 503")  # fmt: skip
    recorded = transitions_recorded(case, since)
    drill.expect(
        recorded == load.writes_ok,
        f"writes: {load.writes_ok} confirmed, {recorded} recorded: none half-applied, none lost",
    )
    drill.expect(worker_pids(master) == workers_before, "no worker restarted")
    verify_audit(drill)
    return drill.finish()


# -- PostgreSQL unavailable for 10 s under load ---------------------------------------------------------------------


def scratch_cluster(drill):
    """A PostgreSQL cluster of our own on PG_PORT with a copy of DATABASE_URL's database. Returns its URL."""
    version = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(x) for x in v.split(".")])[-1]
    name = f"drill{PG_PORT}"
    subprocess.run(["pg_dropcluster", "--stop", version, name], capture_output=True, check=False)  # nosec
    subprocess.run(["pg_createcluster", version, name, "-p", str(PG_PORT), "--", "--auth=trust"],
                   capture_output=True, check=True)  # nosec  # fmt: skip
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], check=True)  # nosec
    database = DATABASE_URL.rsplit("/", 1)[1].split("?")[0]
    url = f"postgres://postgres@127.0.0.1:{PG_PORT}/{database}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", database], check=True)  # nosec
    dump = subprocess.Popen(["pg_dump", "-Fc", DATABASE_URL], stdout=subprocess.PIPE)  # nosec
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", url], stdin=dump.stdout, check=True)  # nosec
    dump.wait()
    return version, name, url


def drill_outage():
    drill = Drill("outage")
    version, cluster, url = scratch_cluster(drill)
    control = ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster]
    try:
        # The case for the writer lives in the scratch copy: make it there.
        from django.db import connections

        connections["default"].close()
        settings.DATABASES["default"]["NAME"] = url.rsplit("/", 1)[1]
        settings.DATABASES["default"]["PORT"] = PG_PORT
        case = submitted_case()
        master = start_gunicorn(drill, PORT, workers=3, DATABASE_URL=url)
        workers_before = worker_pids(master)
        since = timezone.now()
        with Load(f"http://127.0.0.1:{PORT}", case) as load:
            time.sleep(5)
            subprocess.run([*control, "stop", "-m", "fast"], check=True)  # nosec B603
            down = time.time()
            time.sleep(2)
            probes = {
                u: requests.get(f"http://127.0.0.1:{PORT}/{u}", timeout=10).status_code for u in ("healthz", "readyz")
            }
            time.sleep(max(0, 10 - (time.time() - down)))
            up = time.time()
            subprocess.run([*control, "start"], check=True)  # nosec B603
            print(f"  PostgreSQL stopped for {up - down:.1f} s, then started ({time.time() - up:.1f} s to start)")
            back = time.time()
            time.sleep(8)
            healthy = requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=10).status_code
        django.db.connections.close_all()  # this process's connection went down with the server
        # Requests that started and ended while it was down; those started a second after it was back.
        during = [r for r in load.results if down <= r.started and r.ended < up]
        after = [r for r in load.results if r.started >= back + 1]
        print(f"  while down: {dict(Counter(r.status for r in during))}; "
              f"once back: {dict(Counter(r.status for r in after))}")  # fmt: skip
        drill.expect(during and all(r.status == 503 for r in during), "every answer while it was down is the 503")
        slowest = max((r.duration for r in during), default=0)
        drill.expect(slowest < 5, f"fast: the slowest answer while down took {slowest:.2f} s (no hang)")
        pages = [r.text for r in during if r.kind == "read"]
        drill.expect(
            any("The database could not be reached" in p for p in pages) and any("数据库" in p for p in pages),
            "the 503 page is translated (English and Chinese)",
        )
        drill.expect(after and all(r.status in (200, 302) for r in after), "recovered without a restart: all answer")
        drill.expect(not any(r.status == 500 for r in load.results), "no 500")
        drill.expect(
            probes == {"healthz": 503, "readyz": 503} and healthy == 200,
            f"/healthz and /readyz answer 503 while down ({probes}), /healthz 200 once back ({healthy})",
        )
        drill.expect(worker_pids(master) == workers_before, "no gunicorn worker restarted")
        recorded = transitions_recorded(case, since)
        drill.expect(
            recorded == load.writes_ok,
            f"writes: {load.writes_ok} confirmed, {recorded} recorded: none half-applied, none lost",
        )
        verify_audit(drill, url)
    finally:
        for process in drill.processes:
            stop(process)
        drill.processes.clear()
        subprocess.run(["pg_dropcluster", "--stop", version, cluster], check=False)  # nosec B603 B607
    return drill.finish()


DRILLS = {"web-kill": drill_web_kill, "worker-kill": drill_worker_kill, "terminate": drill_terminate,
          "outage": drill_outage}  # fmt: skip

if __name__ == "__main__":
    (ROOT / "var").mkdir(exist_ok=True)
    names = sys.argv[1:] or ["web-kill", "worker-kill", "terminate"]
    unknown = [n for n in names if n not in DRILLS]
    if unknown:
        sys.exit(f"usage: {sys.argv[0]} [{'|'.join(DRILLS)}] ...")
    # The servers run with DEBUG off: static files from the manifest collectstatic writes (as make run-prodlike).
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=server_env(), check=True)  # nosec B603
    try:
        sys.exit(max(DRILLS[n]() for n in names))
    finally:
        for process in RUNNING:
            stop(process)
