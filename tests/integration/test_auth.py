"""Login, logout, expiry, lockout, disabling, first-start admin."""
import os
import stat
import time
import unittest

from harness import DaemonTestCase, stop_and_check, ADMIN_PASSWORD, Daemon


class AuthTest(DaemonTestCase):
    CONFIG = {"auth": {"session_ttl_seconds": 3, "lockout_threshold": 3, "lockout_seconds": 2}}

    def test_login_gives_token_and_cookie(self):
        status, body, headers = self.d.request("POST", "/api/v1/auth/login",
                                               {"job_number": "admin", "password": ADMIN_PASSWORD})
        self.assertEqual(status, 200)
        self.assertEqual(body["user"]["job_number"], "admin")
        self.assertEqual(body["user"]["roles"], ["admin"])
        cookie = headers["Set-Cookie"]
        self.assertIn("hotline_session=" + body["token"], cookie)
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        # The cookie alone authenticates too.
        status, me, _ = self.d.request("GET", "/api/v1/auth/me", headers={"Cookie": f"hotline_session={body['token']}"})
        self.assertEqual(status, 200)
        self.assertEqual(me["job_number"], "admin")

    def test_wrong_password_and_unknown_user_look_the_same(self):
        s1, b1, _ = self.d.request("POST", "/api/v1/auth/login", {"job_number": "nobody", "password": "whatever1"})
        self.d.create_user("2001", ["agent"], password="right-pass-1")
        s2, b2, _ = self.d.request("POST", "/api/v1/auth/login", {"job_number": "2001", "password": "wrong-pass-1"})
        self.assertEqual((s1, s2), (401, 401))
        self.assertEqual(b1, b2)
        self.assertEqual(b1["error"]["code"], "invalid_credentials")

    def test_bad_login_requests_name_the_problem(self):
        status, body, _ = self.d.request("POST", "/api/v1/auth/login", {"job_number": "admin"})
        self.assertEqual(status, 400)
        self.assertEqual(body["error"], {"code": "invalid_argument", "message": "password: required"})
        status, body, _ = self.d.request("POST", "/api/v1/auth/login", raw_body=b"{not json",
                                         headers={"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["message"], "the body is not valid JSON")

    def test_logout_ends_the_session(self):
        token = self.d.login("admin", ADMIN_PASSWORD)
        status, _, headers = self.d.request("POST", "/api/v1/auth/logout", token=token)
        self.assertEqual(status, 200)
        self.assertIn("Max-Age=0", headers["Set-Cookie"])
        status, body, _ = self.d.request("GET", "/api/v1/auth/me", token=token)
        self.assertEqual(status, 401)
        self.assertEqual(body["error"]["code"], "unauthenticated")

    def test_session_expires(self):
        token = self.d.login("admin", ADMIN_PASSWORD)
        self.assertEqual(self.d.request("GET", "/api/v1/auth/me", token=token)[0], 200)
        time.sleep(3.5)
        self.assertEqual(self.d.request("GET", "/api/v1/auth/me", token=token)[0], 401)

    def test_lockout_after_failures_then_unlock_by_time(self):
        self.d.create_user("2002", ["agent"], password="right-pass-2")
        bad = {"job_number": "2002", "password": "wrong"}
        self.assertEqual(self.d.request("POST", "/api/v1/auth/login", bad)[0], 401)
        self.assertEqual(self.d.request("POST", "/api/v1/auth/login", bad)[0], 401)
        status, body, _ = self.d.request("POST", "/api/v1/auth/login", bad)
        self.assertEqual(status, 423)
        self.assertEqual(body["error"]["code"], "locked")
        # Even the right password is refused while locked.
        good = {"job_number": "2002", "password": "right-pass-2"}
        self.assertEqual(self.d.request("POST", "/api/v1/auth/login", good)[0], 423)
        time.sleep(2.2)
        self.assertEqual(self.d.request("POST", "/api/v1/auth/login", good)[0], 200)
        with self.d.db() as db:
            actions = [r[0] for r in db.execute("SELECT action FROM audit_log WHERE actor = '2002' ORDER BY id")]
        self.assertEqual(actions.count("auth.login_failed"), 4)
        self.assertIn("auth.account_locked", actions)
        self.assertEqual(actions[-1], "auth.login")

    def test_admin_unlocks_and_resets(self):
        user = self.d.create_user("2003", ["agent"], password="right-pass-3")
        for _ in range(3):
            self.d.request("POST", "/api/v1/auth/login", {"job_number": "2003", "password": "wrong"})
        status, body, _ = self.d.request("GET", f"/api/v1/users/{user['id']}", token=self.d.admin())
        self.assertTrue(body["locked"])
        status, body, _ = self.d.request("POST", f"/api/v1/users/{user['id']}/unlock", token=self.d.admin())
        self.assertEqual(status, 200)
        self.assertFalse(body["locked"])
        token = self.d.login("2003", "right-pass-3")
        status, _, _ = self.d.request("POST", f"/api/v1/users/{user['id']}/reset-password",
                                      {"password": "new-pass-333"}, token=self.d.admin())
        self.assertEqual(status, 200)
        self.assertEqual(self.d.request("GET", "/api/v1/auth/me", token=token)[0], 401)
        self.d.login("2003", "new-pass-333")

    def test_disabled_user_cannot_log_in_and_loses_sessions(self):
        user = self.d.create_user("2004", ["agent"], password="right-pass-4")
        token = self.d.login("2004", "right-pass-4")
        status, body, _ = self.d.request("PATCH", f"/api/v1/users/{user['id']}", {"enabled": False},
                                         token=self.d.admin())
        self.assertEqual(status, 200)
        self.assertFalse(body["enabled"])
        self.assertEqual(self.d.request("GET", "/api/v1/auth/me", token=token)[0], 401)
        status, body, _ = self.d.request("POST", "/api/v1/auth/login",
                                         {"job_number": "2004", "password": "right-pass-4"})
        self.assertEqual(status, 403)
        self.assertEqual(body["error"]["code"], "account_disabled")

    def test_admin_cannot_disable_itself(self):
        status, body, _ = self.d.request("GET", "/api/v1/auth/me", token=self.d.admin())
        status, body, _ = self.d.request("PATCH", f"/api/v1/users/{body['id']}", {"enabled": False},
                                         token=self.d.admin())
        self.assertEqual(status, 409)
        self.assertEqual(body["error"]["message"], "enabled: you cannot disable your own account")

    def test_change_own_password(self):
        self.d.create_user("2005", ["agent"], password="right-pass-5")
        token = self.d.login("2005", "right-pass-5")
        other = self.d.login("2005", "right-pass-5")
        status, body, _ = self.d.request("POST", "/api/v1/auth/password",
                                         {"current_password": "nope", "new_password": "newer-pass-5"}, token=token)
        self.assertEqual(status, 403)
        status, body, _ = self.d.request("POST", "/api/v1/auth/password",
                                         {"current_password": "right-pass-5", "new_password": "short"}, token=token)
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["message"], "password: must be at least 8 characters")
        status, body, _ = self.d.request("POST", "/api/v1/auth/password",
                                         {"current_password": "right-pass-5", "new_password": "newer-pass-5"},
                                         token=token)
        self.assertEqual(status, 200)
        self.assertEqual(self.d.request("GET", "/api/v1/auth/me", token=token)[0], 200)
        self.assertEqual(self.d.request("GET", "/api/v1/auth/me", token=other)[0], 401)
        self.d.login("2005", "newer-pass-5")

    def test_passwords_and_tokens_are_never_stored_or_logged(self):
        token = self.d.login("admin", ADMIN_PASSWORD)
        with self.d.db() as db:
            hashes = [r[0] for r in db.execute("SELECT password_hash FROM users")]
            self.assertTrue(all(h.startswith("$argon2id$") for h in hashes))
            dump = "\n".join(str(r) for r in db.execute("SELECT * FROM sessions"))
        self.assertNotIn(token, dump)
        log = open(os.path.join(self.d.data_dir, "log", "hotlined.log"), errors="replace").read()
        self.assertNotIn(ADMIN_PASSWORD, log)
        self.assertNotIn(token, log)


class FirstStartTest(unittest.TestCase):
    def test_random_admin_password_is_written_with_mode_0600(self):
        d = Daemon(admin_password=None, env={"HOTLINE_ADMIN_PASSWORD": ""}).start()
        try:
            path = os.path.join(d.data_dir, "initial-admin-password")
            mode = stat.S_IMODE(os.stat(path).st_mode)
            self.assertEqual(mode, 0o600)
            password = open(path).read().strip()
            self.assertGreaterEqual(len(password), 16)
            d.login("admin", password)
        finally:
            self.assertEqual(d.stop(), 0, d.log())
            d.cleanup()


if __name__ == "__main__":
    unittest.main()
