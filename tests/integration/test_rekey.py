"""`hotlined rotate-key` against the real daemon's data directory: refused
while the daemon runs; interrupted after its first batch it leaves the old key
in place, the daemon refuses to start, and a second run finishes; afterwards
no sealed value carries the old key id, no plain number or name is in the
database files, and the API shows the same callers and finds the same
caller's tickets (docs/security.md)."""
import os
from contextlib import closing
import stat
import subprocess
import unittest

from harness import HOTLINED, Daemon
from test_tickets import TicketWorld

REPEAT_PHONE = "13911112222"
SEALED = (("tickets", "caller_name_enc"), ("tickets", "caller_phone_enc"), ("recordings", "caller_phone_enc"),
          ("ivr_missed_calls", "caller_phone_enc"), ("acd_callbacks", "number_enc"))


def rotate(d, **env):
    e = dict(d.env)
    e.update({k: str(v) for k, v in env.items()})
    return subprocess.run([HOTLINED, "--config", d.config_path, "--data-dir", d.data_dir, "rotate-key"],
                          capture_output=True, text=True, timeout=300, env=e)


# Connections are closed, not only committed: one left open in this process
# reads a stale WAL index after rotate-key truncated the WAL and the daemon
# wrote a new one.
def key_ids(d):
    """{key id: number of sealed values carrying it} over every sealed column."""
    ids = {}
    with closing(d.db()) as db:
        for table, column in SEALED:
            for (kid, n) in db.execute(f"SELECT unicode(CAST(substr({column}, 1, 1) AS TEXT)), COUNT(*) "
                                       f"FROM {table} WHERE {column} IS NOT NULL GROUP BY 1"):
                ids[kid] = ids.get(kid, 0) + n
    return ids


