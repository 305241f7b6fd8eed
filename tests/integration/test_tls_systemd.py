"""Optional TLS (HTTPS and WSS), and the systemd notify protocol (READY,
WATCHDOG, STOPPING) without systemd: a datagram socket stands in for it."""
import os
import socket
import subprocess
import tempfile
import time
import unittest

from harness import Daemon


class TlsTest(unittest.TestCase):
    def test_https_and_wss(self):
        certs = tempfile.mkdtemp()
        cert, key = os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"],
                       check=True, capture_output=True)
        d = Daemon({"http": {"tls": {"enabled": True, "certificate": cert, "private_key": key}}}).start()
        try:
            status, body, headers = d.request("POST", "/api/v1/auth/login",
                                              {"job_number": "admin", "password": "admin-pass-123"})
            self.assertEqual(status, 200)
            self.assertIn("Secure", headers["Set-Cookie"])
            ws = d.ws(body["token"])
            self.assertEqual(ws.status, 101)
            self.assertEqual(ws.recv_json()["method"], "session.ready")
            self.assertTrue(ws.call("system.ping")["result"]["pong"])
            ws.close()
            # Plain HTTP on the TLS port gets nowhere.
            s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertNotIn(b"200 OK", s.recv(4096))
            s.close()
        finally:
            self.assertEqual(d.stop(), 0, d.log())
            d.cleanup()

    def test_unreadable_certificate_stops_the_start(self):
        d = Daemon({"http": {"tls": {"enabled": True, "certificate": "/nonexistent.pem", "private_key": "/nonexistent.key"}}})
        try:
            with self.assertRaises(RuntimeError) as failed:
                d.start()
            self.assertIn("http.tls: cannot load certificate or key", str(failed.exception))
        finally:
            d.cleanup()


class SystemdNotifyTest(unittest.TestCase):
    def test_ready_watchdog_stopping(self):
        sock_path = os.path.join(tempfile.mkdtemp(), "notify.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        listener.bind(sock_path)
        listener.settimeout(10)
        d = Daemon(env={"NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": "400000"}).start()
        try:
            messages = []
            deadline = time.time() + 10
            while time.time() < deadline and not any("WATCHDOG=1" in m for m in messages):
                messages.append(listener.recv(4096).decode())
            self.assertTrue(any("READY=1" in m for m in messages), messages)
            self.assertTrue(any("WATCHDOG=1" in m for m in messages), messages)
            self.assertEqual(d.stop(), 0, d.log())
            tail = []
            listener.settimeout(1)
            try:
                while True:
                    tail.append(listener.recv(4096).decode())
            except OSError:
                pass
            self.assertTrue(any("STOPPING=1" in m for m in tail + messages), tail)
        finally:
            listener.close()
            d.cleanup()


if __name__ == "__main__":
    unittest.main()
