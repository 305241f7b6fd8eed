"""Calls through the B2BUA with real SIP peers: sipp as the citizen (from a
trunk's address, 127.0.0.2) and sipp as an agent's desk phone registered as
extension 8001 (127.0.0.1). RTP flows through hotlined's relay both ways
(the citizen plays a G.711 recording, the phone echoes it with -rtp_echo),
and every call leaves a call record in SQLite."""
import os
import re
import shutil
import socket
import subprocess
import time
import unittest

from harness import Daemon, stop_and_check

SIP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sip")
PHONE_PASSWORD = "phone-secret-01"


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def free_media_port():
    """An even port whose next three ports are free too (sipp's RTP and RTCP)."""
    for _ in range(100):
        port = free_udp_port() & ~1
        socks = []
        try:
            for p in range(port, port + 4):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free media ports")


@unittest.skipUnless(shutil.which("sipp"), "sipp (Debian sip-tester) is not installed")
class CallsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon({
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]}],
            "dialplan": [{"match": "9196", "to": "echo"}, {"match": "_8XXX", "to": "extension"},
                         {"match": "12345", "to": "ivr:12345"}, {"match": "110", "to": "reject:403"}],
            "calls": {"ring_timeout_seconds": 20},
            # The hostile corpus comes from 127.0.0.1 like the phones: no flood ban here.
            # Sanitizer builds on a busy CI machine run late; shedding is not the subject here.
            "sip": {"max_requests_per_second": 100000, "overload_lag_ms": 0},
        }).start()
        token = cls.d.admin()
        for user in ("8001", "8002"):
            status, body, _ = cls.d.request("POST", "/api/v1/sip/accounts",
                                            {"username": user, "password": PHONE_PASSWORD}, token=token)
            assert status == 201, body

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    # -- peers -------------------------------------------------------------
    def sipp_args(self, scenario, work, address, port, media_port, extra):
        return ["sipp", f"127.0.0.1:{self.d.sip_port}", "-sf", os.path.join(SIP_DIR, scenario), "-t", "u1",
                "-i", address, "-p", str(port), "-mp", str(media_port), "-m", "1", "-timeout", "40s",
                "-timeout_error", "-nostdin", "-trace_err", "-error_file", os.path.join(work, "errors.log")] + extra

    def workdir(self, name):
        work = os.path.join(self.d.root, f"sipp-{name}-{time.time_ns()}")
        os.makedirs(work)
        return work

    def check(self, r, work, who):
        errors = ""
        if os.path.exists(os.path.join(work, "errors.log")):
            errors = open(os.path.join(work, "errors.log"), errors="replace").read()[-3000:]
        self.assertEqual(r.returncode, 0, f"{who} sipp failed ({r.returncode}):\n{r.stdout[-2000:]}\n{errors}\n"
                                          f"{self.d.log()[-4000:]}")

    def phone(self, scenario, user="8001", extra=()):
        """Registers `user` from a fresh port, then runs the phone's scenario there (in the background)."""
        port = free_udp_port()
        work = self.workdir(f"phone-{user}")
        reg = subprocess.run(["sipp", f"127.0.0.1:{self.d.sip_port}", "-sf", os.path.join(SIP_DIR, "register.xml"),
                              "-t", "u1", "-i", "127.0.0.1", "-p", str(port), "-s", user, "-au", user,
                              "-ap", PHONE_PASSWORD, "-m", "1", "-timeout", "10s", "-timeout_error", "-nostdin"],
                             cwd=work, capture_output=True, text=True, timeout=30)
        self.check(reg, work, "register")
        proc = subprocess.Popen(self.sipp_args(scenario, work, "127.0.0.1", port, free_media_port(), list(extra)),
                                cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(0.3)  # sipp binds its socket
        return proc, work

    def citizen(self, scenario, number, extra=()):
        work = self.workdir("citizen")
        r = subprocess.run(self.sipp_args(scenario, work, "127.0.0.2", 0, free_media_port(),
                                          ["-s", number] + list(extra)),
                           cwd=work, capture_output=True, text=True, timeout=90)
        self.check(r, work, "citizen")

    def wait_phone(self, proc, work):
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        proc.stdout = None

        class R:
            returncode = proc.returncode
            stdout = out or ""
        self.check(R, work, "phone")

    def last_call(self, dialled, after_ms=0):
        """The newest call record for `dialled`, waiting for its write."""
        deadline = time.time() + 10
        while time.time() < deadline:
            with self.d.db() as db:
                row = db.execute("SELECT id, status, hangup_cause, hangup_side, route, source, caller, answered_at "
                                 "FROM calls WHERE dialled = ? AND started_at >= ? ORDER BY id DESC LIMIT 1",
                                 (dialled, after_ms)).fetchone()
                if row:
                    legs = db.execute("SELECT leg_index, role, endpoint, status, packets_in, packets_out, lost_in, "
                                      "hangup_side FROM call_legs WHERE call_id = ? ORDER BY leg_index",
                                      (row[0],)).fetchall()
                    return row, legs
            time.sleep(0.1)
        self.fail(f"no call record for {dialled}:\n{self.d.log()[-3000:]}")

    def metric(self, name):
        _, body, _ = self.d.request("GET", "/metrics")
        text = body if isinstance(body, str) else body.decode() if isinstance(body, bytes) else str(body)
        m = re.search(r"^" + re.escape(name) + r" (\d+)", text, re.M)
        return int(m.group(1)) if m else 0

    @staticmethod
    def now_ms():
        return int(time.time() * 1000)

    # -- calls -------------------------------------------------------------
    def test_basic_call_relays_rtp_both_ways(self):
        start = self.now_ms()
        relayed_before = self.metric("hotline_rtp_packets_relayed_total")
        proc, work = self.phone("uas_answer.xml", extra=["-rtp_echo"])
        self.citizen("uac_call.xml", "8001")
        self.wait_phone(proc, work)
        call, legs = self.last_call("8001", start)
        self.assertEqual(call[1:6], (200, "normal", "caller", "extension:8001", "trunk:citizens"))
        self.assertEqual(len(legs), 2)
        caller, callee = legs
        self.assertEqual(caller[1:4], ("caller", "trunk:citizens", 200))
        self.assertEqual(callee[1:4], ("callee", "extension:8001", 200))
        # The citizen's recording went to the phone, and the phone's echo came back.
        self.assertGreater(caller[4], 50, legs)
        self.assertGreater(callee[5], 50, legs)
        self.assertGreater(callee[4], 50, legs)
        self.assertGreater(caller[5], 50, legs)
        # The media threads add their counts to the metric once a second: wait for the flush.
        sent_to_parties = caller[5] + callee[5]
        deadline = time.time() + 5
        while time.time() < deadline:
            relayed = self.metric("hotline_rtp_packets_relayed_total") - relayed_before
            if relayed >= sent_to_parties:
                break
            time.sleep(0.2)
        self.assertGreaterEqual(relayed, sent_to_parties)

    def test_callee_hangs_up(self):
        start = self.now_ms()
        proc, work = self.phone("uas_hangs_up.xml")
        self.citizen("uac_wait_bye.xml", "8001")
        self.wait_phone(proc, work)
        call, legs = self.last_call("8001", start)
        self.assertEqual(call[1:4], (200, "normal", "callee"))

    def test_cancel_before_answer(self):
        start = self.now_ms()
        proc, work = self.phone("uas_ring.xml")
        self.citizen("uac_cancel.xml", "8001")
        self.wait_phone(proc, work)
        call, legs = self.last_call("8001", start)
        self.assertEqual(call[1:4], (487, "cancel", "caller"))
        self.assertIsNone(call[7])
        self.assertEqual(legs[1][3], 487)

    def test_busy_phone_gives_486(self):
        start = self.now_ms()
        proc, work = self.phone("uas_busy.xml")
        self.citizen("uac_expect_486.xml", "8001")
        self.wait_phone(proc, work)
        call, legs = self.last_call("8001", start)
        self.assertEqual(call[1:4], (486, "busy", "callee"))

    def test_unknown_number_gives_404(self):
        self.citizen("uac_expect_404.xml", "7777")

    def test_hold_and_resume(self):
        start = self.now_ms()
        proc, work = self.phone("uas_answer.xml")
        self.citizen("uac_hold.xml", "8001")
        self.wait_phone(proc, work)
        call, _ = self.last_call("8001", start)
        # The scenario itself checks the answers: recvonly to sendonly, sendrecv to sendrecv.
        self.assertEqual(call[1:3], (200, "normal"))

    def test_echo_test_9196(self):
        start = self.now_ms()
        self.citizen("uac_call.xml", "9196")
        call, legs = self.last_call("9196", start)
        self.assertEqual(call[1:5], (200, "normal", "caller", "echo"))
        self.assertEqual(len(legs), 1)
        self.assertGreater(legs[0][4], 50)
        self.assertGreater(legs[0][5], 50)

    def test_late_offer_invite_gets_our_offer_and_the_ack_answers(self):
        start = self.now_ms()
        self.citizen("uac_late_offer.xml", "9196")
        call, legs = self.last_call("9196", start)
        self.assertEqual(call[1:5], (200, "normal", "caller", "echo"))
        self.assertGreater(legs[0][4], 50)  # the a-law the ACK's answer chose went in
        self.assertGreater(legs[0][5], 50)  # and came back from the echo

    def test_blind_transfer_with_refer(self):
        start = self.now_ms()
        target, target_work = self.phone("uas_answer.xml", user="8002")
        agent, agent_work = self.phone("uas_refer.xml", user="8001")
        self.citizen("uac_call.xml", "8001")
        self.wait_phone(agent, agent_work)
        self.wait_phone(target, target_work)
        call, legs = self.last_call("8001", start)
        self.assertEqual(call[1:4], (200, "normal", "caller"))
        self.assertEqual([(l[1], l[2], l[3]) for l in legs],
                         [("caller", "trunk:citizens", 200), ("callee", "extension:8001", 200),
                          ("transfer", "extension:8002", 200)])
        # The citizen's audio reached 8002 after the transfer.
        self.assertGreater(legs[2][5], 20, legs)

    def test_info_dtmf_is_relayed_to_the_other_party(self):
        start = self.now_ms()
        proc, work = self.phone("uas_info.xml")
        self.citizen("uac_info.xml", "8001")
        self.wait_phone(proc, work)
        call, _ = self.last_call("8001", start)
        self.assertEqual(call[1:3], (200, "normal"))

    def test_call_records_api(self):
        start = self.now_ms()
        self.citizen("uac_call.xml", "9196")
        self.last_call("9196", start)
        status, body, _ = self.d.request("GET", f"/api/v1/calls?from={start}&caller=13800138000&limit=5",
                                         token=self.d.admin())
        self.assertEqual(status, 200, body)
        record = body["items"][0]
        self.assertEqual((record["dialled"], record["route"], record["status"]), ("9196", "echo", 200))
        self.assertEqual(record["legs"][0]["codec"], "PCMA")
        self.assertGreater(record["legs"][0]["rtp"]["packets_in"], 50)
        status, body, _ = self.d.request("GET", "/api/v1/calls?limit=0", token=self.d.admin())
        self.assertEqual(status, 400)

    def test_class_of_service_limits_what_a_phone_may_dial(self):
        token = self.d.admin()
        status, body, _ = self.d.request("POST", "/api/v1/sip/accounts",
                                         {"username": "8009", "password": PHONE_PASSWORD,
                                          "class_of_service": "gold"}, token=token)
        self.assertEqual(status, 400)
        self.assertIn("class_of_service", body["error"]["message"])

    def test_a_call_completes_after_the_hostile_corpus(self):
        """Every hostile message over UDP and TCP first; the B2BUA must still carry a call with RTP."""
        from test_sip import load_corpus
        cases = load_corpus()
        self.assertGreaterEqual(len(cases), 50)
        for name, data, _, _ in cases:
            if not data:
                continue
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.sendto(data, ("127.0.0.1", self.d.sip_port))
            u.close()
            t = socket.create_connection(("127.0.0.1", self.d.sip_port), timeout=2)
            try:
                t.sendall(data)
            except OSError:
                pass  # the server may close first
            t.close()
        start = self.now_ms()
        proc, work = self.phone("uas_answer.xml", extra=["-rtp_echo"])
        self.citizen("uac_call.xml", "8001")
        self.wait_phone(proc, work)
        call, legs = self.last_call("8001", start)
        self.assertEqual(call[1:3], (200, "normal"))
        self.assertGreater(legs[0][5], 50, legs)
        self.assertEqual(self.d.proc.poll(), None)

    def test_retransmissions_under_packet_loss(self):
        """10% of SIP messages lost in both peers: timers A, E, G and 2xx retransmission carry every call."""
        for _ in range(3):
            start = self.now_ms()
            proc, work = self.phone("uas_answer.xml", extra=["-lost", "10"])
            self.citizen("uac_call.xml", "8001", extra=["-lost", "10"])
            self.wait_phone(proc, work)
            call, _ = self.last_call("8001", start)
            self.assertEqual(call[1:3], (200, "normal"))


if __name__ == "__main__":
    unittest.main()
