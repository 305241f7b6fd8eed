"""The WebSocket endpoint: authentication, JSON-RPC framing, fan-out, and a
stuck client that must not delay the others."""
import threading
import time
import unittest

from harness import stop_and_check, Daemon, WsClosed


class WsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon({"websocket": {"send_queue_messages": 64, "send_queue_bytes": 262144}}).start()
        cls.d.create_user("3001", ["supervisor"], password="super-pass-1")
        cls.sup = cls.d.login("3001", "super-pass-1")

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    def test_no_token_is_refused(self):
        ws = self.d.ws(None)
        self.assertEqual(ws.status, 401)
        ws.close()
        ws = self.d.ws("not-a-real-token")
        self.assertEqual(ws.status, 401)
        ws.close()

    def test_other_paths_are_not_websockets(self):
        ws = self.d.ws(self.sup, path="/api/v1/ws")
        self.assertEqual(ws.status, 404)
        ws.close()

    def test_cross_site_cookie_upgrade_is_refused(self):
        ws = self.d.ws(None, headers={"Cookie": f"hotline_session={self.sup}", "Origin": "http://evil.example"})
        self.assertEqual(ws.status, 403)
        ws.close()
        ws = self.d.ws(None, headers={"Cookie": f"hotline_session={self.sup}",
                                      "Origin": f"http://127.0.0.1:{self.d.port}"})
        self.assertEqual(ws.status, 101)
        ws.close()

    def test_ready_ping_whoami(self):
        ws = self.d.ws(self.sup)
        self.assertEqual(ws.status, 101)
        ready = ws.recv_json()
        self.assertEqual(ready["method"], "session.ready")
        self.assertEqual(ready["params"]["protocol"], "hotline-ws/1")
        pong = ws.call("system.ping", id="p1")
        self.assertTrue(pong["result"]["pong"])
        me = ws.call("session.whoami", id=2)
        self.assertEqual(me["result"]["job_number"], "3001")
        self.assertEqual(me["result"]["roles"], ["supervisor"])
        ws.close()

    def test_protocol_errors(self):
        ws = self.d.ws(self.sup)
        ws.recv_json()
        ws.send_frame(1, b"{not json")
        self.assertEqual(ws.recv_reply()["error"]["code"], -32700)
        ws.send_json({"id": 5, "method": "system.ping"})
        self.assertEqual(ws.recv_reply()["error"]["code"], -32600)
        reply = ws.call("no.such.method", id=6)
        self.assertEqual(reply["error"]["code"], -32601)
        ws.send_json({"jsonrpc": "2.0", "id": 7, "method": "system.ping", "params": [1]})
        self.assertEqual(ws.recv_reply()["error"]["code"], -32602)
        reply = ws.call("notice.broadcast", {"text": ""}, id=8)
        self.assertEqual(reply["error"]["code"], -32602)
        self.assertIn("text", reply["error"]["message"])
        reply = ws.call("notice.broadcast", {"text": "x", "level": 3}, id=9)
        self.assertEqual(reply["error"]["message"], "level: must be a string")
        # A notification (no id) gets no answer; the next call still works.
        ws.send_json({"jsonrpc": "2.0", "method": "system.ping"})
        self.assertEqual(ws.call("system.ping", id=10)["id"], 10)
        ws.close()

    def test_notice_reaches_every_console(self):
        clients = [self.d.ws(self.sup) for _ in range(10)]
        for c in clients:
            c.recv_json()
        status, body, _ = self.d.request("POST", "/api/v1/notices", {"text": "十点开会 meeting at ten", "level": "warning"},
                                         token=self.sup)
        self.assertEqual(status, 200)
        self.assertGreaterEqual(body["delivered_to"], 10)
        for c in clients:
            event = c.recv_method("system.notice")
            self.assertEqual(event["params"]["text"], "十点开会 meeting at ten")
            self.assertEqual(event["params"]["level"], "warning")
            self.assertEqual(event["params"]["from"]["job_number"], "3001")
            c.close()

    def test_logout_closes_the_sessions_websocket(self):
        token = self.d.login("3001", "super-pass-1")
        ws = self.d.ws(token)
        ws.recv_json()
        self.d.request("POST", "/api/v1/auth/logout", token=token)
        with self.assertRaises(WsClosed) as closed:
            while True:  # pushed events may come before the close
                ws.recv_json()
        self.assertIn("1008", str(closed.exception))
        ws.close()

    def test_stuck_client_does_not_delay_a_hundred_others(self):
        good = [self.d.ws(self.sup) for _ in range(100)]
        for c in good:
            c.recv_json()
        stuck = self.d.ws(self.sup, rcvbuf=4096)
        stuck.recv_json()  # then never reads again
        sender = self.d.ws(self.sup)
        sender.recv_json()

        broadcasts = 300
        text = "通知" * 2000  # 12 KB per message
        received = [0] * len(good)
        errors = []

        def reader(i, c):
            try:
                while received[i] < broadcasts:
                    msg = c.recv_json()
                    if msg.get("method") == "system.notice":
                        received[i] += 1
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(f"client {i}: {e!r}")

        threads = [threading.Thread(target=reader, args=(i, c), daemon=True) for i, c in enumerate(good)]
        for t in threads:
            t.start()
        started = time.time()
        for n in range(broadcasts):
            reply = sender.call("notice.broadcast", {"text": text}, id=n + 100)
            self.assertIn("result", reply, reply)
        for t in threads:
            t.join(timeout=60)
        elapsed = time.time() - started
        self.assertEqual(errors, [])
        self.assertEqual(received, [broadcasts] * len(good))
        self.assertLess(elapsed, 60)
        # The stuck client was cut loose, and counted.
        status, metrics, _ = self.d.request("GET", "/metrics")
        line = [l for l in metrics.decode().splitlines() if l.startswith("hotline_ws_slow_clients_dropped_total")]
        self.assertEqual(len(line), 1)
        self.assertGreaterEqual(int(line[0].split()[1]), 1)
        with self.assertRaises((WsClosed, OSError)):
            stuck.sock.settimeout(5)
            while True:
                stuck.recv_json()
        for c in good + [sender, stuck]:
            c.close()


if __name__ == "__main__":
    unittest.main()
