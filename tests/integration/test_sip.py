"""The SIP listener over UDP and TCP: OPTIONS answered by a real peer (sipp),
the hostile corpus answered 400 or dropped, and the daemon still serving
afterwards."""
import os
import select
import shutil
import socket
import subprocess
import time
import unittest

from harness import DaemonTestCase, stop_and_check, Daemon

HERE = os.path.dirname(os.path.abspath(__file__))
SIP_DIR = os.path.join(HERE, "..", "sip")


def load_corpus():
    cases = []
    with open(os.path.join(SIP_DIR, "hostile", "expected.txt")) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            name, expect, why = [x.strip() for x in line.split("|")]
            with open(os.path.join(SIP_DIR, "hostile", name), "rb") as m:
                cases.append((name, m.read(), expect, why))
    return cases


def options(port, call_id="opt-1"):
    return (f"OPTIONS sip:12345@127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-{call_id};rport\r\n"
            "From: <sip:probe@127.0.0.1>;tag=p1\r\nTo: <sip:12345@127.0.0.1>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode()


class SipTest(DaemonTestCase):
    def udp_exchange(self, payload, timeout=3.0):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(timeout)
        s.sendto(payload, ("127.0.0.1", self.d.sip_port))
        try:
            data, _ = s.recvfrom(65536)
            return data, s.getsockname()[1]
        except socket.timeout:
            return None, s.getsockname()[1]
        finally:
            s.close()

    def test_options_over_udp_fills_received_and_rport(self):
        reply, local_port = self.udp_exchange(options(self.d.sip_port))
        self.assertIsNotNone(reply)
        self.assertTrue(reply.startswith(b"SIP/2.0 200 OK\r\n"), reply[:60])
        self.assertIn(f"rport={local_port}".encode(), reply)
        self.assertIn(b"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER", reply)
        self.assertIn(b"To: <sip:12345@127.0.0.1>;tag=", reply)

    def test_options_over_tcp_with_keepalives(self):
        s = socket.create_connection(("127.0.0.1", self.d.sip_port), timeout=5)
        s.sendall(b"\r\n\r\n" + options(self.d.sip_port, "tcp-1") + options(self.d.sip_port, "tcp-2"))
        data = b""
        deadline = time.time() + 5
        while data.count(b"SIP/2.0 200 OK") < 2 and time.time() < deadline:
            data += s.recv(65536)
        s.close()
        self.assertEqual(data.count(b"SIP/2.0 200 OK"), 2, data)
        self.assertIn(b"Call-ID: tcp-1", data)
        self.assertIn(b"Call-ID: tcp-2", data)

    def test_methods_we_do_not_serve_get_501_and_phones_must_authenticate_calls(self):
        message = options(self.d.sip_port, "msg-1").replace(b"OPTIONS", b"MESSAGE")
        reply, _ = self.udp_exchange(message)
        self.assertTrue(reply.startswith(b"SIP/2.0 501 Not Implemented"), reply)
        invite = options(self.d.sip_port, "inv-1").replace(b"OPTIONS", b"INVITE")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(invite, ("127.0.0.1", self.d.sip_port))
        first, _ = s.recvfrom(65536)
        second, _ = s.recvfrom(65536)
        s.close()
        self.assertTrue(first.startswith(b"SIP/2.0 100 Trying"), first)
        # Not from a trunk: a phone, which has to prove who it is.
        self.assertTrue(second.startswith(b"SIP/2.0 407 Proxy Authentication Required"), second)
        self.assertIn(b"Proxy-Authenticate: Digest realm=", second)
        ack = options(self.d.sip_port, "inv-1").replace(b"OPTIONS", b"ACK")
        reply, _ = self.udp_exchange(ack, timeout=0.5)
        self.assertIsNone(reply)  # ACK is never answered

    def test_hostile_corpus_over_udp(self):
        cases = [c for c in load_corpus() if c[2] != "accept"]
        self.assertGreaterEqual(len(cases), 50)
        sockets = []
        for name, data, expect, _ in cases:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setblocking(False)
            if data:
                s.sendto(data, ("127.0.0.1", self.d.sip_port))
            sockets.append((s, name, expect))
        replies = {}
        deadline = time.time() + 3
        while time.time() < deadline:
            ready, _, _ = select.select([s for s, _, _ in sockets], [], [], 0.2)
            for s in ready:
                replies[s] = s.recv(65536)
        for s, name, expect in sockets:
            with self.subTest(file=name):
                reply = replies.get(s)
                if expect == "400":
                    self.assertIsNotNone(reply, "expected a 400")
                    self.assertTrue(reply.startswith(b"SIP/2.0 400 Bad Request\r\n"), reply[:80])
                    self.assertIn(b'Warning: 399 hotlined "', reply)
                else:
                    self.assertIsNone(reply, f"expected no answer, got {reply[:80] if reply else None}")
            s.close()
        # And a normal request still works afterwards.
        reply, _ = self.udp_exchange(options(self.d.sip_port, "after-corpus"))
        self.assertTrue(reply.startswith(b"SIP/2.0 200 OK"))

    def test_hostile_corpus_over_tcp(self):
        # CRLFs before a message are keep-alives on a stream (RFC 5626), not an error.
        valid_on_streams = {"leading-crlf"}
        for name, data, expect, _ in load_corpus():
            if expect == "accept" or not data or name.split("-", 1)[1][:-4] in valid_on_streams:
                continue
            s = socket.create_connection(("127.0.0.1", self.d.sip_port), timeout=5)
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            reply = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
            except (ConnectionResetError, socket.timeout):
                pass
            s.close()
            with self.subTest(file=name):
                # Over a stream every hostile message is answered 400 or the
                # connection is closed without an answer; never a 200 or 501.
                self.assertTrue(reply == b"" or reply.startswith(b"SIP/2.0 400 Bad Request\r\n"), reply[:80])
        reply, _ = self.udp_exchange(options(self.d.sip_port, "after-tcp-corpus"))
        self.assertTrue(reply.startswith(b"SIP/2.0 200 OK"))

    def test_metrics_count_what_happened(self):
        self.udp_exchange(options(self.d.sip_port, "m-1"))
        self.udp_exchange(b"\x00garbage")
        _, body, _ = self.d.request("GET", "/metrics")
        text = body.decode()
        self.assertIn('hotline_sip_requests_total{method="OPTIONS"}', text)
        self.assertIn("hotline_sip_dropped_total", text)
        self.assertIn('hotline_sip_responses_sent_total{status="200"}', text)


@unittest.skipUnless(shutil.which("sipp"), "sipp (Debian sip-tester) is not installed")
class SippTest(DaemonTestCase):
    def sipp(self, scenario, transport, calls=20):
        work = os.path.join(self.d.root, f"sipp-{scenario}-{transport}")
        os.makedirs(work, exist_ok=True)
        r = subprocess.run(["sipp", f"127.0.0.1:{self.d.sip_port}", "-sf", os.path.join(SIP_DIR, scenario),
                            "-t", transport, "-i", "127.0.0.1", "-p", "0", "-m", str(calls), "-r", "20",
                            "-timeout", "30s", "-timeout_error", "-nostdin", "-trace_err",
                            "-error_file", os.path.join(work, "errors.log")],
                           cwd=work, capture_output=True, text=True, timeout=60)
        errors = ""
        if os.path.exists(os.path.join(work, "errors.log")):
            errors = open(os.path.join(work, "errors.log")).read()[-3000:]
        self.assertEqual(r.returncode, 0, f"sipp failed ({r.returncode}):\n{r.stdout[-2000:]}\n{errors}")

    def test_options_udp(self):
        self.sipp("options.xml", "u1")

    def test_options_tcp(self):
        self.sipp("options.xml", "t1")


if __name__ == "__main__":
    unittest.main()


def register(port, user, password, algorithm="MD5", expires=300, contact_port=5999, sock=None):
    """A REGISTER with digest authentication, as a phone does it. Returns the final response."""
    import hashlib
    import re
    h = hashlib.md5 if algorithm == "MD5" else hashlib.sha256
    s = sock or socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)

    def request(cseq, authorization=""):
        # A fresh branch per request (RFC 3261 §8.1.1.7), else it is a retransmission.
        branch = f"z9hG4bK-reg{cseq}{user}-{os.urandom(6).hex()}"
        text = (f"REGISTER sip:127.0.0.1:{port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{contact_port};branch={branch};rport\r\n"
                f"From: <sip:{user}@127.0.0.1>;tag=r1\r\nTo: <sip:{user}@127.0.0.1>\r\n"
                f"Call-ID: reg-{user}@127.0.0.1\r\nCSeq: {cseq} REGISTER\r\n"
                f"Contact: <sip:{user}@127.0.0.1:{contact_port}>\r\nExpires: {expires}\r\nMax-Forwards: 70\r\n"
                f"{authorization}Content-Length: 0\r\n\r\n")
        s.sendto(text.encode(), ("127.0.0.1", port))
        try:
            return s.recvfrom(65536)[0].decode()
        except socket.timeout:
            return None

    try:
        return _authenticated(request, user, password, port, h, algorithm)
    finally:
        if sock is None:
            s.close()


