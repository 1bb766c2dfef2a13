"""The load test of `make loadtest` (deploy/loadtest.sh, docs/operations.md "Load test"): staff, portal and register.

Three kinds of visitor, in the proportions of a working day at a credit office (weights 3 : 2 : 5):
- staff (caseworkers, supervisors, the auditor) sign in at /admin/ and page through the admin: the workspace, the
  case list (filtered and searched), a case's page, the entity list;
- entity representatives sign in to the portal and read their records and cases;
- the public reads the register: searches, a record, the publication log.
Every simulated visitor signs in once, through the real login form, as one of the demo accounts (make demo). A
response is a failure unless it has the expected status and is a page of the expected kind (no login page instead
of the list, no 503 page). Links are followed from the pages themselves, so nothing depends on database ids.
"""

import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("DEMO_PASSWORD", "demo")
STAFF = ["cw_tax", "sup_tax", "cw_market", "sup_market", "auditor"]
REPRESENTATIVES = ["rep_acme", "rep_wang"]
# Register searches: names in the demo data, a word that finds nothing, and an empty search (the landing page).
REGISTER_QUERIES = ["ACME", "Wang", "贸易", "nothing-matches-this", ""]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ADMIN_CASE = re.compile(r'href="(/admin/cases/case/\d+/change/)[^"]*"')
PORTAL_CASE = re.compile(r'href="(/portal/cases/\d+/)"')
REGISTER_RECORD = re.compile(r'href="(/register/r/[^"/]+/)"')

# Page figures without the sign-ins (one per visitor at the start, a deliberately slow password hash each), written
# to $LOADTEST_OUT/pages.json when locust stops: deploy/loadtest.sh reports them beside locust's own totals.
page_times, page_failures, first_page = [], [0], [None]


@events.request.add_listener
def _record(name, response_time, exception, **kwargs):
    if "(form)" in name or "(sign in)" in name:
        return
    first_page[0] = first_page[0] or time.time()
    page_times.append(response_time)
    page_failures[0] += exception is not None


@events.quitting.add_listener
def _write(environment, **kwargs):
    times = sorted(page_times)
    at = lambda q: round(times[min(len(times) - 1, int(q * len(times)))]) if times else None  # noqa: E731
    seconds = max(time.time() - (first_page[0] or time.time()), 1)
    out = os.environ.get("LOADTEST_OUT", "var/loadtest")
    with open(os.path.join(out, "pages.json"), "w") as file:
        json.dump({"requests": len(times), "failures": page_failures[0], "p50": at(0.5), "p95": at(0.95),
                   "rps": round(len(times) / seconds, 1)}, file)  # fmt: skip


# Picks pages and accounts, not secrets.
rng = random.Random(int(os.environ.get("LOADTEST_SEED", "1")))  # noqa: S311  # nosec B311


def sign_in(user, login_url, username, landing):
    page = user.client.get(login_url, name=f"{login_url} (form)")
    token = CSRF.search(page.text)
    if not token:
        raise RuntimeError(f"no CSRF token on {login_url}")
    with user.client.post(
        login_url,
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1), "next": landing},
        headers={"Referer": user.host + login_url},
        name=f"{login_url} (sign in)",
        catch_response=True,
    ) as response:
        if response.status_code != 200 or response.url.rstrip("/").endswith("login"):
            response.failure(f"sign-in as {username} failed ({response.status_code})")


def expect(user, url, name, marker, status=200):
    """GET url; a failure unless it answers `status` and its text contains `marker`. Returns the text."""
    with user.client.get(url, name=name, catch_response=True) as response:
        if response.status_code != status:
            response.failure(f"{response.status_code} instead of {status}")
        elif marker not in response.text:
            response.failure(f"not the expected page ({marker!r} missing)")
        return response.text


class Staff(HttpUser):
    weight = 3
    wait_time = between(1, 4)

    def on_start(self):
        sign_in(self, "/admin/login/", rng.choice(STAFF), "/admin/")
        self.cases = []

    @task(2)
    def workspace(self):
        expect(self, "/admin/", "admin: workspace", 'id="content"')

    @task(4)
    def case_list(self):
        query = rng.choice(["", "?state__exact=sanctioned", "?o=-1", "?q=ACME"])
        text = expect(self, "/admin/cases/case/" + query, "admin: case list", 'id="changelist"')
        self.cases = ADMIN_CASE.findall(text) or self.cases

    @task(3)
    def case_page(self):
        if not self.cases:
            return self.case_list()
        expect(self, rng.choice(self.cases), "admin: case page", 'id="content"')

    @task(1)
    def entity_list(self):
        expect(self, "/admin/entities/entity/", "admin: entity list", 'id="changelist"')


class Representative(HttpUser):
    weight = 2
    wait_time = between(1, 4)

    def on_start(self):
        sign_in(self, "/portal/login/", rng.choice(REPRESENTATIVES), "/portal/")
        self.cases = []

    @task(2)
    def records(self):
        text = expect(self, "/portal/", "portal: records", "/portal/logout/")
        self.cases = PORTAL_CASE.findall(text) or self.cases

    @task(3)
    def case_page(self):
        if not self.cases:
            return self.records()
        expect(self, rng.choice(self.cases), "portal: case page", "/portal/logout/")


class Public(HttpUser):
    weight = 5
    wait_time = between(1, 3)

    def on_start(self):
        self.records = []

    @task(4)
    def search(self):
        query = rng.choice(REGISTER_QUERIES)
        text = expect(self, f"/register/?q={query}" if query else "/register/", "register: search", 'name="q"')
        self.records = REGISTER_RECORD.findall(text) or self.records

    @task(3)
    def record(self):
        if not self.records:
            return self.search()
        expect(self, rng.choice(self.records), "register: record", "</html>")

    @task(1)
    def publication_log(self):
        expect(self, "/register/log/", "register: publication log", "</html>")
