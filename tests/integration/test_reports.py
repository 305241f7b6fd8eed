"""Reports over the real HTTP API: tickets filed and handled through the
daemon, queue and agent logs written into its SQLite file (the triggers of
migration 0014 run there as in the daemon), then the standard reports with
hand-computed figures, the same from the raw logs, filters and buckets, the
period comparison, exports (CSV with a BOM, XLSX opened with zipfile, the
print view), hot issues, staffing, the CDR export, permissions, and
`hotlined rebuild-aggregates [--check]` finding and repairing a wrong bucket."""
import io
import sqlite3
import subprocess
import unittest
import zipfile
from datetime import datetime, timedelta, timezone

from harness import HOTLINED, Daemon, stop_and_check

CST = timezone(timedelta(hours=8))


def ms(y, mo, d, h=0, mi=0, s=0):
    return int(datetime(y, mo, d, h, mi, s, tzinfo=CST).timestamp() * 1000)


def seed_logs(path):
    """Queue, agent and call logs for 2026-03-01 and 2025-03-01, as the ACD and PBX write them."""
    db = sqlite3.connect(path)
    q = ("INSERT INTO acd_queue_events (at, kind, queue, call, agent, wait_ms, talk_ms, hold_ms, detail) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
    rows = [
        # 2026-03-01, queue human: c1 answered in 12 s; c2 abandons at 30 s; c3 at 3 s (short);
        # c4 answered in 25 s and transferred to complaints.
        (ms(2026, 3, 1, 10), "enter", "human", "c1", "", 0, 0, 0, ""),
        (ms(2026, 3, 1, 10, 0, 12), "connect", "human", "c1", "1001", 12000, 0, 0, ""),
        (ms(2026, 3, 1, 10, 1, 52), "complete", "human", "c1", "1001", 0, 100000, 0, "citizen"),
        (ms(2026, 3, 1, 10, 5), "enter", "human", "c2", "", 0, 0, 0, ""),
        (ms(2026, 3, 1, 10, 5, 30), "abandon", "human", "c2", "", 30000, 0, 0, ""),
        (ms(2026, 3, 1, 10, 10), "enter", "human", "c3", "", 0, 0, 0, ""),
        (ms(2026, 3, 1, 10, 10, 3), "abandon", "human", "c3", "", 3000, 0, 0, ""),
        (ms(2026, 3, 1, 11), "enter", "human", "c4", "", 0, 0, 0, ""),
        (ms(2026, 3, 1, 11, 0, 25), "connect", "human", "c4", "1001", 25000, 0, 0, ""),
        (ms(2026, 3, 1, 11, 4, 0), "complete", "human", "c4", "1001", 0, 200000, 10000, "transfer:queue:complaints"),
        (ms(2026, 3, 1, 11, 4, 0), "enter", "complaints", "c4", "", 0, 0, 0, ""),
        (ms(2026, 3, 1, 11, 4, 8), "connect", "complaints", "c4", "1002", 8000, 0, 0, ""),
        (ms(2026, 3, 1, 11, 6, 8), "complete", "complaints", "c4", "1002", 0, 120000, 0, "agent"),
        # 2025-03-01: c5 answered in 5 s, c6 abandons at 40 s.
        (ms(2025, 3, 1, 10), "enter", "human", "c5", "", 0, 0, 0, ""),
        (ms(2025, 3, 1, 10, 0, 5), "connect", "human", "c5", "1001", 5000, 0, 0, ""),
        (ms(2025, 3, 1, 10, 1, 5), "complete", "human", "c5", "1001", 0, 60000, 0, "citizen"),
        (ms(2025, 3, 1, 10, 30), "enter", "human", "c6", "", 0, 0, 0, ""),
        (ms(2025, 3, 1, 10, 30, 40), "abandon", "human", "c6", "", 40000, 0, 0, ""),
    ]
    db.executemany(q, rows)
    a = "INSERT INTO acd_agent_events (at, agent, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)"
    db.executemany(a, [(ms(2026, 3, 1, 9), "1001", "logged_out", "ready", "login"),
                       (ms(2026, 3, 1, 12), "1001", "ready", "not_ready", "meal"),
                       (ms(2026, 3, 1, 12, 30), "1001", "not_ready", "logged_out", "logout")])
    c = ("INSERT INTO calls (uuid, caller, dialled, source, route, started_at, answered_at, ended_at, duration_ms, "
         "talk_ms, status, hangup_cause, hangup_side) VALUES (?, '13812345678', '12345', ?, ?, ?, ?, ?, ?, ?, 200, "
         "'normal', 'caller')")
    db.executemany(c, [("cdr1", "trunk:carrier", "queue:human", ms(2026, 3, 1, 10), ms(2026, 3, 1, 10, 0, 2),
                        ms(2026, 3, 1, 10, 1, 3), 63000, 61000),
                       ("cdr2", "extension:8001", "trunk:carrier", ms(2026, 3, 1, 15), None, ms(2026, 3, 1, 15, 0, 9),
                        9000, 0)])
    db.commit()
    db.close()


def cli(d, *args):
    return subprocess.run([HOTLINED, "--config", d.config_path, "--data-dir", d.data_dir, *args],
                          capture_output=True, text=True, timeout=300)


class ReportsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        d = cls.d
        admin = d.admin()
        d.create_user("1001", ["agent"], password="report-pass-1")
        d.create_user("sup", ["supervisor"], password="report-pass-1")
        d.create_user("aud", ["auditor"], password="report-pass-1")
        _, water, _ = d.request("POST", "/api/v1/departments", {"code": "water", "name": "市水务局"}, token=admin)
        cls.water = water["id"]
        # Tickets through the daemon today: two registered by agent 1001, one dispatched and signed.
        agent = d.login("1001", "report-pass-1")
        made = []
        for kind in ("complaint", "consultation"):
            status, t, _ = d.request("POST", "/api/v1/tickets", {"type": kind, "category_code": "0301",
                                                                 "summary": "小区停水", "location": "北京市朝阳区幸福路"},
                                     token=agent)
            assert status == 201, t
            made.append(t)
        status, t, _ = d.request("POST", f"/api/v1/tickets/{made[0]['id']}/dispatch",
                                 {"version": made[0]["version"], "lead_department_id": cls.water}, token=admin)
        assert status == 200, t
        status, t, _ = d.request("POST", f"/api/v1/tickets/{made[0]['id']}/sign", {"version": t["version"]},
                                 token=admin)
        assert status == 200, t
        # The ACD's and PBX's logs, written while the daemon is stopped.
        assert d.stop() == 0
        d.stderr.close()
        seed_logs(f"{d.data_dir}/hotline.db")
        d.start()
        cls.sup = d.login("sup", "report-pass-1")
        cls.today = datetime.now(CST).strftime("%Y-%m-%d")

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    def get(self, path, token=None):
        status, body, headers = self.d.request("GET", path, token=token or self.sup)
        return status, body, headers

    def rows(self, body, **keys):
        for row in body["rows"]:
            if all(row.get(k) == v for k, v in keys.items()):
                return row
        self.fail(f"no row {keys} in {body['rows']}")

    def test_calls_report_by_hand(self):
        status, body, _ = self.get("/api/v1/reports/calls?from=2026-03-01&to=2026-03-01&group_by=queue")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["source"], "aggregates")
        human = self.rows(body, queue="human")
        self.assertEqual(human["offered"], 4)
        self.assertEqual(human["answered"], 2)
        self.assertEqual(human["abandoned"], 1)
        self.assertEqual(human["short_abandoned"], 1)
        self.assertAlmostEqual(human["answer_rate"], round(2 / 3, 4))  # 2 / (4 − 1 short)
        self.assertEqual(human["service_level"], 0.5)  # 12 s yes, 25 s no
        self.assertEqual(human["asa"], 18.5)
        self.assertEqual(human["aht"], 155.0)  # (100 + 200 + 10) / 2
        self.assertEqual(human["transfer_rate"], 0.5)
        self.assertEqual(self.rows(body, queue="complaints")["offered"], 1)
        total = self.rows(body, row_type="total")
        self.assertEqual(total["offered"], 5)
        self.assertEqual(body["filters"][0], {"name": "统计时间", "value": "2026-03-01"})
        self.assertTrue(body["generated_by"].startswith("sup"))
        # The same from the raw logs.
        status, raw, _ = self.get("/api/v1/reports/calls?from=2026-03-01&to=2026-03-01&group_by=queue&source=raw")
        self.assertEqual(raw["source"], "raw")
        self.assertEqual(raw["rows"], body["rows"])

    def test_buckets_filters_and_thresholds(self):
        status, body, _ = self.get("/api/v1/reports/calls?from=2026-03-01&to=2026-03-01&bucket=hour&queue=human"
                                   "&sl=30&short_abandon=0")
        self.assertEqual(status, 200, body)
        self.assertEqual(self.rows(body, bucket="2026-03-01 10:00")["offered"], 3)
        eleven = self.rows(body, bucket="2026-03-01 11:00")
        self.assertEqual(eleven["offered"], 1)
        self.assertEqual(eleven["service_level"], 1.0)  # 25 s within 30 s
        self.assertEqual(self.rows(body, row_type="total")["abandoned"], 2)  # no short abandons with S = 0
        for bad in ("sl=25", "bucket=fortnight", "from=2026-03-02&to=2026-03-01", "format=pdf", "group_by=agent",
                    "short_abandon=4"):
            status, err, _ = self.get("/api/v1/reports/calls?" + bad)
            self.assertEqual(status, 400, bad)
            self.assertEqual(err["error"]["code"], "invalid_argument")

    def test_agent_workload(self):
        status, body, _ = self.get("/api/v1/reports/agents?from=2026-03-01&to=2026-03-01")
        self.assertEqual(status, 200, body)
        a = self.rows(body, agent="1001")
        self.assertEqual(a["agent_name"], "用户1001")
        self.assertEqual(a["answered"], 2)
        self.assertEqual(a["talk_time"], 300.0)
        self.assertEqual(a["ready_time"], 10800.0)
        self.assertEqual(a["not_ready_time"], 1800.0)
        status, reasons, _ = self.get("/api/v1/reports/agent-states?from=2026-03-01&to=2026-03-01")
        self.assertEqual(self.rows(reasons, reason="meal")["time"], 1800.0)
        # Tickets registered today by 1001 (through the daemon).
        status, today, _ = self.get(f"/api/v1/reports/agents?from={self.today}&to={self.today}&agent=1001")
        self.assertEqual(self.rows(today, agent="1001")["tickets_created"], 2)

    def test_tickets_report_and_filters(self):
        base = f"/api/v1/reports/tickets?from={self.today}&to={self.today}"
        status, body, _ = self.get(base + "&group_by=type")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["source"], "aggregates")
        self.assertEqual(self.rows(body, type="投诉")["created"], 1)
        self.assertEqual(self.rows(body, type="投诉")["signed"], 1)
        self.assertEqual(self.rows(body, row_type="total")["created"], 2)
        # By department: the water unit dispatched and signed one.
        status, body, _ = self.get(base + f"&group_by=department&department={self.water}")
        self.assertEqual(self.rows(body, department="市水务局")["dispatched"], 1)
        # Current status and the registering agent come from the raw logs.
        status, body, _ = self.get(base + "&status=signed")
        self.assertEqual(body["source"], "raw")
        self.assertEqual(self.rows(body, row_type="total")["created"], 1)
        status, body, _ = self.get(base + "&agent=someone-else")
        self.assertEqual(self.rows(body, row_type="total")["created"], 0)
        status, err, _ = self.get(base + "&status=signed&source=aggregates")
        self.assertEqual(status, 400)
        status, body, _ = self.get("/api/v1/reports/overdue")
        self.assertEqual(status, 200, body)
        self.assertEqual(self.rows(body, row_type="total")["open"], 2)

    def test_compare_year_over_year(self):
        status, body, _ = self.get("/api/v1/reports/compare?report=calls&from=2026-03-01&to=2026-03-01&preset=yoy"
                                   "&measures=offered,answer_rate&queue=human")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["base_range"], "2025-03-01")
        total = self.rows(body, row_type="total")
        self.assertEqual(total["offered"], 4)
        self.assertEqual(total["offered_base"], 2)
        self.assertEqual(total["offered_change"], 2)
        self.assertEqual(total["offered_change_rate"], 1.0)
        self.assertAlmostEqual(total["answer_rate_change"], round(2 / 3 - 0.5, 4), places=4)
        # Any two ranges.
        status, body, _ = self.get("/api/v1/reports/compare?report=calls&from=2026-03-01&to=2026-03-01"
                                   "&base_from=2026-03-02&base_to=2026-03-02")
        self.assertEqual(self.rows(body, row_type="total")["offered_base"], 0)
        self.assertIsNone(self.rows(body, row_type="total")["offered_change_rate"])

    def test_exports(self):
        base = "/api/v1/reports/calls?from=2026-03-01&to=2026-03-01&group_by=queue"
        status, csv, headers = self.get(base + "&format=csv")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/csv"))
        self.assertIn("attachment", headers["Content-Disposition"])
        self.assertIn("filename*=UTF-8''", headers["Content-Disposition"])
        self.assertTrue(csv.startswith(b"\xef\xbb\xbf"))
        text = csv[3:].decode()
        lines = text.split("\r\n")
        self.assertTrue(lines[0].startswith("队列,进线量,"))
        self.assertTrue(any(line.startswith("human,4,0,2,") for line in lines), lines)
        self.assertTrue(any(line.startswith("合计,5,") for line in lines), lines)

        status, xlsx, headers = self.get(base + "&format=xlsx")
        self.assertEqual(status, 200)
        self.assertIn("spreadsheetml", headers["Content-Type"])
        with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
            self.assertIsNone(z.testzip())
            sheet = z.read("xl/worksheets/sheet1.xml").decode()
            strings = z.read("xl/sharedStrings.xml").decode()
        self.assertIn("话务统计表", strings)
        self.assertIn("human", strings)
        self.assertIn("<v>4</v>", sheet)
        self.assertIn('paperSize="9"', sheet)

        status, html, headers = self.get(base + "&format=html")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn("default-src 'none'", headers["Content-Security-Policy"])
        page = html.decode()
        self.assertIn("size: A4 landscape", page)
        self.assertIn("<h1>话务统计表</h1>", page)
        self.assertIn("生成人：sup", page)

    def test_hot_issues_staffing_and_cdr(self):
        status, body, _ = self.get(f"/api/v1/reports/hot-issues?end={self.today}&min=2&z=1")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["issues"][0]["key"], "0301")  # two today, none before
        self.assertEqual(len(body["issues"][0]["examples"]), 2)
        status, body, _ = self.get("/api/v1/reports/staffing?date=2026-03-08&queue=human&weeks=1")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["rows"][10]["forecast_calls"], 3.0)  # last Sunday's 10:00 hour
        self.assertEqual(body["rows"][10]["aht"], 100.0)  # c1 was the hour's only handled call
        self.assertEqual(body["rows"][11]["aht"], 210.0)  # c4: 200 s talk + 10 s hold
        status, body, _ = self.get("/api/v1/reports/cdr?from=2026-03-01&to=2026-03-01")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["rows"][0]["billable_minutes"], 2)
        self.assertEqual(body["rows"][1]["direction"], "outbound")
        status, csv, _ = self.get("/api/v1/reports/cdr?from=2026-03-01&to=2026-03-01&format=csv")
        self.assertIn("13812345678".encode(), csv)

    def test_permissions(self):
        agent = self.d.login("1001", "report-pass-1")
        auditor = self.d.login("aud", "report-pass-1")
        self.assertEqual(self.get("/api/v1/reports/calls", token=agent)[0], 403)
        self.assertEqual(self.get("/api/v1/reports/calls", token=auditor)[0], 403)
        self.assertEqual(self.get("/api/v1/reports/cdr", token=auditor)[0], 200)
        self.assertEqual(self.get("/api/v1/reports/cdr", token=agent)[0], 403)
        status, body, _ = self.get("/api/v1/reports")
        self.assertEqual(status, 200)
        self.assertTrue(body["aggregates_ready"])
        self.assertIn(20, body["service_level_seconds"])


