"""HTTP edge behaviour: errors as JSON, limits, static files, metrics."""
import os
import socket
import unittest

from harness import stop_and_check, Daemon


class HttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.static = None
        cls.d = Daemon({"http": {"max_body_bytes": 4096}})
        web = os.path.join(cls.d.root, "web")
        os.makedirs(os.path.join(web, "assets"))
        with open(os.path.join(web, "index.html"), "w") as f:
            f.write("<!doctype html><title>12345</title>")
        with open(os.path.join(web, "assets", "app-1234.js"), "w") as f:
            f.write("console.log(1)")
        with open(os.path.join(cls.d.root, "secret.txt"), "w") as f:
            f.write("do not serve")
        cls.d.config["http"]["static_dir"] = web
        import json
        with open(cls.d.config_path, "w") as f:
            json.dump(cls.d.config, f)
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    def raw(self, data):
        s = socket.create_connection(("127.0.0.1", self.d.port), timeout=10)
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        s.close()
        return out

    def test_healthz(self):
        status, body, _ = self.d.request("GET", "/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")

    def test_unknown_endpoint_and_method(self):
        status, body, _ = self.d.request("GET", "/api/v1/nothing")
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["code"], "not_found")
        status, body, _ = self.d.request("DELETE", "/api/v1/users")
        self.assertEqual(status, 405)
        self.assertEqual(body["error"]["code"], "method_not_allowed")

    def test_body_too_large(self):
        status, body, _ = self.d.request("POST", "/api/v1/auth/login", raw_body=b"x" * 5000,
                                         headers={"Content-Type": "application/json"})
        self.assertEqual(status, 413)
        self.assertEqual(body["error"]["code"], "too_large")

    def test_malformed_http_gets_400(self):
        reply = self.raw(b"GARBAGE\x00\x01 / HTTP/9\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 400"), reply[:80])
        self.assertIn(b'"bad_request"', reply)
        reply = self.raw(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 400"), reply[:80])

    def test_wrong_content_type_and_types(self):
        status, body, _ = self.d.request("POST", "/api/v1/auth/login", raw_body=b"job_number=admin",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["message"], "Content-Type must be application/json")
        status, body, _ = self.d.request("POST", "/api/v1/auth/login", {"job_number": 5, "password": "x"})
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["message"], "job_number: must be a string")

    def test_bad_query_values(self):
        for query in ("from=-", "limit=--1", "limit=5-3", "limit=0", "limit=abc"):
            status, body, _ = self.d.request("GET", f"/api/v1/audit?{query}", token=self.d.admin())
            with self.subTest(query=query):
                self.assertEqual(status, 400, body)
                self.assertEqual(body["error"]["code"], "invalid_argument")

    def test_static_files_and_spa_fallback(self):
        status, body, headers = self.d.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn(b"12345", body)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        status, body, headers = self.d.request("GET", "/assets/app-1234.js")
        self.assertEqual(status, 200)
        self.assertIn("immutable", headers["Cache-Control"])
        status, body, _ = self.d.request("GET", "/console/queue")  # a client-side route
        self.assertIn(b"12345", body)
        status, _, _ = self.d.request("GET", "/missing.png")
        self.assertEqual(status, 404)
        status, _, headers = self.d.request("HEAD", "/")
        self.assertEqual(status, 200)

    def test_static_files_never_escape_the_root(self):
        for target in (b"/../secret.txt", b"../secret.txt", b"/%2e%2e/secret.txt", b"%2e%2e/secret.txt",
                       b"/assets/../../secret.txt", b"/..", b"/./index.html"):
            reply = self.raw(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            with self.subTest(target=target):
                self.assertNotIn(b"do not serve", reply)
                self.assertTrue(reply.startswith(b"HTTP/1.1 400") or reply.startswith(b"HTTP/1.1 404"), reply[:60])

    def test_metrics(self):
        self.d.request("GET", "/healthz")
        status, body, headers = self.d.request("GET", "/metrics")
        self.assertEqual(status, 200)
        text = body.decode()
        self.assertIn("text/plain", headers["Content-Type"])
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes", "hotline_http_requests_total",
                     "hotline_ws_connections", "hotline_store_write_queue_depth"):
            self.assertIn(name, text)
        self.assertIn('hotline_http_requests_total{route="GET /healthz",status="200"}', text)

    def test_system_info(self):
        status, body, _ = self.d.request("GET", "/api/v1/system/info", token=self.d.admin())
        self.assertEqual(status, 200)
        migrations = os.listdir(os.path.join(os.path.dirname(__file__), "..", "..", "src", "store", "migrations"))
        self.assertEqual(body["schema_version"], len([m for m in migrations if m.endswith(".sql")]))
        self.assertIn("uptime_seconds", body)


class MetricsAllowTest(unittest.TestCase):
    def test_metrics_refused_outside_the_allowlist(self):
        d = Daemon({"http": {"metrics_allow": ["10.0.0.0/8"]}}).start()
        try:
            status, body, _ = d.request("GET", "/metrics")
            self.assertEqual(status, 403)
            self.assertEqual(body["error"]["code"], "forbidden")
        finally:
            self.assertEqual(d.stop(), 0, d.log())
            d.cleanup()


if __name__ == "__main__":
    unittest.main()
