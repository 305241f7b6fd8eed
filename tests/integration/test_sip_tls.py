"""SIP over TLS (sip.tls): a phone-like client over TLS (Python's ssl), and a
call from a sipp citizen through one hotlined to another over a TLS trunk,
where the second one answers with its echo test, so RTP crosses both relays
and comes back. Both sides of our TLS code run: the first daemon connects
and checks the certificate, the second accepts."""
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from harness import Daemon, stop_and_check
from test_calls import SIP_DIR, free_media_port

CERTS = tempfile.mkdtemp(prefix="hotline-sip-tls-")
CERT, KEY = os.path.join(CERTS, "cert.pem"), os.path.join(CERTS, "key.pem")
OTHER_CERT, OTHER_KEY = os.path.join(CERTS, "other.pem"), os.path.join(CERTS, "other-key.pem")


def make_certificate(cert, key, name):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={name}",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)


def tls_port(daemon):
    deadline = time.time() + 10
    while time.time() < deadline:
        with open(os.path.join(daemon.data_dir, "log", "hotlined.log"), errors="replace") as f:
            m = re.search(r"event=sip\.tls_listening address=127\.0\.0\.1:(\d+)", f.read())
        if m:
            return int(m.group(1))
        time.sleep(0.05)
    raise AssertionError("no sip.tls_listening line:\n" + daemon.log())


def tls_config(ca_file=CERT):
    return {"enabled": True, "listen": "127.0.0.1:0", "certificate": CERT, "private_key": KEY, "ca_file": ca_file}


class TlsClient:
    """A SIP user agent over one TLS connection."""

    def __init__(self, port):
        ctx = ssl.create_default_context(cafile=CERT)
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        self.local_port = self.sock.getsockname()[1]
        self.buffer = b""

    def request(self, method, uri, extra="", cseq=1, call_id="tls-test-1"):
        text = (f"{method} {uri} SIP/2.0\r\n"
                f"Via: SIP/2.0/TLS 127.0.0.1:{self.local_port};branch=z9hG4bK-{method}-{cseq}-{time.time_ns()}\r\n"
                f"From: <sip:8001@127.0.0.1>;tag=t{cseq}\r\nTo: <sip:8001@127.0.0.1>\r\n"
                f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n"
                f"Contact: <sip:8001@127.0.0.1:{self.local_port};transport=tls>\r\n{extra}Content-Length: 0\r\n\r\n")
        self.sock.sendall(text.encode())
        return self.response()

    def response(self):
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("connection closed")
            self.buffer += chunk
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
        while len(rest) < length:
            rest += self.sock.recv(65536)
        self.buffer = rest[length:]
        return head.decode()

    def close(self):
        self.sock.close()