def _authenticated(request, user, password, port, h, algorithm):
    import re
    first = request(1)
    if first is None or not first.startswith("SIP/2.0 401"):
        return first
    challenge = [l for l in first.split("\r\n") if l.startswith("WWW-Authenticate") and f"algorithm={algorithm}" in l]
    if not challenge:
        return first
    nonce = re.search(r'nonce="([^"]+)"', challenge[0]).group(1)
    uri = f"sip:127.0.0.1:{port}"
    ha1 = h(f"{user}:hotline:{password}".encode()).hexdigest()
    ha2 = h(f"REGISTER:{uri}".encode()).hexdigest()
    response = h(f"{ha1}:{nonce}:00000001:abcdef:auth:{ha2}".encode()).hexdigest()
    auth = (f'Authorization: Digest username="{user}", realm="hotline", nonce="{nonce}", uri="{uri}", '
            f'response="{response}", algorithm={algorithm}, qop=auth, nc=00000001, cnonce="abcdef"\r\n')
    return request(2, auth)


class RegistrarTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon({"sip": {"auth_failures_before_ban": 3, "ban_seconds": 3,
                                "digest_algorithms": ["MD5", "SHA-256"]}}).start()
        status, body, _ = cls.d.request("POST", "/api/v1/sip/accounts",
                                        {"username": "8001", "password": "phone-secret-01", "display_name": "一号座席"},
                                        token=cls.d.admin())
        assert status == 201, body

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    def test_md5_and_sha256_registration_then_unregister(self):
        for algorithm in ("MD5", "SHA-256"):
            reply = register(self.d.sip_port, "8001", "phone-secret-01", algorithm)
            self.assertTrue(reply and reply.startswith("SIP/2.0 200 OK"), reply)
            self.assertIn("Contact: <sip:8001@127.0.0.1:5999>;expires=300", reply)
        reply = register(self.d.sip_port, "8001", "phone-secret-01", expires=0)
        self.assertTrue(reply.startswith("SIP/2.0 200 OK"), reply)
        self.assertNotIn("Contact:", reply)

    def test_passwords_are_not_stored(self):
        with self.d.db() as db:
            row = db.execute("SELECT ha1_md5, ha1_sha256 FROM sip_accounts WHERE username = '8001'").fetchone()
        self.assertEqual(len(row[0]), 32)
        self.assertEqual(len(row[1]), 64)
        self.assertNotIn("phone-secret-01", str(row))

    def test_api_validates_accounts(self):
        status, body, _ = self.d.request("POST", "/api/v1/sip/accounts", {"username": "8002", "password": "short"},
                                         token=self.d.admin())
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["message"], "password: must be 10 to 128 characters")
        status, body, _ = self.d.request("POST", "/api/v1/sip/accounts",
                                         {"username": "8001", "password": "another-secret-1"}, token=self.d.admin())
        self.assertEqual(status, 409)

    def test_disabled_account_cannot_register(self):
        status, acct, _ = self.d.request("POST", "/api/v1/sip/accounts",
                                         {"username": "8003", "password": "phone-secret-03"}, token=self.d.admin())
        self.d.request("PATCH", f"/api/v1/sip/accounts/{acct['id']}", {"enabled": False}, token=self.d.admin())
        reply = register(self.d.sip_port, "8003", "phone-secret-03")
        self.assertTrue(reply.startswith("SIP/2.0 403"), reply)
        self.d.request("PATCH", f"/api/v1/sip/accounts/{acct['id']}", {"enabled": True}, token=self.d.admin())
        reply = register(self.d.sip_port, "8003", "phone-secret-03")
        self.assertTrue(reply.startswith("SIP/2.0 200"), reply)

    def test_password_guessing_gets_the_source_banned(self):
        # Another source address on loopback, so the other tests are not banned.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.2", 0))
        for guess in ("guess-0001", "guess-0002", "guess-0003"):
            reply = register(self.d.sip_port, "8001", guess, sock=s)
            self.assertTrue(reply.startswith("SIP/2.0 403"), reply)
        # Banned: even the right password gets no answer at all now.
        self.assertIsNone(register(self.d.sip_port, "8001", "phone-secret-01", sock=s))
        _, body, _ = self.d.request("GET", "/metrics")
        self.assertIn("hotline_sip_bans_total 1", body.decode())
        time.sleep(3.2)
        reply = register(self.d.sip_port, "8001", "phone-secret-01", sock=s)
        self.assertTrue(reply and reply.startswith("SIP/2.0 200"), reply)
        s.close()

    def test_scanner_is_banned_at_once(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.3", 0))
        s.settimeout(1)
        probe = options(self.d.sip_port, "scan-1").replace(b"Max-Forwards: 70", b"User-Agent: friendly-scanner\r\nMax-Forwards: 70")
        s.sendto(probe, ("127.0.0.1", self.d.sip_port))
        with self.assertRaises(socket.timeout):
            s.recvfrom(65536)
        s.close()

    @unittest.skipUnless(shutil.which("sipp"), "sipp is not installed")
    def test_sipp_registers_with_digest(self):
        work = os.path.join(self.d.root, "sipp-register")
        os.makedirs(work, exist_ok=True)
        r = subprocess.run(["sipp", f"127.0.0.1:{self.d.sip_port}", "-sf", os.path.join(SIP_DIR, "register.xml"),
                            "-s", "8001", "-au", "8001", "-ap", "phone-secret-01", "-m", "5", "-r", "5",
                            "-i", "127.0.0.1", "-p", "0", "-nostdin", "-timeout", "20s", "-timeout_error"],
                           cwd=work, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:])
