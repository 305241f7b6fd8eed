"""Every endpoint against every role: the table below is the specification,
and the daemon's own route list must match it exactly."""
import unittest

from harness import stop_and_check, Daemon

ROLES = ["agent", "supervisor", "entry_clerk", "department_staff", "admin", "auditor"]
PUBLIC = "public"
ANY = set(ROLES)
READERS = {"admin", "supervisor", "auditor"}

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
                path = pattern.replace("{id}", "999999")
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
            status, reply, _ = self.d.request(method, pattern.replace("{id}", "1"),
                                              {} if method in ("POST", "PATCH") else None)
            with self.subTest(method=method, path=pattern):
                self.assertEqual(status, 401)
                self.assertEqual(reply["error"]["code"], "unauthenticated")
            status, reply, _ = self.d.request(method, pattern.replace("{id}", "1"),
                                              {} if method in ("POST", "PATCH") else None, token="forged-token")
            with self.subTest(method=method, path=pattern, token="forged"):
                self.assertEqual(status, 401)

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
