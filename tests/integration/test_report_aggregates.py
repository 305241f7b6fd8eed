"""The reports over what the real ACD writes: two agents' desk phones (sipp,
answering and staying on the line), citizens dialling a queue (the Python UA),
calls answered, held and resumed by the agent (API), blindly transferred to
another queue, hung up by either side, abandoned; not-ready reasons and
wrap-up (by the timer and ended by the agent). The figures of the reports API
for today must equal what the test did, timed by the test itself (talk
without hold, hold, wrap-up, waits, counts); then, with the daemon stopped,
`hotlined rebuild-aggregates --check` must find the triggers' tables equal to
the reference computation from the raw logs."""
import os
import shutil
import socket
import subprocess
import time
import unittest
from datetime import datetime, timedelta, timezone

from harness import HOTLINED, Daemon
from sipua import SipUa

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SIP_DIR = os.path.join(ROOT, "tests", "sip")
CST = timezone(timedelta(hours=8))
PHONE_PASSWORD = "phone-secret-1"
AGENTS = {"1001": "8001", "1002": "8002"}
WRAP_UP_S = 2
# How far a duration the reports give may be from the test's own stopwatch:
# the API's round trip and the state polling (50 ms), under ASan. Well below
# the 3 s of hold, so talk counting hold cannot pass.
SLACK_S = 0.8


def free_udp_port(address="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((address, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def free_media_port():
    while True:
        base = free_udp_port() & ~1
        socks = []
        try:
            for p in range(base, base + 4):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("127.0.0.1", p))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()


