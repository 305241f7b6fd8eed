"""SIGTERM under load: the daemon drains and exits 0, and every write it
acknowledged is in the database afterwards."""
import signal
import threading
import time
import unittest

from harness import Daemon, WsClosed


class ShutdownTest(unittest.TestCase):
    def test_sigterm_under_load_loses_no_acknowledged_write(self):
        d = Daemon().start()
        try:
            token = d.admin()
            acknowledged = []
            lock = threading.Lock()
            stop = threading.Event()

            def client(k):
                n = 0
                while not stop.is_set():
                    code = f"k{k}-{n}"
                    try:
                        status, _, _ = d.request("POST", "/api/v1/departments", {"code": code, "name": "负载"},
                                                 token=token, timeout=10)
                    except OSError:
                        return  # the daemon closed: stop writing
                    if status == 201:
                        with lock:
                            acknowledged.append(code)
                    elif status not in (503,):
                        return
                    n += 1

            threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
            for t in threads:
                t.start()
            time.sleep(2)
            d.proc.send_signal(signal.SIGTERM)
            code = d.proc.wait(30)
            stop.set()
            for t in threads:
                t.join(20)
            self.assertEqual(code, 0, d.log())
            self.assertGreater(len(acknowledged), 10)
            with d.db() as db:
                stored = {r[0] for r in db.execute("SELECT code FROM departments")}
            missing = [c for c in acknowledged if c not in stored]
            self.assertEqual(missing, [])
            with open(f"{d.data_dir}/log/hotlined.log") as log:
                self.assertIn("event=daemon.stopped", log.read())
        finally:
            d.cleanup()

    def test_sigint_with_open_websockets_exits_cleanly(self):
        d = Daemon().start()
        try:
            clients = [d.ws(d.admin()) for _ in range(5)]
            for c in clients:
                c.recv_json()
            started = time.time()
            d.proc.send_signal(signal.SIGINT)
            # Every console is told the server is going away (close code 1001).
            # (Events pushed meanwhile, such as queue.stats, may come first.)
            for c in clients:
                with self.assertRaises(WsClosed) as closed:
                    for _ in range(100):
                        c.recv_json()
                self.assertIn("1001", str(closed.exception))
                c.close()
            self.assertEqual(d.proc.wait(30), 0, d.log())
            self.assertLess(time.time() - started, 5)
        finally:
            d.cleanup()


if __name__ == "__main__":
    unittest.main()
