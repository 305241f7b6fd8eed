"""The ACD end to end, through the real daemon: sipp desk phones registered as
agents' extensions (logged in and made ready through the API), sipp citizens
dialling 12345 and keying 1 for human service, the 12345 flow's queue node,
offers, answers, wrap-up, a declining agent, an abandoning caller, a caller
who asks to be called back (a Python UA keying the callback menu) and is
called back through a trunk, and a supervisor listening in. What happened is
checked in the queue event log and the agent state log."""
import json
import os
import shutil
import socket
import subprocess
import time
import unittest

from harness import Daemon, stop_and_check
from sipua import SipUa, tone_level

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SIP_DIR = os.path.join(ROOT, "tests", "sip")
PHONE_PASSWORD = "phone-secret-1"
AGENTS = {"1001": "8001", "1002": "8002", "1003": "8003", "1004": "8004", "1005": "8005"}
WRAP_UP_S = 2


def free_udp_port(address="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((address, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def free_media_port():
    while True:
        base = free_udp_port() & ~1
        try:
            socks = []
            for p in range(base, base + 4):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("127.0.0.1", p))
                socks.append(s)
            for s in socks:
                s.close()
            return base
        except OSError:
            for s in socks:
                s.close()


@unittest.skipUnless(shutil.which("sipp"), "sipp (Debian sip-tester) is not installed")
class AcdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.trunk_port = free_udp_port("127.0.0.3")
        cls.d = Daemon({
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]},
                       {"name": "carrier", "address": f"127.0.0.3:{cls.trunk_port}"}],
            "dialplan": [{"match": "12345", "to": "ivr:12345"}, {"match": "_8XXX", "to": "extension"},
                         {"match": "_*81XXXX", "to": "listen", "strip": 3},
                         {"match": "_1XXXXXXXXXX", "to": "trunk:carrier"}],
            "ivr": {"flows_dir": os.path.join(ROOT, "ivr-flows"), "variables": {"city": "昆明市"}},
            "sip": {"max_requests_per_second": 100000, "overload_lag_ms": 0},
            "acd": {
                "queues": [{"name": "human", "display_name": "人工服务", "strategy": "longest_idle",
                            "ring_timeout_seconds": 6, "wrap_up_seconds": WRAP_UP_S, "missed_offers_to_pause": 2,
                            "busy_delay_seconds": 1, "announce_every_seconds": 20, "callback_retry_seconds": 10}],
                "members": [{"queue": "human", "agent": a} for a in AGENTS],
                "callback_trunk": "carrier",
            },
        }).start()
        cls.admin = cls.d.admin()
        cls.tokens = {}
        for agent, ext in AGENTS.items():
            status, body, _ = cls.d.request("POST", "/api/v1/sip/accounts",
                                            {"username": ext, "password": PHONE_PASSWORD}, token=cls.admin)
            assert status == 201, body
            cls.d.create_user(agent, ["agent"])
            cls.tokens[agent] = cls.d.login(agent, "secret-pass-1")
        status, body, _ = cls.d.request("POST", "/api/v1/sip/accounts",
                                        {"username": "8009", "password": PHONE_PASSWORD}, token=cls.admin)
        assert status == 201, body
        cls.d.create_user("2001", ["supervisor"])
        cls.supervisor = cls.d.login("2001", "secret-pass-1")
        cls.phones = []
        # Every agent's desk phone, registered and answering; 1005's declines every offer.
        for agent, ext in AGENTS.items():
            scenario = {"1005": "uas_agent_reject.xml", "1002": "uas_agent_long.xml"}.get(agent, "uas_agent.xml")
            cls.phone(ext, scenario)
        for agent, ext in AGENTS.items():
            status, body, _ = cls.d.request("POST", "/api/v1/agent/login", {"extension": ext}, token=cls.tokens[agent])
            assert status == 200, body

    @classmethod
    def tearDownClass(cls):
        for proc, _ in cls.phones:
            proc.kill()
            proc.wait()
        stop_and_check(cls.d)

    # -- helpers -------------------------------------------------------------
    def api(self, method, path, body=None, token=None, expect=200):
        status, reply, _ = self.d.request(method, path, body, token=token or self.admin)
        if status != expect:
            self.fail(f"{method} {path}: {status} {reply}\n{self.daemon_log()}")
        return reply

    @classmethod
    def workdir(cls, name):
        work = os.path.join(cls.d.root, f"sipp-{name}-{time.time_ns()}")
        os.makedirs(work)
        return work

    @classmethod
    def sipp(cls, scenario, work, address, port, extra):
        return ["sipp", f"127.0.0.1:{cls.d.sip_port}", "-sf", os.path.join(SIP_DIR, scenario), "-t", "u1",
                "-i", address, "-p", str(port), "-mp", str(free_media_port()), "-nostdin", "-trace_err",
                "-error_file", os.path.join(work, "errors.log")] + extra

    @classmethod
    def phone(cls, ext, scenario):
        """Registers extension `ext` from a fresh port and answers every call there with `scenario`."""
        port = free_udp_port()
        work = cls.workdir(f"phone-{ext}")
        reg = subprocess.run(["sipp", f"127.0.0.1:{cls.d.sip_port}", "-sf", os.path.join(SIP_DIR, "register.xml"),
                              "-t", "u1", "-i", "127.0.0.1", "-p", str(port), "-s", ext, "-au", ext,
                              "-ap", PHONE_PASSWORD, "-m", "1", "-timeout", "10s", "-timeout_error", "-nostdin"],
                             cwd=work, capture_output=True, text=True, timeout=30)
        assert reg.returncode == 0, reg.stdout[-2000:]
        proc = subprocess.Popen(cls.sipp(scenario, work, "127.0.0.1", port, ["-s", ext]), cwd=work,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.phones.append((proc, work))
        time.sleep(0.3)
        return proc

    def daemon_log(self):
        path = os.path.join(self.d.data_dir, "log", "hotlined.log")
        text = ""
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                text = f.read()
        return (self.d.log() + text)[-8000:]

    def ready(self, agent):
        state = self.api("POST", "/api/v1/agent/state", {"state": "ready"}, token=self.tokens[agent])
        self.assertEqual(state["state"], "ready")

    def all_not_ready(self):
        """Every agent not ready (an agent still on a call from the last test is waited for)."""
        for agent in AGENTS:
            def forced():
                status, _, _ = self.d.request("POST", f"/api/v1/acd/agents/{agent}/state",
                                              {"state": "not_ready", "reason": "meeting"}, token=self.supervisor)
                return status == 200
            self.wait_for(forced, 20, f"agent {agent} to leave their call")

    def events(self, since):
        return self.api("GET", f"/api/v1/acd/events?from={since}&limit=10000", token=self.supervisor)["items"]

    def agent_events(self, since):
        return self.api("GET", f"/api/v1/acd/agent-events?from={since}&limit=10000", token=self.supervisor)["items"]

    def wait_for(self, predicate, timeout, what):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        self.fail(f"timed out waiting for {what}\n{self.daemon_log()}")

    # -- the tests (run in name order: a_, b_, ... share the agents) ----------
    def test_a_twenty_callers_five_agents(self):
        since = int(time.time() * 1000)
        for agent in AGENTS:
            self.ready(agent)
        # One more citizen who gives up after 4 s in the queue, while everyone is busy.
        work = self.workdir("citizens")
        callers = subprocess.Popen(self.sipp("uac_queue.xml", work, "127.0.0.2", 0,
                                             ["-s", "12345", "-m", "20", "-l", "20", "-r", "10", "-timeout", "150s",
                                              "-timeout_error"]),
                                   cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(3)
        awork = self.workdir("abandon")
        abandon = subprocess.run(self.sipp("uac_queue_abandon.xml", awork, "127.0.0.2", 0,
                                           ["-s", "12345", "-m", "1", "-timeout", "30s", "-timeout_error"]),
                                 cwd=awork, capture_output=True, text=True, timeout=60)
        out, _ = callers.communicate(timeout=200)
        errors = open(os.path.join(work, "errors.log"), errors="replace").read()[-3000:] \
            if os.path.exists(os.path.join(work, "errors.log")) else ""
        self.assertEqual(callers.returncode, 0, f"citizens:\n{out[-2000:]}\n{errors}\n{self.d.log()[-5000:]}")
        self.assertEqual(abandon.returncode, 0, abandon.stdout[-2000:])

        events = self.wait_for(lambda: (lambda ev: ev if sum(e["kind"] == "complete" for e in ev) >= 20 else None)(
            self.events(since)), 20, "20 completed calls")
        by_kind = {}
        for e in events:
            by_kind.setdefault(e["kind"], []).append(e)
        self.assertEqual(len(by_kind["enter"]), 21, "20 callers and the one who gave up entered the queue")
        self.assertEqual(len(by_kind["connect"]), 20, "every caller who waited was answered by an agent")
        self.assertEqual(len(by_kind["abandon"]), 1)
        self.assertGreaterEqual(by_kind["abandon"][0]["wait_ms"], 2000, "the abandon carries the wait")
        connected_calls = {e["call"] for e in by_kind["connect"]}
        self.assertEqual(len(connected_calls), 20)
        self.assertNotIn(by_kind["abandon"][0]["call"], connected_calls)
        # Only the four answering agents connected calls; the declining one was paused after two misses.
        self.assertEqual({e["agent"] for e in by_kind["connect"]}, {"1001", "1002", "1003", "1004"})
        declined = [e for e in by_kind.get("offer_failed", []) if e["agent"] == "1005"]
        self.assertGreaterEqual(len(declined), 1, "the declining agent was offered calls")
        for e in declined:
            self.assertIn(e["call"], connected_calls, "a declined offer went on to another agent")
        agent_log = self.agent_events(since)
        paused = [e for e in agent_log if e["agent"] == "1005" and e["to"] == "not_ready"]
        self.assertTrue(paused and paused[-1]["reason"] == "auto_pause", paused)
        self.assertLessEqual(len(declined), 2, "no offer after the auto pause")

        # Never two offers at once to one agent; never an offer during wrap-up.
        open_offers = {}
        last_complete = {}
        for e in events:
            agent = e["agent"]
            if e["kind"] == "offer":
                self.assertNotIn(agent, open_offers, f"two offers at once to {agent}")
                open_offers[agent] = e["call"]
                if agent in last_complete:
                    self.assertGreaterEqual(e["at"] - last_complete[agent], WRAP_UP_S * 1000 - 50,
                                            f"{agent} was offered a call during wrap-up")
            elif e["kind"] in ("connect", "ring_no_answer", "offer_failed", "callback_placed"):
                if open_offers.get(agent) == e["call"]:
                    del open_offers[agent]
            elif e["kind"] == "complete":
                last_complete[agent] = e["at"]
        # Wrap-up came after every call in the agent log.
        for agent in ("1001", "1002", "1003", "1004"):
            after_calls = [e for e in agent_log if e["agent"] == agent and e["from"] == "on_call"]
            self.assertTrue(after_calls and all(e["to"] == "wrap_up" for e in after_calls), after_calls)
        # The figures add up: answered + abandoned = offered.
        queues = self.api("GET", "/api/v1/acd/queues", token=self.supervisor)["items"]
        human = [q for q in queues if q["name"] == "human"][0]
        self.assertEqual(human["today"]["offered"], 21)
        self.assertEqual(human["today"]["answered"], 20)
        self.assertEqual(human["today"]["abandoned"], 1)
        # Calls that reached an agent have a CDR with an agent leg.
        with self.d.db() as db:
            agent_legs = db.execute("SELECT count(*) FROM call_legs WHERE role = 'agent' AND answered_at > 0").fetchone()
        self.assertGreaterEqual(agent_legs[0], 20)

    def test_b_callback_in_queue(self):
        since = int(time.time() * 1000)
        self.all_not_ready()
        # The citizen's phone behind the carrier trunk.
        cwork = self.workdir("called-back")
        citizen_phone = subprocess.Popen(self.sipp("uas_answer_wait_bye.xml", cwork, "127.0.0.3", self.trunk_port,
                                                   ["-s", "13800000001", "-m", "1", "-timeout", "90s",
                                                    "-timeout_error"]),
                                         cwd=cwork, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ua = SipUa(self.d.sip_port, number="13800000001")
        try:
            ua.call("12345")
            ua.send_silence(1500)
            ua.send_rfc4733("1")   # human service
            ua.send_silence(3000)  # "please hold", then music
            ua.send_rfc4733("1")   # press 1 to be called back
            ua.send_silence(1500)
            ua.send_rfc4733("1")   # confirm the number read out
            self.wait_for(lambda: any(e["kind"] == "callback_requested" for e in self.events(since)), 20,
                          "the callback request")
            deadline = time.time() + 20
            while time.time() < deadline and not getattr(ua, "ended_by_server", False):
                ua.send_silence(200)
            self.assertTrue(getattr(ua, "ended_by_server", False), "we hang up after confirming the callback")
        finally:
            ua.close()
        with self.d.db() as db:
            row = db.execute("SELECT state, queue FROM acd_callbacks").fetchone()
        self.assertEqual(row[0], "waiting")
        # An agent becomes ready: their phone rings, they answer, the citizen is called through the trunk.
        self.api("POST", "/api/v1/agent/state", {"state": "ready"}, token=self.tokens["1001"])
        self.wait_for(lambda: any(e["kind"] == "callback_connected" for e in self.events(since)), 30,
                      "the callback to connect")
        out, _ = citizen_phone.communicate(timeout=60)
        self.assertEqual(citizen_phone.returncode, 0, out[-2000:])
        kinds = [e["kind"] for e in self.events(since) if e["call"] == self.events(since)[0]["call"]]
        self.assertIn("callback_placed", kinds)
        self.wait_for(lambda: self.d.db().execute("SELECT state FROM acd_callbacks").fetchone()[0] == "connected", 10,
                      "the callback row to say connected")

    def test_c_supervisor_listens_to_a_live_call(self):
        since = int(time.time() * 1000)
        self.all_not_ready()
        self.api("POST", "/api/v1/agent/state", {"state": "ready"}, token=self.tokens["1002"])
        ua = SipUa(self.d.sip_port, number="13800000002")
        # The supervisor's line comes in on the trunk (127.0.0.2): the dial plan sends *81 + extension to listen.
        supervisor = SipUa(self.d.sip_port, number="8009")
        try:
            ua.call("12345")
            ua.send_silence(1500)
            ua.send_rfc4733("1")
            self.wait_for(lambda: any(e["kind"] == "connect" for e in self.events(since)), 20, "the agent to answer")
            ua.start_tone(440)  # the citizen speaks
            supervisor.call("*818002")  # listen to extension 8002's call (its phone talks for 8 s)
            before = time.time()
            supervisor.send_silence(1500)
            self.assertGreater(tone_level(supervisor.heard(before)[-4000:], 440), 0.3,
                               "the supervisor does not hear the citizen")
            ua.stop_tone()
            agents = self.api("GET", "/api/v1/acd/agents", token=self.supervisor)["items"]
            on_call = [a for a in agents if a["agent"] == "1002"][0]
            self.assertIn(on_call["state"], ("on_call", "wrap_up"))
            supervisor.bye()
        finally:
            supervisor.close()
            ua.close()

    def test_d_agent_sends_the_citizen_to_the_survey(self):
        """人工转自动: the agent leaves; the citizen answers the active survey by keypad."""
        status, survey, _ = self.d.request("POST", "/api/v1/surveys", {
            "title": "服务满意度", "active": True,
            "questions": [{"text": "满意请按1，不满意请按2。", "max_answer": 2}]}, token=self.admin)
        self.assertEqual(status, 201, survey)
        self.all_not_ready()
        since = int(time.time() * 1000)
        self.api("POST", "/api/v1/agent/state", {"state": "ready"}, token=self.tokens["1002"])
        ua = SipUa(self.d.sip_port, number="13800000003")
        try:
            ua.call("12345")
            ua.send_silence(1500)
            ua.send_rfc4733("1")
            self.wait_for(lambda: any(e["kind"] == "connect" for e in self.events(since)), 20, "the agent to answer")
            self.api("POST", "/api/v1/agent/call/survey", {}, token=self.tokens["1002"])
            # "please rate the service", then the question (TTS the first time): key 1 until it is taken.
            deadline = time.time() + 45
            keyed = 0
            while time.time() < deadline and not getattr(ua, "ended_by_server", False):
                ua.send_silence(3000)
                if keyed < 4:
                    ua.send_rfc4733("1")
                    keyed += 1
            if not getattr(ua, "ended_by_server", False):
                self.fail("the survey flow did not say goodbye and hang up\n" + self.daemon_log())
        finally:
            ua.close()
        results = self.api("GET", f"/api/v1/surveys/{survey['id']}/results")
        self.assertIn('"1"', json.dumps(results))
        with self.d.db() as db:
            answers = db.execute("SELECT answer FROM survey_answers WHERE survey_id = ?", (survey["id"],)).fetchall()
        self.assertEqual(answers, [(1,)])
        completes = [e for e in self.events(since) if e["kind"] == "complete" and e["agent"] == "1002"]
        self.assertEqual(len(completes), 1)
        self.assertEqual(completes[0]["detail"], "agent")


if __name__ == "__main__":
    unittest.main()
