"""Every endpoint against every role: the table below is the specification,
and the daemon's own route list must match it exactly."""
import time
import unittest
from urllib.parse import quote

from harness import stop_and_check, Daemon

ROLES = ["agent", "supervisor", "entry_clerk", "department_staff", "admin", "auditor"]
PUBLIC = "public"
ANY = set(ROLES)
READERS = {"admin", "supervisor", "auditor"}
REPORTERS = {"admin", "supervisor"}

CREATORS = {"agent", "supervisor", "entry_clerk", "admin"}
PROCESSORS = {"agent", "supervisor", "admin"}
REVIEWERS = {"supervisor", "admin"}
UNITS = {"department_staff", "admin"}
TICKET_ACTIONS = {
    "close-on-spot": PROCESSORS, "reject": PROCESSORS, "refer": PROCESSORS, "dispatch": PROCESSORS,
    "sign": UNITS, "return-to-hotline": UNITS, "redispatch": PROCESSORS, "request-extension": UNITS,
    "approve-extension": REVIEWERS, "refuse-extension": REVIEWERS, "reply": UNITS, "accept-reply": REVIEWERS,
    "send-back": REVIEWERS, "record-callback": PROCESSORS, "reopen": PROCESSORS, "close": PROCESSORS,
    "merge": PROCESSORS, "archive": REVIEWERS,
}
TICKET_ROUTES = {
    ("GET", "/api/v1/tickets"): ANY,
    ("POST", "/api/v1/tickets"): CREATORS,
    ("POST", "/api/v1/tickets/duplicates"): CREATORS,
    ("POST", "/api/v1/tickets/entry"): CREATORS,
    ("GET", "/api/v1/tickets/callback-queue"): PROCESSORS,
    ("GET", "/api/v1/tickets/alerts"): ANY,
    ("GET", "/api/v1/tickets/{id}"): ANY,
    ("PATCH", "/api/v1/tickets/{id}"): PROCESSORS,
    ("GET", "/api/v1/tickets/{id}/history"): ANY,
    ("GET", "/api/v1/tickets/{id}/caller"): PROCESSORS,
    ("GET", "/api/v1/tickets/{id}/reminders"): ANY,
    ("POST", "/api/v1/tickets/{id}/reminders"): ANY - {"auditor"},
    ("GET", "/api/v1/tickets/{id}/letter"): ANY,
    # Attachments: whoever sees the ticket reads them; attaching and deleting
    # need tickets.create, tickets.process or tickets.department (test_attachments.py).
    ("POST", "/api/v1/tickets/{id}/attachments"): CREATORS | PROCESSORS | UNITS,
    ("GET", "/api/v1/tickets/{id}/attachments"): ANY,
    ("GET", "/api/v1/tickets/{id}/attachments/{aid}"): ANY,
    ("DELETE", "/api/v1/tickets/{id}/attachments/{aid}"): CREATORS | PROCESSORS | UNITS,
    **{("POST", "/api/v1/tickets/{id}/" + a): who for a, who in TICKET_ACTIONS.items()},
    ("GET", "/api/v1/departments/tree"): ANY,
    ("PATCH", "/api/v1/departments/{id}"): {"admin"},
    ("GET", "/api/v1/departments/{id}/staff"): ANY,
    ("GET", "/api/v1/dispatch-catalogue"): ANY,
    ("PUT", "/api/v1/dispatch-catalogue/{code}"): {"admin"},
    ("DELETE", "/api/v1/dispatch-catalogue/{code}"): {"admin"},
    ("GET", "/api/v1/categories"): ANY,
    ("GET", "/api/v1/kb/sections"): ANY,
    ("GET", "/api/v1/kb/sections/{section}/articles"): ANY,
    ("GET", "/api/v1/kb/articles"): ANY,
    ("GET", "/api/v1/kb/articles/{id}"): ANY,
    ("GET", "/api/v1/kb/articles/{id}/versions"): ANY,
    ("POST", "/api/v1/kb/articles"): {"supervisor", "admin"},
    ("PATCH", "/api/v1/kb/articles/{id}"): {"supervisor", "admin"},
    ("POST", "/api/v1/public/lookup"): PUBLIC,
    ("POST", "/api/v1/public/mailbox"): PUBLIC,
    ("GET", "/open311/v2/services"): PUBLIC,
    ("GET", "/open311/v2/services.json"): PUBLIC,
    ("GET", "/open311/v2/requests"): PUBLIC,
    ("GET", "/open311/v2/requests.json"): PUBLIC,
    ("POST", "/open311/v2/requests"): PUBLIC,
    ("POST", "/open311/v2/requests.json"): PUBLIC,
    ("GET", "/open311/v2/requests/{id}"): PUBLIC,
}

