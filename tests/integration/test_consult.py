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
        # The carrier's side of the callback trunk: a UA that answers what we send it.
        cls.carrier = SipUa(0, local_ip="127.0.0.3", number="carrier")
        cls.carrier.sip_thread.start()
        cls.carrier.rtp_thread.start()
        carrier_port = cls.carrier.sip.getsockname()[1]
        cls.d = Daemon({
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]},
                       {"name": "carrier", "address": f"127.0.0.3:{carrier_port}"}],
            "dialplan": [{"match": "12300", "to": "queue:human"}, {"match": "12301", "to": "queue:callbacks"},
                         {"match": "_8XXX", "to": "extension"},
                         {"match": "_1XXXXXXXXXX", "to": "trunk:carrier"}],
            "sip": {"max_requests_per_second": 100000, "overload_lag_ms": 0},
            "acd": {"queues": [{"name": "human", "display_name": "人工服务", "strategy": "longest_idle",
                                "ring_timeout_seconds": 20, "wrap_up_seconds": 2,
                                "announce_job_number": False},
                               {"name": "callbacks", "display_name": "回拨", "strategy": "longest_idle",
                                "ring_timeout_seconds": 20, "wrap_up_seconds": 1, "announce_job_number": False}],
                    "members": [{"queue": "human", "agent": AGENT}, {"queue": "callbacks", "agent": BROWSER_AGENT}],
                    "callback_trunk": "carrier"},
        }).start()
        cls.carrier.server = ("127.0.0.1", cls.d.sip_port)  # known only now
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
        cls.carrier.close()
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
            self.ok(self.ws, "call.hold", {"hold": True})  # held first: consulting must give the agent a voice again
            self.ok(self.ws, "call.consult", {"target": "8002"}, id=2)  # through the dial plan
            colleague.wait_incoming()
            time.sleep(1.0)
            self.assertGreater(self.hears(colleague, AGENT_TONE), 0.3, "the colleague hears the agent")
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
            # The citizen hangs up while waiting on hold: everyone else is hung up, the citizen is not BYE'd back.
            third = SipUa(self.d.sip_port, local_ip="127.0.0.1")
            try:
                third.register("8002", PHONE_PASSWORD)
                self.ok(self.ws, "call.consult", {"target": "extension:8002"}, id=2)
                third.wait_incoming()
                time.sleep(0.3)
                citizen.bye()
                self.wait_for("the colleague's BYE", lambda: getattr(third, "ended_by_server", False))
                self.wait_for("the agent's BYE", lambda: getattr(self.phone, "ended_by_server", False))
                time.sleep(0.5)
                self.assertFalse(getattr(citizen, "ended_by_server", False), "no BYE to whoever hung up")
            finally:
                third.close()
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

    def test_5_a_browser_agent_calls_a_citizen_back(self):
        browser = self.d.ws(self.browser_token)
        self.assertEqual(browser.recv_json()["method"], "session.ready")
        citizen = SipUa(self.d.sip_port, number="13800000009")
        try:
            browser.call("agent.logout", {})
            self.ok(browser, "agent.login", {"device": "browser"}, id=2)
            # The citizen asks to be called back while nobody is ready, and hangs up.
            citizen.call("12301")
            citizen.send_silence(1500)
            citizen.send_rfc4733("1")  # call me back
            citizen.send_silence(1500)
            citizen.send_rfc4733("1")  # at this number
            deadline = time.time() + 20
            while time.time() < deadline and not getattr(citizen, "ended_by_server", False):
                citizen.send_silence(200)
            self.assertTrue(getattr(citizen, "ended_by_server", False), "we hang up after confirming the callback")
            # The browser agent becomes ready: the console rings for the callback, answers, the citizen is called.
            self.ok(browser, "agent.state", {"state": "ready"}, id=3)
            invite = browser.recv_method("call.invite")["params"]
            self.assertTrue(invite.get("callback"), invite)
            self.assertEqual(invite["queue"], "callbacks")
            self.assertNotIn("13800000009", invite["caller_masked"])
            self.ok(browser, "call.answer", {"call": invite["call"], "sdp": browser_sdp("answer")}, id=4)
            self.assertEqual(browser.recv_method("call.state")["params"]["state"], "connected")
            self.wait_for("the carrier rung for the citizen", lambda: self.carrier.incoming is not None, 15)
            self.assertIn("13800000009", self.carrier.incoming.split("\r\n", 1)[0])
            self.wait_for("the callback connected", lambda: self.d.db().execute(
                "SELECT state FROM acd_callbacks ORDER BY rowid DESC LIMIT 1").fetchone()[0] == "connected")
            self.ok(browser, "call.bye", {"call": invite["call"]}, id=5)
            self.wait_for("the citizen's BYE", lambda: getattr(self.carrier, "ended_by_server", False))
        finally:
            citizen.close()
            browser.close()

    def test_6_click_to_call_rings_the_agent_then_the_citizen(self):
        self.fresh_phone()
        self.carrier.incoming = None
        self.carrier.ended_by_server = False
        admin = self.d.admin()
        status, ticket, _ = self.d.request("POST", "/api/v1/tickets", {
            "type": "complaint", "category_code": "0301", "summary": "小区停水", "content": "幸福路12号停水。",
            "location": "幸福路12号", "caller_name": "王先生", "caller_phone": "13812340000"}, token=admin)
        self.assertEqual(status, 201, ticket)
        self.assertEqual(self.error(self.ws, "call.dial", {})["code"], -32602)
        self.assertEqual(self.error(self.ws, "call.dial", {"number": "12ab"})["code"], -32602)
        self.assertEqual(self.error(self.ws, "call.dial", {"ticket": 999999})["code"], -32004)
        placed = self.ok(self.ws, "call.dial", {"ticket": ticket["id"]}, id=2)
        self.assertEqual(placed["number_masked"][:3], "138")
        self.assertNotIn("13812340000", placed["number_masked"])
        self.phone.wait_incoming()  # the agent's phone first ...
        self.wait_for("the carrier rung for the citizen", lambda: self.carrier.incoming is not None, 15)
        self.assertIn("13812340000", self.carrier.incoming.split("\r\n", 1)[0])  # ... then the citizen
        self.carrier.start_tone(CITIZEN_TONE)
        self.phone.start_tone(AGENT_TONE)
        try:
            time.sleep(1.0)
            self.assertGreater(self.hears(self.carrier, AGENT_TONE), 0.3, "the citizen hears the agent")
            self.assertGreater(self.hears(self.phone, CITIZEN_TONE), 0.3, "the agent hears the citizen")
            self.assertEqual(self.agent_view()["state"], "busy_elsewhere")
            self.assertEqual(self.agent_view()["live_call"], placed["call"])
            self.assertEqual(self.error(self.ws, "call.dial", {"number": "13812340001"}, id=3)["code"], -32002)
            self.ok(self.ws, "call.bye", id=4)
            self.wait_for("the citizen's BYE", lambda: getattr(self.carrier, "ended_by_server", False))
        finally:
            self.carrier.stop_tone()
        history = self.d.db().execute("SELECT action, changes FROM ticket_history WHERE ticket_id = ? AND action = "
                                      "'callback_call'", (ticket["id"],)).fetchall()
        self.assertEqual(len(history), 1, history)
        self.assertIn(placed["call"], history[0][1])
        self.wait_for("the call record", lambda: self.d.db().execute(
            "SELECT count(*) FROM call_legs l JOIN calls c ON c.id = l.call_id WHERE c.uuid = ?",
            (placed["call"],)).fetchone()[0] == 2)
        roles = self.d.db().execute("SELECT l.role, l.endpoint FROM call_legs l JOIN calls c ON c.id = l.call_id "
                                    "WHERE c.uuid = ? ORDER BY l.leg_index", (placed["call"],)).fetchall()
        self.assertEqual(roles, [("agent_out", "extension:8001"), ("callee", "trunk:carrier")])

    def test_7_a_reload_while_consulting_gets_the_consultation_back(self):
        ws = self.d.ws(self.browser_token)
        ready = ws.recv_json()["params"]
        citizen = SipUa(self.d.sip_port, number="13900001111")
        colleague = SipUa(self.d.sip_port, local_ip="127.0.0.1")
        try:
            ws.call("agent.logout", {})
            self.ok(ws, "agent.login", {"device": "browser"}, id=2)
            self.ok(ws, "agent.state", {"state": "ready"}, id=3)
            colleague.register("8002", PHONE_PASSWORD)
            citizen.call("12301")
            invite = ws.recv_method("call.invite")["params"]
            call = invite["call"]
            self.ok(ws, "call.answer", {"call": call, "sdp": browser_sdp("answer")}, id=4)
            self.assertEqual(ws.recv_method("call.state")["params"]["state"], "connected")
            self.ok(ws, "call.consult", {"target": "extension:8002"}, id=5)
            colleague.wait_incoming()
            states = [ws.recv_method("call.state")["params"]["state"] for _ in range(2)]
            self.assertEqual(states, ["consult_ringing", "consulting"])
            # The page reloads mid-consultation.
            ws.close()
            ws = self.d.ws(self.browser_token)
            self.assertEqual(ws.recv_json()["method"], "session.ready")
            attached = self.ok(ws, "session.attach", {"session_id": ready["session_id"]})
            self.assertEqual(attached["call"], call)
            again = ws.recv_method("call.invite")["params"]
            self.assertTrue(again["reattach"])
            self.ok(ws, "call.answer", {"call": call, "sdp": browser_sdp("answer")}, id=2)
            state = ws.recv_method("call.state")["params"]
            self.assertEqual((state["state"], state["target"]), ("consulting", "extension:8002"))
            self.ok(ws, "call.transfer_complete", id=3)
            ended = ws.recv_method("call.state")["params"]
            self.assertEqual((ended["state"], ended["cause"]), ("ended", "transferred"))
            citizen.start_tone(CITIZEN_TONE)
            colleague.start_tone(COLLEAGUE_TONE)
            time.sleep(1.0)
            self.assertGreater(self.hears(citizen, COLLEAGUE_TONE), 0.3, "citizen and colleague talk")
            self.assertGreater(self.hears(colleague, CITIZEN_TONE), 0.3)
            colleague.bye_incoming()
            self.wait_for("the citizen's BYE", lambda: getattr(citizen, "ended_by_server", False))
        finally:
            citizen.close()
            colleague.close()
            ws.close()


if __name__ == "__main__":
    unittest.main()