def first_bytes(d):
    """The first byte of every sealed value, read as a blob."""
    out = []
    with closing(d.db()) as db:
        for table, column in SEALED:
            out += [bytes(r[0])[0] for r in db.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")]
    return out


class RotateKeyTest(unittest.TestCase):
    def setUp(self):
        self.d = Daemon().start()

    def tearDown(self):
        self.d.stop()
        self.d.cleanup()

    def test_rotation_interrupted_then_finished_keeps_every_caller(self):
        d = self.d
        w = TicketWorld(d)
        phones = [f"1370000{1000 + i}" for i in range(12)]
        tickets = [w.create(caller_phone=p, caller_name=f"市民{i}号") for i, p in enumerate(phones)]
        repeats = [w.create(caller_phone=REPEAT_PHONE, caller_name="重复来电", category_code="0302",
                            summary=f"路灯不亮 {i}") for i in range(3)]
        callers = {}
        for t in tickets + repeats:
            status, c, _ = d.request("GET", f"/api/v1/tickets/{t['id']}/caller", token=w.t("agent"))
            self.assertEqual(status, 200)
            callers[t["id"]] = c
        with closing(d.db()) as db:
            old_hashes = {r[0]: bytes(r[1]) for r in db.execute("SELECT id, caller_phone_hash FROM tickets")}
        self.assertEqual(set(first_bytes(d)), {1})

        # Refused while the daemon runs, like restore.
        r = rotate(d)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("is running", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(d.data_dir, "caller.key.next")))

        self.assertEqual(d.stop(), 0, d.log())
        # Interrupted after the first batch (5 rows): the old key stays current.
        r = rotate(d, HOTLINE_REKEY_BATCH_ROWS=5, HOTLINE_REKEY_STOP_AFTER_BATCHES=1)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("stopped after 1 batches", r.stdout)
        key_path = os.path.join(d.data_dir, "caller.key")
        self.assertEqual(os.path.getsize(key_path), 32)  # still key id 1
        next_path = os.path.join(d.data_dir, "caller.key.next")
        self.assertEqual(stat.S_IMODE(os.stat(next_path).st_mode), 0o600)
        self.assertEqual(sorted(first_bytes(d)).count(2), 5 * 2)  # 5 tickets, name and phone each
        # A daemon started now refuses, pointing at rotate-key.
        with self.assertRaises(RuntimeError):
            d.start(timeout=30)
        self.assertIn("run `hotlined rotate-key` to finish it", d.log())

        # Run again: it resumes and finishes.
        r = rotate(d, HOTLINE_REKEY_BATCH_ROWS=5)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("key id 1 -> 2 (resumed an interrupted rotation)", r.stdout)
        self.assertIn("tickets: 10 rows re-sealed", r.stdout)
        self.assertIn("rotate-key: tickets 10/10 rows", r.stdout)
        self.assertFalse(os.path.exists(next_path))
        with open(key_path, "rb") as f:
            key = f.read()
        self.assertEqual((len(key), key[:6]), (38, b"HLCK\x01\x02"))
        self.assertEqual(stat.S_IMODE(os.stat(key_path).st_mode), 0o600)
        self.assertEqual(set(first_bytes(d)), {2})
        self.assertEqual(key_ids(d), {2: 2 * len(callers)})
        with closing(d.db()) as db:
            new_hashes = {r[0]: bytes(r[1]) for r in db.execute("SELECT id, caller_phone_hash FROM tickets")}
        self.assertEqual(new_hashes.keys(), old_hashes.keys())
        for tid in new_hashes:
            self.assertNotEqual(new_hashes[tid], old_hashes[tid])
        self.assertEqual(len({new_hashes[t["id"]] for t in repeats}), 1)  # same number, same new hash
        # Neither the numbers nor the names are anywhere in the database files.
        for name in ("hotline.db", "hotline.db-wal"):
            path = os.path.join(d.data_dir, name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    blob = f.read()
                for p in phones + [REPEAT_PHONE]:
                    self.assertNotIn(p.encode(), blob, name)
                self.assertNotIn("市民".encode(), blob, name)
                self.assertNotIn("重复来电".encode(), blob, name)

        # The daemon reads every caller with the new key, and finds the repeat caller's tickets.
        d.start()
        w.tokens = {job: d.login(job, "ticket-pass-1") for job in w.tokens if job != "admin"}
        w.tokens["admin"] = d.admin()
        for tid, expected in callers.items():
            status, c, _ = d.request("GET", f"/api/v1/tickets/{tid}/caller", token=w.t("agent"))
            self.assertEqual((status, c), (200, expected))
        status, dups, _ = d.request("POST", "/api/v1/tickets/duplicates",
                                    {"caller_phone": "+86 139-1111-2222", "category_code": "0302"},
                                    token=w.t("agent"))
        self.assertEqual(status, 200, dups)
        self.assertEqual(sorted(x["id"] for x in dups["items"]), sorted(t["id"] for t in repeats))
        # A ticket created now is sealed under key id 2 and found with the older ones.
        later = w.create(caller_phone=REPEAT_PHONE, caller_name="重复来电", category_code="0302", summary="又来电")
        _, dups, _ = d.request("POST", "/api/v1/tickets/duplicates",
                               {"caller_phone": REPEAT_PHONE, "category_code": "0302"}, token=w.t("agent"))
        self.assertEqual(len(dups["items"]), 4)
        self.assertEqual(d.stop(), 0, d.log())
        self.assertEqual(set(first_bytes(d)), {2})

        # The next rotation, uninterrupted: 2 -> 3, every row.
        r = rotate(d)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("key id 2 -> 3\n", r.stdout)
        self.assertIn(f"tickets: {len(callers) + 1} rows re-sealed", r.stdout)
        self.assertEqual(set(first_bytes(d)), {3})
        for p in phones + [REPEAT_PHONE]:
            self.assertNotIn(p, r.stdout + r.stderr)
        d.start()
        token = d.login("agent", "ticket-pass-1")
        status, c, _ = d.request("GET", f"/api/v1/tickets/{later['id']}/caller", token=token)
        self.assertEqual((status, c), (200, {"name": "重复来电", "phone": REPEAT_PHONE}))


if __name__ == "__main__":
    unittest.main()
