"""Online backup while the daemon serves writes; restore refused while it
runs; restore after a stop brings the rows back."""
import os
import sqlite3
import subprocess
import threading
import time
import unittest

from harness import HOTLINED, Daemon


def cli(d, *args):
    return subprocess.run([HOTLINED, "--config", d.config_path, "--data-dir", d.data_dir, *args],
                          capture_output=True, text=True, timeout=120, env=d.env)


class BackupTest(unittest.TestCase):
    def test_backup_under_load_and_restore(self):
        d = Daemon().start()
        try:
            for i in range(20):
                d.create_user(f"b{i}", ["agent"])
            stop = threading.Event()
            created = []

            def writer():
                n = 0
                token = d.admin()
                while not stop.is_set():
                    status, _, _ = d.request("POST", "/api/v1/departments", {"code": f"d{n}", "name": f"部门{n}"},
                                             token=token)
                    if status == 201:
                        created.append(n)
                    n += 1

            t = threading.Thread(target=writer)
            t.start()
            while len(created) < 5 and t.is_alive():  # the backup must overlap live writes
                time.sleep(0.05)
            backup = os.path.join(d.root, "backup.db")
            r = cli(d, "backup", backup)
            stop.set()
            t.join()
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertGreater(len(created), 0)
            with sqlite3.connect(backup) as db:
                self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
                users = db.execute("SELECT COUNT(*) FROM users WHERE job_number LIKE 'b%'").fetchone()[0]
                self.assertEqual(users, 20)

            r = cli(d, "restore", backup)
            self.assertEqual(r.returncode, 1)
            self.assertIn("is running", r.stderr)
            self.assertIn("stop it first", r.stderr)

            # Changes after the backup...
            d.create_user("after-backup", ["agent"])
            self.assertEqual(d.stop(), 0, d.log())
            r = cli(d, "restore", backup)
            self.assertEqual(r.returncode, 0, r.stderr)
            d.start()
            # ...are gone, and everything in the backup is back.
            status, body, _ = d.request("GET", "/api/v1/users", token=d.login("admin", "admin-pass-123"))
            jobs = {u["job_number"] for u in body["items"]}
            self.assertTrue({f"b{i}" for i in range(20)} <= jobs)
            self.assertNotIn("after-backup", jobs)
        finally:
            code = d.stop()
            log = d.log()
            d.cleanup()
            self.assertEqual(code, 0, log)

    def test_restore_rejects_a_foreign_file(self):
        d = Daemon()
        try:
            junk = os.path.join(d.root, "junk.db")
            with sqlite3.connect(junk) as db:
                db.execute("CREATE TABLE t (x)")
            r = cli(d, "restore", junk)
            self.assertEqual(r.returncode, 1)
            self.assertIn("is not a hotlined database", r.stderr)
            with open(os.path.join(d.root, "text.db"), "w") as f:
                f.write("this is not sqlite at all" * 100)
            r = cli(d, "restore", os.path.join(d.root, "text.db"))
            self.assertEqual(r.returncode, 1)
        finally:
            d.cleanup()


if __name__ == "__main__":
    unittest.main()
