"""IVR flows over the admin API and the command line: the 12345 flow loads,
a PUT is validated first (422 with every error, the running version stays),
a broken file on disk is reported by a reload (API or SIGHUP) and never
replaces the running version, node counts, permissions, and
`hotlined check-flow`."""
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import HOTLINED, Daemon, stop_and_check

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "..")
FLOW_12345 = os.path.join(SOURCE, "ivr-flows", "12345.yaml")
BROKEN = os.path.join(SOURCE, "tests", "ivr-flows-broken")

SMALL = """start: hello
nodes:
  hello:
    type: play
    prompt: "您好"
    next: bye
  bye:
    type: hangup
"""
# Line 6, column 11: a reference to a node that does not exist (and so
# line 7: "bye" is no longer reachable).
DANGLING = SMALL.replace("next: bye", "next: nowhere")


class IvrFlowsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.flows = tempfile.mkdtemp(prefix="hotline-flows-")
        shutil.copy(FLOW_12345, cls.flows)
        cls.d = Daemon({"ivr": {"flows_dir": cls.flows, "variables": {"city": "昆明市"}}}).start()
        cls.admin = cls.d.admin()

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)
        shutil.rmtree(cls.flows, ignore_errors=True)

    def get(self, path, token=None):
        status, body, _ = self.d.request("GET", path, token=token or self.admin)
        self.assertEqual(status, 200, body)
        return body

    def write(self, name, text):
        with open(os.path.join(self.flows, name + ".yaml"), "w") as f:
            f.write(text)

    def reload(self):
        status, body, _ = self.d.request("POST", "/api/v1/ivr/reload", {}, token=self.admin)
        self.assertEqual(status, 200, body)
        return {i["name"]: i for i in body["items"]}

    def test_the_12345_flow_is_running(self):
        listing = {f["name"]: f for f in self.get("/api/v1/ivr/flows")["items"]}
        self.assertIn("12345", listing)
        self.assertTrue(listing["12345"]["running"])
        self.assertGreaterEqual(listing["12345"]["version"], 1)
        self.assertEqual(listing["12345"]["errors"], [])
        flow = self.get("/api/v1/ivr/flows/12345")
        with open(FLOW_12345) as f:
            self.assertEqual(flow["source"], f.read())
        self.assertEqual(flow["start"], "entry")
        ids = {n["id"]: n["type"] for n in flow["node_list"]}
        self.assertEqual(ids["welcome"], "menu")
        self.assertEqual(ids["human_queue"], "queue")
        nodes = self.get("/api/v1/ivr/flows/12345/nodes")["items"]
        self.assertEqual({n["id"] for n in nodes}, set(ids))
        self.assertTrue(all(n["entered"] == 0 and n["active"] == 0 for n in nodes))

    def test_put_is_validated_and_a_broken_one_changes_nothing(self):
        status, body, _ = self.d.request("PUT", "/api/v1/ivr/flows/put-test", {"source": SMALL}, token=self.admin)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["version"], 1)
        with open(os.path.join(self.flows, "put-test.yaml")) as f:
            self.assertEqual(f.read(), SMALL)

        status, body, _ = self.d.request("PUT", "/api/v1/ivr/flows/put-test", {"source": DANGLING},
                                         token=self.admin)
        self.assertEqual(status, 422, body)
        self.assertEqual(body["error"]["code"], "invalid_flow")
        errors = body["error"]["errors"]
        self.assertEqual(len(errors), 2)
        self.assertEqual(errors[1]["text"], 'put-test.yaml:7:3: node "bye" cannot be reached from start "hello"')
        self.assertEqual((errors[0]["line"], errors[0]["column"]), (6, 11))
        self.assertEqual(errors[0]["text"],
                         'put-test.yaml:6:11: node "hello": "next" refers to "nowhere", which is not a node')
        flow = self.get("/api/v1/ivr/flows/put-test")
        self.assertEqual(flow["version"], 1)
        self.assertEqual(flow["source"], SMALL)
        with open(os.path.join(self.flows, "put-test.yaml")) as f:
            self.assertEqual(f.read(), SMALL)  # the file was not touched

        status, body, _ = self.d.request("PUT", "/api/v1/ivr/flows/put-test",
                                         {"source": SMALL.replace("您好", "你好")}, token=self.admin)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["version"], 2)
        audit = self.d.db().execute("SELECT action, target FROM audit_log WHERE action = 'ivr.flow_put'").fetchall()
        self.assertEqual(audit, [("ivr.flow_put", "put-test"), ("ivr.flow_put", "put-test")])

        status, body, _ = self.d.request("PUT", "/api/v1/ivr/flows/put-test", {"source": "start: [unclosed"},
                                         token=self.admin)
        self.assertEqual(status, 422)
        self.assertTrue(body["error"]["errors"][0]["text"].startswith("put-test.yaml:"), body)
        status, body, _ = self.d.request("PUT", "/api/v1/ivr/flows/bad%20name", {"source": SMALL}, token=self.admin)
        self.assertEqual(status, 400, body)

    def test_a_broken_file_on_disk_keeps_the_running_version(self):
        self.write("disk", SMALL)
        self.assertTrue(self.reload()["disk"]["changed"])
        before = self.get("/api/v1/ivr/flows/disk")
        self.assertEqual(before["version"], 1)

        self.write("disk", DANGLING)
        result = self.reload()["disk"]
        self.assertTrue(result["failed"])
        self.assertFalse(result["changed"])
        after = self.get("/api/v1/ivr/flows/disk")
        self.assertEqual(after["version"], 1)
        self.assertEqual(after["source"], SMALL)  # still serving the old text
        errors = self.get("/api/v1/ivr/flows/disk/errors")["errors"]
        self.assertEqual(len(errors), 2)
        self.assertEqual((errors[0]["line"], errors[0]["column"]), (6, 11))
        self.assertIn("which is not a node", errors[0]["message"])
        listing = {f["name"]: f for f in self.get("/api/v1/ivr/flows")["items"]}
        self.assertEqual(len(listing["disk"]["errors"]), 2)
        self.assertEqual(listing["12345"]["errors"], [])  # the others are untouched

        # A fixed file, picked up by SIGHUP.
        self.write("disk", SMALL.replace("您好", "早上好"))
        self.d.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline:
            flow = self.get("/api/v1/ivr/flows/disk")
            if flow["version"] == 2:
                break
            time.sleep(0.1)
        self.assertEqual(flow["version"], 2)
        self.assertIn("早上好", flow["source"])
        self.assertEqual(self.get("/api/v1/ivr/flows/disk/errors")["errors"], [])

    def test_unknown_flow_is_404(self):
        status, body, _ = self.d.request("GET", "/api/v1/ivr/flows/nosuch", token=self.admin)
        self.assertEqual(status, 404, body)

    def test_supervisors_read_and_only_admins_write(self):
        self.d.create_user("ivr-sup", ["supervisor"], password="role-pass-1")
        self.d.create_user("ivr-agent", ["agent"], password="role-pass-1")
        sup = self.d.login("ivr-sup", "role-pass-1")
        agent = self.d.login("ivr-agent", "role-pass-1")
        self.get("/api/v1/ivr/flows/12345", token=sup)
        status, _, _ = self.d.request("PUT", "/api/v1/ivr/flows/12345", {"source": SMALL}, token=sup)
        self.assertEqual(status, 403)
        status, _, _ = self.d.request("GET", "/api/v1/ivr/flows", token=agent)
        self.assertEqual(status, 403)


class CheckFlowTest(unittest.TestCase):
    def run_check(self, *files):
        return subprocess.run([HOTLINED, "check-flow", *files], capture_output=True, text=True, cwd=BROKEN,
                              timeout=60)

    def test_the_12345_flow_passes(self):
        r = self.run_check(os.path.abspath(FLOW_12345))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("OK", r.stdout)

    def test_every_error_of_every_file_is_printed(self):
        r = self.run_check("unknown_type.yaml", "endless_loop.yaml", os.path.abspath(FLOW_12345))
        self.assertEqual(r.returncode, 1)
        with open(os.path.join(BROKEN, "unknown_type.expected")) as f:
            expected = f.read()
        with open(os.path.join(BROKEN, "endless_loop.expected")) as f:
            expected += f.read()
        self.assertTrue(r.stdout.startswith(expected), r.stdout)
        self.assertIn("12345.yaml: OK", r.stdout)

    def test_usage(self):
        r = self.run_check()
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
