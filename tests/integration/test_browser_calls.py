"""Browser softphone calls over the WebSocket protocol, from a plain WebSocket
client (docs/websocket-protocol.md, "The agent console"): an agent logs in
with the browser device, a citizen (a Python SIP UA on the citizens' trunk)
is queued and offered to the browser with call.invite, the client answers
with a browser's SDP, holds and resumes (the citizen hears music), keys
digits (the citizen gets RFC 4733 events), reloads (closes the WebSocket,
re-attaches with session.attach and answers the fresh offer; the citizen
hears music meanwhile and stays connected), hangs up; an agent whose page
does not come back within the grace loses the call and the device; the test
phone places a call with call.invite; bad params, unknown calls and missing
permissions get their JSON-RPC errors. The WebRTC media itself (ICE, DTLS,
SRTP with a real browser) is covered by tests/e2e/console.test.mjs; here the
SDP is what Chromium writes, and no DTLS handshake happens."""
import re
import time
import unittest

from harness import Daemon, WsClosed, stop_and_check
from sipua import SipUa, energy

GRACE_S = 3
AGENT = "2001"
FINGERPRINT = ":".join(f"{b:02X}" for b in range(32))


def browser_sdp(kind):
    """What Chromium writes: Opus first, G.711, telephone-event, our BUNDLE/ICE/DTLS lines."""
    setup = "actpass" if kind == "offer" else "active"
    return "\r\n".join([
        "v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
        "a=extmap-allow-mixed", "a=msid-semantic: WMS stream",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:Xy7q", "a=ice-pwd:abcdefghijklmnopqrstuvwx", "a=ice-options:trickle",
        f"a=fingerprint:sha-256 {FINGERPRINT}", f"a=setup:{setup}", "a=mid:0", "a=sendrecv",
        "a=msid:stream track", "a=rtcp-mux", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1",
        "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:126 telephone-event/8000", "a=ssrc:1001 cname:abc",
    ]) + "\r\n"


class BrowserCallsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon({
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]}],
            "dialplan": [{"match": "12300", "to": "queue:human"}, {"match": "9196", "to": "echo"},
                         {"match": "_8XXX", "to": "extension"}],
            "sip": {"max_requests_per_second": 100000, "overload_lag_ms": 0},
            "websocket": {"reattach_grace_seconds": GRACE_S},
            "acd": {"queues": [{"name": "human", "display_name": "人工服务", "strategy": "longest_idle",
                                "ring_timeout_seconds": 20, "wrap_up_seconds": 2}],
                    "members": [{"queue": "human", "agent": AGENT}]},
        }).start()
        cls.d.create_user(AGENT, ["agent"])
        cls.d.create_user("2101", ["entry_clerk"])
        cls.d.create_user("2201", ["admin"])
        cls.token = cls.d.login(AGENT, "secret-pass-1")

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    # -- helpers -------------------------------------------------------------
    def connect(self, token=None):
        ws = self.d.ws(token or self.token)
        ready = ws.recv_json()
        self.assertEqual(ready["method"], "session.ready")
        self.assertRegex(ready["params"]["session_id"], r"^[0-9a-f]{32}$")
        return ws, ready["params"]["session_id"]

    def ok(self, ws, method, params, id=1):
        reply = ws.call(method, params, id=id)
        self.assertIn("result", reply, reply)
        return reply["result"]

    def error(self, ws, method, params, id=1):
        reply = ws.call(method, params, id=id)
        self.assertIn("error", reply, reply)
        return reply["error"]

    def agent(self):
        status, body, _ = self.d.request("GET", "/api/v1/agent", token=self.token)
        self.assertEqual(status, 200, body)
        return body

    def wait_for(self, what, fn, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if fn():
                return
            time.sleep(0.1)
        self.fail(f"timed out waiting for {what}")

    def state_of(self, ws, call):
        """The next call.state push about `call` (others, e.g. of calls that ended at once, are skipped)."""
        for _ in range(20):
            params = ws.recv_method("call.state")["params"]
            if params["call"] == call:
                return params["state"]
        self.fail(f"no call.state for {call}")

    def heard_energy(self, ua, seconds):
        return energy(ua.heard(time.time() - seconds))

    def queued_citizen(self, ws, number):
        ua = SipUa(self.d.sip_port, number=number)
        ua.call("12300")
        invite = ws.recv_method("call.invite")["params"]
        return ua, invite

    # -- the tests -------------------------------------------------------------
    def test_1_queue_call_hold_dtmf_reattach_and_hang_up(self):
        ws, first_session = self.connect()
        self.assertEqual(self.error(ws, "agent.login", {"device": "fax"})["code"], -32602)
        view = self.ok(ws, "agent.login", {"device": "browser"})
        self.assertEqual(view["device"], f"browser:{AGENT}")
        self.assertEqual(view["state"], "not_ready")
        self.ok(ws, "agent.state", {"state": "ready"}, id=2)
        ua, invite = self.queued_citizen(ws, "13912345678")
        try:
            sdp = invite["sdp"]
            for line in ("a=ice-lite", "UDP/TLS/RTP/SAVPF", "a=fingerprint:sha-256 ", "a=setup:actpass", "a=rtcp-mux",
                         "a=rtpmap:0 PCMU/8000"):
                self.assertIn(line, sdp)
            self.assertEqual(invite["queue"], "human")
            self.assertNotIn("13912345678", invite["caller_masked"])
            self.assertEqual(self.agent()["state"], "ringing")
            # Bad answers first: nothing changes.
            self.assertEqual(self.error(ws, "call.answer", {"call": invite["call"]}, id=3)["code"], -32602)
            bad = self.error(ws, "call.answer", {"call": invite["call"], "sdp": "v=0\r\n"}, id=4)
            self.assertEqual(bad["code"], -32602)
            self.assertIn("sdp", bad["message"])
            self.assertEqual(self.error(ws, "call.answer", {"call": "no-such-call", "sdp": browser_sdp("answer")},
                                        id=5)["code"], -32004)
            self.ok(ws, "call.answer", {"call": invite["call"], "sdp": browser_sdp("answer")}, id=6)
            state = ws.recv_method("call.state")["params"]
            self.assertEqual((state["call"], state["state"]), (invite["call"], "connected"))
            self.wait_for("on_call", lambda: self.agent()["state"] == "on_call")
            self.assertEqual(self.agent()["live_call"], invite["call"])

            # Hold: the citizen hears music; resume: it stops.
            self.ok(ws, "call.hold", {"call": invite["call"], "hold": True}, id=7)
            self.assertEqual(ws.recv_method("call.state")["params"]["state"], "held")
            time.sleep(1.5)
            self.assertGreater(self.heard_energy(ua, 1.0), 300, "music on hold while held")
            self.ok(ws, "call.hold", {"call": invite["call"], "hold": False}, id=8)
            self.assertEqual(ws.recv_method("call.state")["params"]["state"], "connected")

            # Digits keyed in the console reach the citizen as RFC 4733 events.
            self.assertEqual(self.error(ws, "call.dtmf", {"call": invite["call"], "digits": "12x"}, id=9)["code"],
                             -32602)
            self.ok(ws, "call.dtmf", {"call": invite["call"], "digits": "5#"}, id=10)
            self.wait_for("telephone-events at the citizen", lambda: len(ua.received_events) > 0)

            # The page reloads: the old connection goes, the citizen hears music, a new one re-attaches.
            ws.close()
            time.sleep(1.5)
            self.assertGreater(self.heard_energy(ua, 1.0), 300, "music while the agent's page reloads")
            ws, second_session = self.connect()
            self.assertNotEqual(first_session, second_session)
            self.assertEqual(self.error(ws, "session.attach", {"session_id": "0" * 32}, id=11)["code"], -32004)
            attached = self.ok(ws, "session.attach", {"session_id": first_session}, id=12)
            self.assertEqual(attached["call"], invite["call"])
            self.assertEqual(attached["session_id"], second_session)
            self.assertEqual(attached["agent"]["state"], "on_call")
            again = ws.recv_method("call.invite")["params"]
            self.assertTrue(again["reattach"])
            self.assertEqual(again["call"], invite["call"])
            self.assertNotEqual(re.search(r"a=ice-ufrag:(\S+)", again["sdp"]).group(1),
                                re.search(r"a=ice-ufrag:(\S+)", sdp).group(1), "a fresh WebRTC leg")
            self.ok(ws, "call.answer", {"call": invite["call"], "sdp": browser_sdp("answer")}, id=13)
            self.assertEqual(ws.recv_method("call.state")["params"]["state"], "connected")
            time.sleep(GRACE_S + 1)  # past the grace: the re-attached call stays
            self.assertFalse(getattr(ua, "ended_by_server", False), "the citizen is still connected")
            self.assertEqual(self.agent()["state"], "on_call")

            # Hang up from the console: the citizen gets a BYE, the agent goes to wrap-up.
            self.ok(ws, "call.bye", {"call": invite["call"]}, id=14)
            ended = ws.recv_method("call.state")["params"]
            self.assertEqual((ended["call"], ended["state"]), (invite["call"], "ended"))
            self.wait_for("the citizen's BYE", lambda: getattr(ua, "ended_by_server", False))
            self.wait_for("wrap-up", lambda: self.agent()["state"] in ("wrap_up", "ready"))
            self.assertEqual(self.error(ws, "call.bye", {"call": invite["call"]}, id=15)["code"], -32004)
        finally:
            ua.close()
            ws.close()
        def legs():
            return self.d.db().execute("SELECT l.endpoint, l.answered_at > 0 FROM call_legs l JOIN calls c ON "
                                       "c.id = l.call_id WHERE c.uuid = ?", (invite["call"],)).fetchall()
        self.wait_for("the call record", lambda: len(legs()) == 2)
        self.assertIn((f"browser:{AGENT}", 1), legs())

    def test_2_a_page_that_does_not_come_back_loses_the_call_and_the_device(self):
        ws, _ = self.connect()
        ws.call("agent.logout", {})  # after the first test's call
        self.ok(ws, "agent.login", {"device": "browser"}, id=9)
        self.wait_for("ready", lambda: self.ok(ws, "agent.state", {"state": "ready"}, id=2)["state"] == "ready")
        ua, invite = self.queued_citizen(ws, "13987654321")
        try:
            self.ok(ws, "call.answer", {"call": invite["call"], "sdp": browser_sdp("answer")}, id=3)
            self.assertEqual(ws.recv_method("call.state")["params"]["state"], "connected")
            ws.close()
            self.wait_for("the citizen's BYE after the grace", lambda: getattr(ua, "ended_by_server", False),
                          GRACE_S + 5)
            self.wait_for("device lost", lambda: self.agent()["state"] == "logged_out")
            reasons = self.d.db().execute("SELECT reason FROM acd_agent_events WHERE agent = ? AND to_state = "
                                          "'logged_out' ORDER BY rowid DESC LIMIT 1", (AGENT,)).fetchone()
            self.assertEqual(reasons[0], "device_lost")
        finally:
            ua.close()

    def test_3_test_phone_and_errors(self):
        ws, _ = self.connect(self.d.login("2201", "secret-pass-1"))
        try:
            # The admin has calls.place but not agent.work.
            self.assertEqual(self.error(ws, "agent.login", {"device": "browser"})["code"], -32001)
            bad = self.error(ws, "call.invite", {"number": "9196", "sdp": "garbage"}, id=2)
            self.assertEqual(bad["code"], -32602)
            self.assertEqual(self.error(ws, "call.invite", {"number": "91a6", "sdp": browser_sdp("offer")}, id=3)["code"],
                             -32602)
            unreachable = self.error(ws, "call.invite", {"number": "8999", "sdp": browser_sdp("offer")}, id=4)
            self.assertEqual(unreachable["code"], -32002, unreachable)
            echo = self.ok(ws, "call.invite", {"number": "9196", "sdp": browser_sdp("offer")}, id=5)
            answer = echo["sdp"]
            self.assertIn("a=setup:passive", answer)  # the browser's actpass: we are the DTLS server
            self.assertRegex(answer, r"m=audio [1-9]\d* UDP/TLS/RTP/SAVPF 0 126")
            self.assertIn("a=mid:0", answer)
            self.assertEqual(self.state_of(ws, echo["call"]), "connected")
            self.ok(ws, "call.dtmf", {"call": echo["call"], "digits": "1"}, id=6)
            self.ok(ws, "call.bye", {"call": echo["call"]}, id=7)
            ended = ws.recv_method("call.state")["params"]
            self.assertEqual((ended["call"], ended["state"]), (echo["call"], "ended"))
        finally:
            ws.close()
        clerk, _ = self.connect(self.d.login("2101", "secret-pass-1"))
        try:
            self.assertEqual(self.error(clerk, "call.invite", {"number": "9196", "sdp": browser_sdp("offer")})["code"],
                             -32001)
            self.assertEqual(self.error(clerk, "call.answer", {"call": "x", "sdp": "y"}, id=2)["code"], -32001)
        finally:
            clerk.close()


if __name__ == "__main__":
    unittest.main()
