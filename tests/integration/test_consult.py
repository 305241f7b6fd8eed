"""Attended transfer, three-way calls and one-click monitoring
(docs/websocket-protocol.md, "Consulting" and "Monitoring"): a desk-phone
agent (a Python SIP UA on extension 8001, driven over the WebSocket) takes a
queued citizen, consults a colleague's phone (8002) while the citizen hears
music and not the colleague, makes it a three-way call (each hears the
other two), and hands the call over (citizen and colleague talk, the agent
goes to wrap-up); a consulted colleague who hangs up gives the citizen back
to the agent; a cancelled consultation too. A browser agent is consulted
over the WebSocket (call.invite with "consult"), is busy for the ACD
meanwhile, and owns the call after the consulting agent hangs up. A
supervisor's browser joins a live call with call.monitor. Bad requests get
their JSON-RPC errors. Audio is measured with tones (Goertzel) at the UAs."""
import time
import unittest

from harness import Daemon, stop_and_check
from sipua import SipUa, energy, tone_level
from test_browser_calls import browser_sdp

PHONE_PASSWORD = "phone-secret-01"
AGENT = "3001"         # desk phone 8001
BROWSER_AGENT = "3002"  # browser
SUPERVISOR = "3900"
CITIZEN_TONE, AGENT_TONE, COLLEAGUE_TONE = 500, 1200, 2500


class ConsultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon({
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]}],
            "dialplan": [{"match": "12300", "to": "queue:human"}, {"match": "_8XXX", "to": "extension"}],
            "sip": {"max_requests_per_second": 100000, "overload_lag_ms": 0},
            "acd": {"queues": [{"name": "human", "display_name": "人工服务", "strategy": "longest_idle",
                                "ring_timeout_seconds": 20, "wrap_up_seconds": 2,
                                "announce_job_number": False}],
                    "members": [{"queue": "human", "agent": AGENT}]},
        }).start()
        token = cls.d.admin()
        for user in ("8001", "8002"):
            status, body, _ = cls.d.request("POST", "/api/v1/sip/accounts",
                                            {"username": user, "password": PHONE_PASSWORD}, token=token)
            assert status == 201, body
        cls.d.create_user(AGENT, ["agent"])
        cls.d.create_user(BROWSER_AGENT, ["agent"])
        cls.d.create_user(SUPERVISOR, ["supervisor"])
        cls.token = cls.d.login(AGENT, "secret-pass-1")
        cls.browser_token = cls.d.login(BROWSER_AGENT, "secret-pass-1")
        cls.ws = cls.d.ws(cls.token)
        assert cls.ws.recv_json()["method"] == "session.ready"
        cls.phone = SipUa(cls.d.sip_port, local_ip="127.0.0.1")
        cls.phone.register("8001", PHONE_PASSWORD)
        reply = cls.ws.call("agent.login", {"device": "extension", "extension": "8001"})
        assert "result" in reply, reply

    @classmethod
    def tearDownClass(cls):
        cls.phone.close()
        cls.ws.close()
        stop_and_check(cls.d)

    # -- helpers -------------------------------------------------------------
    def ok(self, ws, method, params=None, id=1):
        reply = ws.call(method, params or {}, id=id)
        self.assertIn("result", reply, reply)
        return reply["result"]

    def error(self, ws, method, params=None, id=1):
        reply = ws.call(method, params or {}, id=id)
        self.assertIn("error", reply, reply)
        return reply["error"]

    def agent_view(self, token=None):
        status, body, _ = self.d.request("GET", "/api/v1/agent", token=token or self.token)
        self.assertEqual(status, 200, body)
        return body

    def wait_for(self, what, fn, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if fn():
                return
            time.sleep(0.1)
        self.fail(f"timed out waiting for {what}")

    def hears(self, ua, frequency, seconds=0.5):
        return tone_level(ua.heard(time.time() - seconds)[-4000:], frequency)

    def fresh_phone(self):
        """The agent's desk phone answers one call per SipUa: a new one per test, same extension."""
        self.phone.close()
        type(self).phone = SipUa(self.d.sip_port, local_ip="127.0.0.1")
        self.phone.register("8001", PHONE_PASSWORD)

    def citizen_with_agent(self, number):
        self.fresh_phone()
        # After the last test's call the agent may still be in wrap-up (then "ready" is refused).
        self.wait_for("ready", lambda: self.ws.call("agent.state", {"state": "ready"}).get("result", {}).get(
            "state") == "ready")
        citizen = SipUa(self.d.sip_port, number=number)
        citizen.call("12300")
        self.phone.wait_incoming()
        self.wait_for("on_call", lambda: self.agent_view()["state"] == "on_call")
        citizen.start_tone(CITIZEN_TONE)
        self.phone.start_tone(AGENT_TONE)
        return citizen

    # -- the tests -------------------------------------------------------------
    def test_1_consult_conference_and_hand_over_with_audio(self):
        citizen = self.citizen_with_agent("13911112222")
        colleague = SipUa(self.d.sip_port, local_ip="127.0.0.1")
        try:
            colleague.register("8002", PHONE_PASSWORD)
            call = self.agent_view()["live_call"]
            time.sleep(0.8)
            self.assertGreater(self.hears(citizen, AGENT_TONE), 0.3, "agent and citizen talk")

            # Bad requests change nothing.
            self.assertEqual(self.error(self.ws, "call.consult", {})["code"], -32602)
            self.assertEqual(self.error(self.ws, "call.consult", {"target": "queue:human"})["code"], -32602)
            self.assertEqual(self.error(self.ws, "call.consult", {"target": "agent:9999"})["code"], -32002)
            self.assertEqual(self.error(self.ws, "call.transfer_complete")["code"], -32002)
            self.assertEqual(self.error(self.ws, "call.conference")["code"], -32002)

            self.ok(self.ws, "call.consult", {"target": "extension:8002"})
            colleague.wait_incoming()
            colleague.start_tone(COLLEAGUE_TONE)
            self.assertEqual(self.error(self.ws, "call.consult", {"target": "8002"})["code"], -32002)
            self.assertIn("consulting", self.error(self.ws, "call.hold", {"hold": True})["message"])
            time.sleep(1.0)
            self.assertGreater(self.hears(self.phone, COLLEAGUE_TONE), 0.3, "the agent hears the colleague")
            self.assertGreater(self.hears(colleague, AGENT_TONE), 0.3, "the colleague hears the agent")
            self.assertLess(self.hears(citizen, COLLEAGUE_TONE), 0.05, "the citizen does not hear the colleague")
            self.assertLess(self.hears(citizen, AGENT_TONE), 0.05, "nor the agent")
            self.assertGreater(energy(citizen.heard(time.time() - 0.5)), 300, "the citizen hears music")
            self.assertLess(self.hears(colleague, CITIZEN_TONE), 0.05, "the colleague does not hear the citizen")
            self.assertEqual(self.agent_view()["state"], "on_hold")

            # Three-way: each hears the other two.
            self.ok(self.ws, "call.conference")
            time.sleep(1.2)
            self.assertGreater(self.hears(citizen, COLLEAGUE_TONE), 0.1)
            self.assertGreater(self.hears(citizen, AGENT_TONE), 0.1)
            self.assertGreater(self.hears(colleague, CITIZEN_TONE), 0.1)
            self.assertGreater(self.hears(self.phone, CITIZEN_TONE), 0.1)
            self.assertEqual(self.agent_view()["state"], "on_call")

            # Hand-over: the agent leaves (BYE to the desk phone), the citizen and the colleague talk on.
            self.ok(self.ws, "call.transfer_complete")
            self.wait_for("the agent's phone gets a BYE", lambda: getattr(self.phone, "ended_by_server", False))
            self.wait_for("wrap-up", lambda: self.agent_view()["state"] in ("wrap_up", "ready"))
            time.sleep(1.0)
            self.assertGreater(self.hears(citizen, COLLEAGUE_TONE), 0.3, "citizen hears the colleague")
            self.assertGreater(self.hears(colleague, CITIZEN_TONE), 0.3, "colleague hears the citizen")
            self.assertFalse(getattr(citizen, "ended_by_server", False))
            colleague.bye_incoming()
            self.wait_for("the citizen's BYE", lambda: getattr(citizen, "ended_by_server", False))
        finally:
            citizen.close()
            colleague.close()

        def legs():
            return self.d.db().execute(
                "SELECT l.role, l.endpoint, l.hangup_cause FROM call_legs l JOIN calls c ON c.id = l.call_id "
                "WHERE c.uuid = ? ORDER BY l.leg_index", (call,)).fetchall()
        self.wait_for("the call record", lambda: len(legs()) == 3)
        self.assertEqual([l[:2] for l in legs()],
                         [("caller", "trunk:citizens"), ("agent", "extension:8001"), ("consult", "extension:8002")])
        self.assertEqual(legs()[1][2], "transferred")
        transferred = self.d.db().execute(
            "SELECT count(*) FROM acd_agent_events WHERE agent = ? AND reason = 'transferred'", (AGENT,)).fetchone()[0]
        self.assertGreaterEqual(transferred, 1)

    def test_2_the_colleague_hangs_up_or_the_agent_cancels(self):
        citizen = self.citizen_with_agent("13933334444")
        colleague = SipUa(self.d.sip_port, local_ip="127.0.0.1")
        try:
            colleague.register("8002", PHONE_PASSWORD)
            self.ok(self.ws, "call.consult", {"target": "8002"})  # through the dial plan
            colleague.wait_incoming()
            time.sleep(0.5)
            colleague.bye_incoming()
            time.sleep(1.0)
            self.assertGreater(self.hears(citizen, AGENT_TONE), 0.3, "back with the agent")
            self.assertGreater(self.hears(self.phone, CITIZEN_TONE), 0.3)
            self.wait_for("on_call again", lambda: self.agent_view()["state"] == "on_call")

            second = SipUa(self.d.sip_port, local_ip="127.0.0.1")
            try:
                second.register("8002", PHONE_PASSWORD)
                self.ok(self.ws, "call.consult", {"target": "extension:8002"})
                second.wait_incoming()
                self.ok(self.ws, "call.consult_cancel")
                self.wait_for("the colleague's BYE", lambda: getattr(second, "ended_by_server", False))
                time.sleep(1.0)
                self.assertGreater(self.hears(citizen, AGENT_TONE), 0.3, "back with the agent after cancelling")
            finally:
                second.close()
            self.assertEqual(self.error(self.ws, "call.consult_cancel")["code"], -32002)
            self.ok(self.ws, "call.bye")
            self.wait_for("the citizen's BYE", lambda: getattr(citizen, "ended_by_server", False))
        finally:
            citizen.close()
            colleague.close()

    def test_3_a_browser_agent_is_consulted_and_takes_the_call_over(self):
        browser = self.d.ws(self.browser_token)
        self.assertEqual(browser.recv_json()["method"], "session.ready")
        try:
            self.ok(browser, "agent.login", {"device": "browser"})
            self.ok(browser, "agent.state", {"state": "not_ready", "reason": "training"}, id=2)
            citizen = self.citizen_with_agent("13955556666")
            try:
                call = self.agent_view()["live_call"]
                # Rung, rejected: the agent is back with the citizen.
                self.ok(self.ws, "call.consult", {"target": f"agent:{BROWSER_AGENT}"})
                invite = browser.recv_method("call.invite")["params"]
                self.assertEqual((invite["call"], invite["consult"], invite["from_agent"]), (call, True, AGENT))
                self.assertNotIn("13955556666", invite["caller_masked"])
                self.wait_for("busy for the ACD", lambda: self.agent_view(self.browser_token)["state"] == "busy_elsewhere")
                self.ok(browser, "call.reject", {"call": call}, id=3)
                time.sleep(1.0)
                self.assertGreater(self.hears(citizen, AGENT_TONE), 0.3, "back with the agent after the reject")
                self.wait_for("free again", lambda: self.agent_view(self.browser_token)["state"] == "not_ready")

                # Rung, answered, the consulting agent hangs up: the browser agent owns the call.
                self.ok(self.ws, "call.consult", {"target": f"agent:{BROWSER_AGENT}"}, id=2)
                invite = browser.recv_method("call.invite")["params"]
                self.ok(browser, "call.answer", {"call": call, "sdp": browser_sdp("answer")}, id=4)
                self.assertEqual(browser.recv_method("call.state")["params"]["state"], "connected")
                self.ok(self.ws, "call.bye", id=3)
                handed = browser.recv_method("call.state")["params"]
                self.assertEqual((handed["state"], handed["cause"]), ("connected", "transferred_to_you"))
                self.wait_for("the agent's phone gets a BYE", lambda: getattr(self.phone, "ended_by_server", False))
                self.assertFalse(getattr(citizen, "ended_by_server", False))
                self.assertEqual(self.agent_view(self.browser_token)["live_call"], call)
                # The new owner holds (the citizen hears music) and hangs up.
                self.ok(browser, "call.hold", {"call": call, "hold": True}, id=5)
                self.assertEqual(browser.recv_method("call.state")["params"]["state"], "held")
                self.ok(browser, "call.bye", {"call": call}, id=6)
                self.wait_for("the citizen's BYE", lambda: getattr(citizen, "ended_by_server", False))
                self.wait_for("free again", lambda: self.agent_view(self.browser_token)["state"] == "not_ready")
            finally:
                citizen.close()
        finally:
            browser.close()

    def test_4_a_supervisor_monitors_from_the_browser(self):
        supervisor = self.d.ws(self.d.login(SUPERVISOR, "secret-pass-1"))
        self.assertEqual(supervisor.recv_json()["method"], "session.ready")
        browser = self.d.ws(self.browser_token)
        self.assertEqual(browser.recv_json()["method"], "session.ready")
        citizen = None
        try:
            self.assertEqual(self.error(browser, "call.monitor", {"agent": AGENT, "mode": "listen",
                                                                  "sdp": browser_sdp("offer")})["code"], -32001)
            self.assertEqual(self.error(supervisor, "call.monitor", {"agent": AGENT, "mode": "spy",
                                                                     "sdp": browser_sdp("offer")})["code"], -32602)
            nobody = self.error(supervisor, "call.monitor", {"agent": AGENT, "mode": "listen",
                                                             "sdp": browser_sdp("offer")}, id=2)
            self.assertEqual(nobody["code"], -32004, nobody)
            citizen = self.citizen_with_agent("13977778888")
            joined = self.ok(supervisor, "call.monitor", {"agent": AGENT, "mode": "listen",
                                                         "sdp": browser_sdp("offer")}, id=3)
            self.assertIn("a=setup:passive", joined["sdp"])
            self.assertEqual(supervisor.recv_method("call.state")["params"]["state"], "connected")
            time.sleep(1.0)
            # Listening changes nothing for the two parties.
            self.assertGreater(self.hears(citizen, AGENT_TONE), 0.3)
            self.assertGreater(self.hears(self.phone, CITIZEN_TONE), 0.3)
            self.ok(supervisor, "call.bye", {"call": joined["call"]}, id=4)
            time.sleep(1.0)
            self.assertGreater(self.hears(citizen, AGENT_TONE), 0.3, "the call goes on after the supervisor left")
            self.assertFalse(getattr(citizen, "ended_by_server", False))
            self.ok(self.ws, "call.bye")
        finally:
            if citizen:
                citizen.close()
            browser.close()
            supervisor.close()


if __name__ == "__main__":
    unittest.main()