@unittest.skipUnless(shutil.which("sipp"), "sipp (Debian sip-tester) is not installed")
class ReportAggregatesTest(unittest.TestCase):
    def setUp(self):
        queue = {"strategy": "longest_idle", "ring_timeout_seconds": 10, "wrap_up_seconds": WRAP_UP_S,
                 "missed_offers_to_pause": 0, "announce_every_seconds": 0}
        self.d = Daemon({
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]}],
            "dialplan": [{"match": "12001", "to": "queue:human"}, {"match": "_8XXX", "to": "extension"}],
            "sip": {"max_requests_per_second": 100000, "overload_lag_ms": 0},
            "acd": {"queues": [dict(queue, name="human", display_name="人工服务"),
                               dict(queue, name="complaints", display_name="投诉")],
                    "members": [{"queue": "human", "agent": "1001"}, {"queue": "complaints", "agent": "1002"}]},
        }).start()
        self.phones = []
        self.uas = []
        admin = self.d.admin()
        self.tokens = {}
        for agent, ext in AGENTS.items():
            status, body, _ = self.d.request("POST", "/api/v1/sip/accounts",
                                             {"username": ext, "password": PHONE_PASSWORD}, token=admin)
            self.assertEqual(status, 201, body)
            self.d.create_user(agent, ["agent"])
            self.tokens[agent] = self.d.login(agent, "secret-pass-1")
            self.phone(ext)
        self.d.create_user("2001", ["supervisor"])
        self.supervisor = self.d.login("2001", "secret-pass-1")

    def tearDown(self):
        for ua in self.uas:
            ua.close()
        for proc in self.phones:
            proc.kill()
            proc.wait()
        self.d.stop()
        self.d.cleanup()

    # -- helpers -------------------------------------------------------------
    def phone(self, ext):
        """Extension `ext` registered from a fresh port; answers every call and waits for the BYE."""
        port = free_udp_port()
        work = os.path.join(self.d.root, f"sipp-{ext}")
        os.makedirs(work)
        reg = subprocess.run(["sipp", f"127.0.0.1:{self.d.sip_port}", "-sf", os.path.join(SIP_DIR, "register.xml"),
                              "-t", "u1", "-i", "127.0.0.1", "-p", str(port), "-s", ext, "-au", ext,
                              "-ap", PHONE_PASSWORD, "-m", "1", "-timeout", "10s", "-timeout_error", "-nostdin"],
                             cwd=work, capture_output=True, text=True, timeout=30)
        self.assertEqual(reg.returncode, 0, reg.stdout[-2000:])
        self.phones.append(subprocess.Popen(
            ["sipp", f"127.0.0.1:{self.d.sip_port}", "-sf", os.path.join(SIP_DIR, "uas_answer_wait_bye.xml"),
             "-t", "u1", "-i", "127.0.0.1", "-p", str(port), "-mp", str(free_media_port()), "-s", ext, "-nostdin"],
            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def api(self, agent, method, path, body=None):
        status, reply, _ = self.d.request(method, path, body, token=self.tokens[agent])
        self.assertEqual(status, 200, f"{agent} {method} {path}: {reply}\n{self.d.log()[-3000:]}")
        return time.time()

    def set_state(self, agent, state, reason=None):
        body = {"state": state}
        if reason:
            body["reason"] = reason
        return self.api(agent, "POST", "/api/v1/agent/state", body)

    def wait_state(self, agent, state, timeout=15):
        """When the test saw `agent` in `state` (polled every 50 ms)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            _, me, _ = self.d.request("GET", "/api/v1/agent", token=self.tokens[agent])
            if me["state"] == state:
                return time.time()
            time.sleep(0.05)
        self.fail(f"{agent} never {state} (last {me})\n{self.d.log()[-3000:]}")

    def citizen(self, number):
        ua = SipUa(self.d.sip_port, number=number)
        self.uas.append(ua)
        ua.call("12001")
        return ua

    def report(self, path):
        status, body, _ = self.d.request("GET", path, token=self.supervisor)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["source"], "aggregates", "today is read from the aggregate tables")
        status, raw, _ = self.d.request("GET", path + "&source=raw", token=self.supervisor)
        self.assertEqual(status, 200, raw)
        self.assertEqual(raw["rows"], body["rows"], f"{path}: the tables differ from the raw logs")
        return body

    def row(self, body, **keys):
        for r in body["rows"]:
            if all(r.get(k) == v for k, v in keys.items()):
                return r
        self.fail(f"no row {keys} in {body['rows']}")

    def near(self, value, expected, what):
        self.assertIsNotNone(value, what)
        self.assertLessEqual(abs(value - expected), SLACK_S, f"{what}: reports say {value}, the test timed "
                                                             f"{expected:.2f}")

    # -- the test ------------------------------------------------------------
    def test_reports_equal_what_the_calls_did(self):
        login = {}
        for agent, ext in AGENTS.items():
            login[agent] = self.api(agent, "POST", "/api/v1/agent/login", {"extension": ext})
        meal_from = self.set_state("1001", "not_ready", "meal")
        time.sleep(1.0)
        meal = self.set_state("1001", "ready") - meal_from
        training_from = self.set_state("1002", "not_ready", "training")

        # Call A: 1001 answers, holds 3 s, resumes; the citizen hangs up. Wrap-up ends by its timer.
        a = self.citizen("13800000011")
        a_connected = self.wait_state("1001", "on_call")
        time.sleep(1.5)
        hold_from = self.api("1001", "POST", "/api/v1/agent/call/hold")
        self.wait_state("1001", "on_hold")
        time.sleep(3.0)
        hold_a = self.api("1001", "POST", "/api/v1/agent/call/resume") - hold_from
        time.sleep(1.5)
        a.bye()
        a_ended = time.time()
        talk_a = a_ended - a_connected - hold_a
        self.wait_state("1001", "ready", timeout=WRAP_UP_S + 5)

        # Call B: 1001 answers and transfers it blindly to the complaints queue, where it waits
        # for 1002 (in training); 1001 ends its wrap-up early. 1002 takes it and hangs up.
        b = self.citizen("13800000012")
        b_connected = self.wait_state("1001", "on_call")
        time.sleep(1.5)
        transferred = self.api("1001", "POST", "/api/v1/agent/call/transfer", {"target": "queue:complaints"})
        talk_b = transferred - b_connected
        self.wait_state("1001", "wrap_up")
        time.sleep(1.0)
        wrap_b = self.api("1001", "POST", "/api/v1/agent/wrapup", {"done": True}) - transferred
        training = self.set_state("1002", "ready") - training_from
        b2_connected = self.wait_state("1002", "on_call")
        wait_b2 = b2_connected - transferred
        time.sleep(1.5)
        talk_b2 = self.api("1002", "POST", "/api/v1/agent/call/hangup") - b2_connected
        self.assertTrue(self.wait_hangup(b), "the agent's hang-up ends the citizen's call")

        # Call C: nobody ready in human (1001 on a break); the citizen gives up after 6 s.
        break_from = self.set_state("1001", "not_ready", "break")
        c = self.citizen("13800000013")
        c_entered = time.time()
        time.sleep(6.0)
        c.bye()
        abandon_wait = time.time() - c_entered
        on_break = self.set_state("1001", "ready") - break_from
        self.wait_state("1002", "ready", timeout=WRAP_UP_S + 5)
        logged_in = {agent: self.api(agent, "POST", "/api/v1/agent/logout") - login[agent] for agent in AGENTS}

        # Every event written (the store commits asynchronously).
        deadline = time.time() + 10
        while time.time() < deadline:
            with self.d.db() as db:
                if db.execute("SELECT count(*) FROM acd_agent_events WHERE to_state = 'logged_out'").fetchone()[0] == 2:
                    break
            time.sleep(0.1)

        today = datetime.now(CST).strftime("%Y-%m-%d")
        calls = self.report(f"/api/v1/reports/calls?from={today}&to={today}&group_by=queue")
        human = self.row(calls, queue="human")
        self.assertEqual(human["offered"], 3, "A, B and C entered human")
        self.assertEqual(human["answered"], 2)
        self.assertEqual(human["abandoned"], 1)
        self.assertEqual(human["short_abandoned"], 0)
        self.assertEqual(human["overflowed"], 0)
        self.assertEqual(human["handled"], 2)
        self.assertEqual(human["transferred"], 1)
        self.assertEqual(human["transfer_rate"], 0.5)
        self.assertEqual(human["answer_rate"], round(2 / 3, 4))
        self.assertEqual(human["abandon_rate"], round(1 / 3, 4))
        self.near(human["avg_hold"], hold_a / 2, "human: average hold")
        self.near(human["avg_talk"], (talk_a + talk_b) / 2, "human: average talk (hold excluded)")
        self.near(human["avg_wrap"], (WRAP_UP_S + wrap_b) / 2, "human: average wrap-up")
        self.near(human["aht"], (talk_a + talk_b + hold_a + WRAP_UP_S + wrap_b) / 2, "human: AHT")
        self.near(human["avg_abandon_wait"], abandon_wait, "human: the abandon's wait")
        self.assertLess(human["asa"], 1.5, "agents were ready when A and B came")
        complaints = self.row(calls, queue="complaints")
        self.assertEqual(complaints["offered"], 1, "the transfer entered complaints")
        self.assertEqual(complaints["answered"], 1)
        self.assertEqual(complaints["handled"], 1)
        self.assertEqual(complaints["transferred"], 0)
        self.near(complaints["asa"], wait_b2, "complaints: B's wait since the transfer")
        self.near(complaints["avg_talk"], talk_b2, "complaints: B's talk with 1002")
        self.near(complaints["avg_wrap"], WRAP_UP_S, "complaints: wrap-up by the timer")
        self.assertEqual(self.row(calls, row_type="total")["offered"], 4)

        agents = self.report(f"/api/v1/reports/agents?from={today}&to={today}")
        first = self.row(agents, agent="1001")
        self.assertEqual((first["answered"], first["handled"], first["transferred"], first["logins"]), (2, 2, 1, 1))
        self.near(first["talk_time"], talk_a + talk_b, "1001: talk (hold excluded)")
        self.near(first["hold_time"], hold_a, "1001: hold")
        self.near(first["on_call_time"], talk_a + hold_a + talk_b, "1001: time on calls (on hold included)")
        self.near(first["wrap_time"], WRAP_UP_S + wrap_b, "1001: wrap-up")
        self.near(first["logged_in_time"], logged_in["1001"], "1001: logged in")
        second = self.row(agents, agent="1002")
        self.assertEqual((second["answered"], second["handled"], second["transferred"]), (1, 1, 0))
        self.near(second["talk_time"], talk_b2, "1002: talk")
        self.near(second["logged_in_time"], logged_in["1002"], "1002: logged in")

        states = self.report(f"/api/v1/reports/agent-states?from={today}&to={today}")
        for agent, reason, seconds in (("1001", "meal", meal), ("1001", "break", on_break),
                                       ("1002", "training", training)):
            r = self.row(states, agent=agent, reason=reason)
            self.assertEqual(r["count"], 1, (agent, reason))
            self.near(r["time"], seconds, f"{agent} not ready ({reason})")

        # The daemon stopped, the aggregate tables equal the reference computation from the raw logs.
        self.assertEqual(self.d.stop(), 0, self.d.log())
        done = subprocess.run([HOTLINED, "--config", self.d.config_path, "--data-dir", self.d.data_dir,
                               "rebuild-aggregates", "--check"], capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn(" 0 differences", done.stdout)

    def wait_hangup(self, ua, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if getattr(ua, "ended_by_server", False):
                return True
            time.sleep(0.05)
        return False


if __name__ == "__main__":
    unittest.main()