@unittest.skipUnless(shutil.which("sipp") and shutil.which("openssl"), "needs sipp and openssl")
class SipTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        make_certificate(CERT, KEY, "hotline-test")
        make_certificate(OTHER_CERT, OTHER_KEY, "somebody-else")
        # The other city's hotline: takes calls from our trunk over TLS, answers 9196 with its echo test.
        cls.peer = Daemon({
            "sip": {"tls": tls_config(), "max_requests_per_second": 100000, "overload_lag_ms": 0},
            "trunks": [{"name": "neighbour", "acl": ["127.0.0.1/32"]}],
            "dialplan": [{"match": "9196", "to": "echo"}],
        }).start()
        cls.peer_tls = tls_port(cls.peer)
        cls.d = Daemon({
            "sip": {"tls": tls_config(), "max_requests_per_second": 100000, "overload_lag_ms": 0},
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]},
                       {"name": "other-city", "address": f"127.0.0.1:{cls.peer_tls}", "transport": "tls"}],
            "dialplan": [{"match": "_7.", "to": "trunk:other-city", "strip": 1}],
            "calls": {"ring_timeout_seconds": 20},
        }).start()
        cls.tls = tls_port(cls.d)

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)
        stop_and_check(cls.peer)
        shutil.rmtree(CERTS, ignore_errors=True)

    def metric(self, daemon, name):
        _, body, _ = daemon.request("GET", "/metrics")
        text = body if isinstance(body, str) else body.decode()
        m = re.search(rf"^{name} (\S+)$", text, re.M)
        return float(m.group(1)) if m else 0.0

    def test_options_and_register_challenge_over_tls(self):
        client = TlsClient(self.tls)
        try:
            ok = client.request("OPTIONS", f"sip:hotline@127.0.0.1:{self.tls}")
            self.assertTrue(ok.startswith("SIP/2.0 200"), ok)
            self.assertIn("Via: SIP/2.0/TLS", ok)
            challenge = client.request("REGISTER", "sip:127.0.0.1", "Expires: 60\r\n", cseq=2, call_id="tls-reg")
            self.assertTrue(challenge.startswith("SIP/2.0 401"), challenge)
            self.assertRegex(challenge, r"(?i)WWW-Authenticate: Digest ")
        finally:
            client.close()

    def test_plain_text_on_the_tls_port_is_refused(self):
        before = self.metric(self.d, "hotline_sip_tls_handshake_failures_total")
        with socket.create_connection(("127.0.0.1", self.tls), timeout=10) as s:
            s.sendall(b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n\r\n")
            s.settimeout(10)
            try:
                while s.recv(4096):
                    pass
            except (ConnectionResetError, socket.timeout):
                pass
        deadline = time.time() + 5
        while self.metric(self.d, "hotline_sip_tls_handshake_failures_total") <= before and time.time() < deadline:
            time.sleep(0.1)
        self.assertGreater(self.metric(self.d, "hotline_sip_tls_handshake_failures_total"), before)
        # The daemon still answers over TLS afterwards.
        client = TlsClient(self.tls)
        try:
            self.assertTrue(client.request("OPTIONS", "sip:hotline@127.0.0.1").startswith("SIP/2.0 200"))
        finally:
            client.close()

    def test_call_through_a_tls_trunk_reaches_the_other_hotlines_echo(self):
        work = os.path.join(self.d.root, f"sipp-{time.time_ns()}")
        os.makedirs(work)
        started = int(time.time() * 1000)
        r = subprocess.run(["sipp", f"127.0.0.1:{self.d.sip_port}", "-sf", os.path.join(SIP_DIR, "uac_call.xml"),
                            "-t", "u1", "-i", "127.0.0.2", "-mp", str(free_media_port()), "-s", "79196",
                            "-m", "1", "-timeout", "40s", "-timeout_error", "-nostdin", "-trace_err",
                            "-error_file", os.path.join(work, "errors.log")],
                           cwd=work, capture_output=True, text=True, timeout=90)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + self.d.log()[-3000:] + self.peer.log()[-3000:])

        def record(daemon, dialled):
            deadline = time.time() + 10
            while time.time() < deadline:
                with daemon.db() as db:
                    row = db.execute("SELECT id, status, route, source FROM calls WHERE dialled = ? AND "
                                     "started_at >= ? ORDER BY id DESC LIMIT 1", (dialled, started)).fetchone()
                    if row:
                        legs = db.execute("SELECT role, endpoint, packets_in, packets_out FROM call_legs "
                                          "WHERE call_id = ? ORDER BY leg_index", (row[0],)).fetchall()
                        return row, legs
                time.sleep(0.1)
            self.fail(f"no call record for {dialled}")

        ours, our_legs = record(self.d, "79196")
        self.assertEqual(ours[1], 200)
        self.assertEqual(ours[2], "trunk:other-city")
        self.assertEqual(our_legs[1][1], "trunk:other-city")
        theirs, their_legs = record(self.peer, "9196")
        self.assertEqual(theirs[1], 200)
        self.assertEqual(theirs[3], "trunk:neighbour")
        # The citizen's audio went out over the trunk leg and came back from the echo.
        self.assertGreater(our_legs[1][3], 50, our_legs)
        self.assertGreater(our_legs[1][2], 50, our_legs)
        self.assertGreater(their_legs[0][2], 50, their_legs)

    def test_a_trunk_with_a_certificate_we_do_not_trust_gets_no_call(self):
        d = Daemon({
            "sip": {"tls": tls_config(ca_file=OTHER_CERT), "max_requests_per_second": 100000,
                    "overload_lag_ms": 0},
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]},
                       {"name": "other-city", "address": f"127.0.0.1:{self.peer_tls}", "transport": "tls"}],
            "dialplan": [{"match": "_7.", "to": "trunk:other-city", "strip": 1}],
        }).start()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            # Our side checks the peer's certificate against ca_file: the handshake fails,
            # nothing reaches the peer, and the failure is counted.
            before = self.metric(d, "hotline_sip_tls_handshake_failures_total")
            with self.peer.db() as db:
                peer_calls = db.execute("SELECT count(*) FROM calls").fetchone()[0]
            sock.bind(("127.0.0.2", 0))
            port = sock.getsockname()[1]
            invite = (f"INVITE sip:79196@127.0.0.1:{d.sip_port} SIP/2.0\r\n"
                      f"Via: SIP/2.0/UDP 127.0.0.2:{port};branch=z9hG4bK-untrusted\r\n"
                      f"From: <sip:13800138000@127.0.0.2>;tag=u1\r\nTo: <sip:79196@127.0.0.1>\r\n"
                      f"Call-ID: untrusted-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
                      f"Contact: <sip:13800138000@127.0.0.2:{port}>\r\nContent-Type: application/sdp\r\n")
            body = ("v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n"
                    "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
            sock.sendto((invite + f"Content-Length: {len(body)}\r\n\r\n" + body).encode(), ("127.0.0.1", d.sip_port))
            deadline = time.time() + 15
            while self.metric(d, "hotline_sip_tls_handshake_failures_total") <= before and time.time() < deadline:
                time.sleep(0.1)
            self.assertGreater(self.metric(d, "hotline_sip_tls_handshake_failures_total"), before, d.log()[-3000:])
            deadline = time.time() + 5
            while time.time() < deadline:  # the log is flushed once a second
                with open(os.path.join(d.data_dir, "log", "hotlined.log"), errors="replace") as f:
                    log = f.read()
                if "certificate verify failed" in log:
                    break
                time.sleep(0.2)
            self.assertRegex(log, r"event=sip\.connection_failed transport=TLS .*certificate verify failed")
            time.sleep(0.5)
            with self.peer.db() as db:
                self.assertEqual(db.execute("SELECT count(*) FROM calls").fetchone()[0], peer_calls)
        finally:
            sock.close()
            stop_and_check(d)

    def test_tls_trunk_without_sip_tls_is_a_config_error(self):
        d = Daemon({"trunks": [{"name": "x", "address": "127.0.0.1:5061", "transport": "tls"}]})
        with self.assertRaises(RuntimeError) as failed:
            d.start(timeout=20)
        d.cleanup()
        self.assertIn("trunks[0].transport", str(failed.exception))


if __name__ == "__main__":
    unittest.main()