class RebuildAggregatesTest(unittest.TestCase):
    def test_check_finds_and_rebuild_repairs(self):
        d = Daemon().start()
        try:
            assert d.stop() == 0
            d.stderr.close()
            seed_logs(f"{d.data_dir}/hotline.db")
            d.start()
            done = cli(d, "rebuild-aggregates", "--check")  # while the daemon runs
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            self.assertIn(" 0 differences", done.stdout)
            db = sqlite3.connect(f"{d.data_dir}/hotline.db")
            db.execute("UPDATE report_queue_daily SET answered = answered + 7 WHERE queue = 'human'")
            db.commit()
            db.close()
            done = cli(d, "rebuild-aggregates", "--check")
            self.assertEqual(done.returncode, 1)
            self.assertIn("report_queue_daily 2025-03-01 queue=human answered: table 8, raw logs 1", done.stdout)
            self.assertIn("report_queue_daily 2026-03-01 queue=human answered: table 9, raw logs 2", done.stdout)
            refused = cli(d, "rebuild-aggregates")  # the daemon holds the data dir
            self.assertNotEqual(refused.returncode, 0)
            assert d.stop() == 0
            done = cli(d, "rebuild-aggregates")
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            self.assertIn("rewrote 2 days", done.stdout)
            self.assertIn("check after the rebuild: 0 differences", done.stdout)
            self.assertEqual(cli(d, "rebuild-aggregates", "--check").returncode, 0)
            self.assertEqual(cli(d, "rebuild-aggregates", "--bogus").returncode, 2)
        finally:
            d.stop()
            d.cleanup()


if __name__ == "__main__":
    unittest.main()