EXPECTED = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): ANY,
    ("GET", "/api/v1/auth/me"): ANY,
    ("POST", "/api/v1/auth/password"): ANY,
    ("GET", "/api/v1/users"): READERS,
    ("GET", "/api/v1/users/{id}"): READERS,
    ("POST", "/api/v1/users"): {"admin"},
    ("PATCH", "/api/v1/users/{id}"): {"admin"},
    ("POST", "/api/v1/users/{id}/reset-password"): {"admin"},
    ("POST", "/api/v1/users/{id}/unlock"): {"admin"},
    ("GET", "/api/v1/system/info"): READERS,
    ("GET", "/api/v1/system/routes"): READERS,
    ("POST", "/api/v1/notices"): {"admin", "supervisor"},
    ("GET", "/api/v1/audit"): {"admin", "auditor"},
    ("GET", "/api/v1/audit/verify"): {"admin", "auditor"},
    ("GET", "/api/v1/departments"): ANY,
    ("POST", "/api/v1/departments"): {"admin"},
    ("GET", "/api/v1/sip/accounts"): {"admin", "supervisor"},
    ("POST", "/api/v1/sip/accounts"): {"admin"},
    ("PATCH", "/api/v1/sip/accounts/{id}"): {"admin"},
    ("GET", "/api/v1/calls"): READERS,
    # Recordings and prompts (test_recordings.py).
    ("GET", "/api/v1/recordings"): READERS,
    ("GET", "/api/v1/recordings/{id}"): READERS,
    ("GET", "/api/v1/recordings/{id}/audio"): READERS,
    ("GET", "/api/v1/prompts"): READERS,
    ("PUT", "/api/v1/prompts/{key}"): {"admin"},
    # IVR flows (test_ivr_flows.py).
    ("GET", "/api/v1/ivr/flows"): {"admin", "supervisor"},
    ("GET", "/api/v1/ivr/flows/{name}"): {"admin", "supervisor"},
    ("PUT", "/api/v1/ivr/flows/{name}"): {"admin"},
    ("GET", "/api/v1/ivr/flows/{name}/errors"): {"admin", "supervisor"},
    ("GET", "/api/v1/ivr/flows/{name}/nodes"): {"admin", "supervisor"},
    ("POST", "/api/v1/ivr/reload"): {"admin"},
    # Surveys (test_ivr_more.py).
    ("GET", "/api/v1/agent"): {"agent", "supervisor"},
    ("POST", "/api/v1/agent/login"): {"agent", "supervisor"},
    ("POST", "/api/v1/agent/logout"): {"agent", "supervisor"},
    ("POST", "/api/v1/agent/state"): {"agent", "supervisor"},
    ("POST", "/api/v1/agent/wrapup"): {"agent", "supervisor"},
    ("POST", "/api/v1/agent/call/{action}"): {"agent", "supervisor"},
    ("GET", "/api/v1/acd/queues"): {"admin", "supervisor"},
    ("GET", "/api/v1/acd/queues/{name}/waiting"): {"admin", "supervisor"},
    ("GET", "/api/v1/acd/agents"): {"admin", "supervisor"},
    ("POST", "/api/v1/acd/agents/{agent}/state"): {"admin", "supervisor"},
    ("POST", "/api/v1/acd/calls/{uuid}/release"): {"admin", "supervisor"},
    ("GET", "/api/v1/acd/events"): {"admin", "supervisor"},
    ("GET", "/api/v1/acd/agent-events"): {"admin", "supervisor"},
    ("PUT", "/api/v1/acd/queues/{name}"): {"admin", "supervisor"},
    ("DELETE", "/api/v1/acd/queues/{name}"): {"admin", "supervisor"},
    ("PUT", "/api/v1/acd/queues/{name}/members/{agent}"): {"admin", "supervisor"},
    ("DELETE", "/api/v1/acd/queues/{name}/members/{agent}"): {"admin", "supervisor"},
    ("GET", "/api/v1/surveys"): {"admin", "supervisor"},
    ("POST", "/api/v1/surveys"): {"admin"},
    ("GET", "/api/v1/surveys/{id}"): {"admin", "supervisor"},
    ("POST", "/api/v1/surveys/{id}/questions"): {"admin"},
    ("POST", "/api/v1/surveys/{id}/activate"): {"admin"},
    ("POST", "/api/v1/surveys/{id}/deactivate"): {"admin"},
    ("GET", "/api/v1/surveys/{id}/results"): {"admin", "supervisor"},
    # Statistics and reports (test_reports.py); the CDR export is call records.
    ("GET", "/api/v1/reports"): REPORTERS,
    ("GET", "/api/v1/reports/calls"): REPORTERS,
    ("GET", "/api/v1/reports/agents"): REPORTERS,
    ("GET", "/api/v1/reports/agent-states"): REPORTERS,
    ("GET", "/api/v1/reports/tickets"): REPORTERS,
    ("GET", "/api/v1/reports/traffic"): REPORTERS,
    ("GET", "/api/v1/reports/overdue"): REPORTERS,
    ("GET", "/api/v1/reports/compare"): REPORTERS,
    ("GET", "/api/v1/reports/hot-issues"): REPORTERS,
    ("GET", "/api/v1/reports/staffing"): REPORTERS,
    ("GET", "/api/v1/reports/cdr"): READERS,
    # Work orders, departments' directory, knowledge base, citizen access (test_tickets.py, test_open311.py).
    **TICKET_ROUTES,
    ("GET", "/ws"): ANY,
}


class RbacTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        status, dept, _ = cls.d.request("POST", "/api/v1/departments", {"code": "water", "name": "市水务局"},
                                        token=cls.d.admin())
        assert status == 201, dept
        cls.passwords = {}
        for i, role in enumerate(ROLES):
            job = f"r{i}"
            cls.d.create_user(job, [role], password="role-pass-1",
                              department_id=dept["id"] if role == "department_staff" else None)

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    def test_route_list_matches_the_table(self):
        status, body, _ = self.d.request("GET", "/api/v1/system/routes", token=self.d.admin())
        self.assertEqual(status, 200)
        served = {(r["method"], r["path"]) for r in body["routes"]}
        self.assertEqual(served, set(EXPECTED), "a route was added or removed: update EXPECTED and docs/api.md")

    def test_every_endpoint_for_every_role(self):
        # Logout last: it ends the session used for the others.
        routes = sorted((k for k, v in EXPECTED.items() if v != PUBLIC and k[1] != "/ws"),
                        key=lambda k: k[1] == "/api/v1/auth/logout")
        for i, role in enumerate(ROLES):
            token = self.d.login(f"r{i}", "role-pass-1")
            for method, pattern in routes:
                path = pattern.replace("{id}", "999999").replace("{aid}", "1")
                body = {} if method in ("POST", "PATCH") else None
                status, reply, _ = self.d.request(method, path, body, token=token)
                with self.subTest(role=role, method=method, path=pattern):
                    if role in EXPECTED[(method, pattern)]:
                        self.assertNotIn(status, (401, 403), reply)
                    else:
                        self.assertEqual(status, 403, reply)
                        self.assertEqual(reply["error"]["code"], "forbidden")

    def test_every_non_public_endpoint_needs_a_login(self):
        for (method, pattern), who in EXPECTED.items():
            if who == PUBLIC or pattern == "/ws":
                continue
            path = pattern.replace("{id}", "1").replace("{aid}", "1")
            status, reply, _ = self.d.request(method, path, {} if method in ("POST", "PATCH") else None)
            with self.subTest(method=method, path=pattern):
                self.assertEqual(status, 401)
                self.assertEqual(reply["error"]["code"], "unauthenticated")
            status, reply, _ = self.d.request(method, path, {} if method in ("POST", "PATCH") else None,
                                              token="forged-token")
            with self.subTest(method=method, path=pattern, token="forged"):
                self.assertEqual(status, 401)

    def test_department_staff_cannot_reach_other_units_tickets(self):
        """Every ticket endpoint with an {id}, for a unit's staff, on a ticket
        another unit leads: never an answer with its data."""
        admin = self.d.admin()
        _, roads, _ = self.d.request("POST", "/api/v1/departments", {"code": "roads", "name": "市政工程处"},
                                     token=admin)
        _, t, _ = self.d.request("POST", "/api/v1/tickets", {"type": "complaint", "category_code": "0101",
                                                             "summary": "路面塌陷", "caller_phone": "13812345678"},
                                 token=admin)
        status, t, _ = self.d.request("POST", f"/api/v1/tickets/{t['id']}/dispatch",
                                      {"version": t["version"], "lead_department_id": roads["id"]}, token=admin)
        self.assertEqual(status, 200, t)
        staff = self.d.login("r3", "role-pass-1")  # department_staff of the water unit
        for (method, pattern), who in sorted(EXPECTED.items()):
            if not pattern.startswith("/api/v1/tickets/{id}") or "department_staff" not in who:
                continue
            body = {"version": t["version"], "reason": "x", "reply": "x",
                    "due_at": int(time.time() * 1000) + 3600000} if method == "POST" else None
            path = pattern.replace("{id}", str(t["id"])).replace("{aid}", "1")
            status, reply, _ = self.d.request(method, path, body, token=staff)
            with self.subTest(method=method, path=pattern):
                self.assertIn(status, (403, 404), reply)
        status, listing, _ = self.d.request("GET", "/api/v1/tickets", token=staff)
        self.assertNotIn(t["id"], [x["id"] for x in listing["items"]])
        status, listing, _ = self.d.request("GET", "/api/v1/tickets?q=" + quote("路面塌陷"), token=staff)
        self.assertEqual(listing["items"], [])
        status, _, _ = self.d.request("GET", f"/api/v1/tickets/{t['id']}", token=self.d.login("r0", "role-pass-1"))
        self.assertEqual(status, 200)  # an agent sees it

    def test_websocket_for_every_role(self):
        for i, role in enumerate(ROLES):
            token = self.d.login(f"r{i}", "role-pass-1")
            ws = self.d.ws(token)
            with self.subTest(role=role):
                self.assertEqual(ws.status, 101)
                self.assertEqual(ws.recv_json()["method"], "session.ready")
                reply = ws.call("notice.broadcast", {"text": "hi"})
                if role in EXPECTED[("POST", "/api/v1/notices")]:
                    self.assertIn("result", reply)
                else:
                    self.assertEqual(reply["error"]["code"], -32001)
            ws.close()


if __name__ == "__main__":
    unittest.main()
