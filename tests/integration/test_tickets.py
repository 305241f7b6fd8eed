"""Work orders over the real HTTP API: every lifecycle action with its
permission and history, optimistic concurrency, department scoping, masking
and encryption of the caller, the entry desk, the letter, departments and the
dispatch catalogue, the knowledge base, and the scheduler (reminders and
escalations fire once, also across a restart, and reach the WebSocket)."""
import os
import socket
import sqlite3
import threading
import time
import unittest
from urllib.parse import quote

from harness import Daemon, WsClosed, stop_and_check

PHONE = "13812345678"
NAME = "王小明"


def now_ms():
    return int(time.time() * 1000)


class TicketWorld:
    """Departments, users of every role and the dispatch catalogue."""

    def __init__(self, d):
        self.d = d
        admin = d.admin()
        self.admin = admin
        _, water, _ = d.request("POST", "/api/v1/departments", {"code": "water", "name": "市水务局"}, token=admin)
        _, housing, _ = d.request("POST", "/api/v1/departments", {"code": "housing", "name": "市住建局"}, token=admin)
        _, sub, _ = d.request("POST", "/api/v1/departments",
                              {"code": "water-north", "name": "北区供水所", "parent_id": water["id"]}, token=admin)
        self.water, self.housing, self.water_north = water["id"], housing["id"], sub["id"]
        status, _, _ = d.request("PUT", "/api/v1/dispatch-catalogue/03", {"department_id": self.water}, token=admin)
        assert status == 200
        users = {"agent": ["agent"], "agent2": ["agent"], "sup": ["supervisor"], "entry": ["entry_clerk"],
                 "audit": ["auditor"]}
        self.tokens = {"admin": admin}
        self.ids = {}
        for job, roles in users.items():
            u = d.create_user(job, roles, password="ticket-pass-1")
            self.ids[job] = u["id"]
            self.tokens[job] = d.login(job, "ticket-pass-1")
        for job, dept in (("w1", self.water), ("h1", self.housing)):
            u = d.create_user(job, ["department_staff"], password="ticket-pass-1", department_id=dept)
            self.ids[job] = u["id"]
            self.tokens[job] = d.login(job, "ticket-pass-1")

    def t(self, who):
        return self.tokens[who]

    def create(self, who="agent", **fields):
        body = {"type": "complaint", "category_code": "0301", "summary": "小区停水三天",
                "content": "幸福路12号小区自周一起停水，无人处理。", "location": "幸福路12号",
                "caller_name": NAME, "caller_phone": PHONE}
        body.update(fields)
        status, t, _ = self.d.request("POST", "/api/v1/tickets", body, token=self.t(who))
        assert status == 201, (status, t)
        return t

    def act(self, who, ticket, action, expect=200, **args):
        body = {"version": ticket["version"]}
        body.update(args)
        status, t, _ = self.d.request("POST", f"/api/v1/tickets/{ticket['id']}/{action}", body, token=self.t(who))
        assert status == expect, (action, status, t)
        return t

    def get(self, who, ticket_id):
        return self.d.request("GET", f"/api/v1/tickets/{ticket_id}", token=self.t(who))


class TicketsTest(unittest.TestCase):
    CONFIG = {"tickets": {"scheduler_interval_seconds": 1}}

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(cls.CONFIG).start()
        cls.w = TicketWorld(cls.d)

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    # -- lifecycle ------------------------------------------------------------
    def test_full_lifecycle_with_history(self):
        w = self.w
        t = w.create()
        self.assertEqual(t["state"], "created")
        self.assertEqual(t["version"], 1)
        self.assertEqual(t["number"][:8].isdigit(), True)
        self.assertEqual(t["category"], "公用事业 / 供水")
        # Dispatch without a unit: the catalogue's default for 03 (water).
        t = w.act("agent", t, "dispatch", assisting_department_ids=[w.housing])
        self.assertEqual((t["state"], t["lead_department_id"], t["assisting_department_ids"]),
                         ("dispatched", w.water, [w.housing]))
        t = w.act("w1", t, "sign")
        far = now_ms() + 30 * 86400 * 1000
        t = w.act("w1", t, "request-extension", reason="需要现场勘查", reply_due=far)
        self.assertEqual(t["state"], "extension_requested")
        t = w.act("sup", t, "approve-extension")
        self.assertEqual(t["state"], "signed")
        t = w.act("w1", t, "reply", reply="已抢修管道，今日恢复供水。")
        t = w.act("sup", t, "send-back", reason="未说明原因")
        t = w.act("w1", t, "reply", reply="爆管已修复，今日 18 时恢复供水。")
        t = w.act("sup", t, "accept-reply")
        self.assertEqual(t["state"], "reviewed")
        status, queue, _ = self.d.request("GET", "/api/v1/tickets/callback-queue", token=w.t("agent"))
        self.assertIn(t["id"], [x["id"] for x in queue["items"]])
        t = w.act("agent", t, "record-callback", satisfaction="unsatisfied")
        t = w.act("agent", t, "reopen", reason="市民称仍未恢复")
        self.assertEqual((t["state"], t["lead_department_id"]), ("dispatched", w.water))
        t = w.act("w1", t, "sign")
        t = w.act("w1", t, "reply", reply="已恢复供水。")
        t = w.act("sup", t, "accept-reply")
        t = w.act("agent", t, "record-callback", satisfaction="satisfied")
        self.assertEqual(t["satisfaction"], "satisfied")
        t = w.act("agent", t, "close")
        t = w.act("sup", t, "archive")
        self.assertEqual(t["state"], "archived")

        status, history, _ = self.d.request("GET", f"/api/v1/tickets/{t['id']}/history", token=w.t("agent"))
        self.assertEqual(status, 200)
        actions = [h["action"] for h in history["items"]]
        self.assertEqual(actions, ["create", "dispatch", "sign", "request_extension", "approve_extension", "reply",
                                   "send_back", "reply", "accept_reply", "record_callback", "reopen", "sign", "reply",
                                   "accept_reply", "record_callback", "close", "archive"])
        back = history["items"][6]
        self.assertEqual((back["actor"], back["reason"], back["from_state"], back["to_state"]),
                         ("sup", "未说明原因", "replied", "signed"))
        self.assertEqual(history["items"][2]["actor_id"], w.ids["w1"])
        self.assertIn("state", history["items"][1]["changes"])
        self.assertEqual(t["version"], len(actions))

    def test_short_paths_reject_refer_close_on_spot_redispatch_merge(self):
        w = self.w
        a = w.act("agent", w.create(), "close-on-spot", reply="已告知停水原因")
        self.assertEqual(a["state"], "closed_on_spot")
        b = w.act("agent", w.create(), "refer", referred_to="119")
        self.assertEqual((b["state"], b["referred_to"]), ("referred", "119"))
        c = w.act("agent", w.create(), "reject", reason="非政务诉求")
        self.assertEqual(c["state"], "rejected")
        d = w.act("agent", w.create(), "dispatch", lead_department_id=w.housing)
        d = w.act("admin", d, "return-to-hotline", reason="不属于本单位职责")
        self.assertEqual(d["state"], "returned")
        d = w.act("agent", d, "redispatch", lead_department_id=w.water)
        self.assertEqual((d["state"], d["lead_department_id"]), ("dispatched", w.water))
        master = w.create()
        dup = w.act("agent", w.create(), "merge", master_id=master["id"], reason="重复来电")
        self.assertEqual((dup["state"], dup["merged_into"]), ("merged", master["id"]))
        _, history, _ = self.d.request("GET", f"/api/v1/tickets/{master['id']}/history", token=w.t("agent"))
        self.assertEqual(history["items"][-1]["action"], "merge_in")

    def test_illegal_transitions_and_missing_reasons_are_refused(self):
        w = self.w
        t = w.create()
        status, body, _ = self.d.request("POST", f"/api/v1/tickets/{t['id']}/accept-reply", {"version": 1},
                                         token=w.t("sup"))
        self.assertEqual(status, 409)
        self.assertIn("cannot accept_reply a created ticket", body["error"]["message"])
        status, body, _ = self.d.request("POST", f"/api/v1/tickets/{t['id']}/reject", {"version": 1},
                                         token=w.t("agent"))
        self.assertEqual(status, 400)
        self.assertIn("reason", body["error"]["message"])
        status, body, _ = self.d.request("POST", f"/api/v1/tickets/{t['id']}/dispatch", {}, token=w.t("agent"))
        self.assertEqual(status, 400)
        self.assertIn("version", body["error"]["message"])
        # A department cannot sign what the hotline has not dispatched; roles without the permission get 403.
        status, body, _ = self.d.request("POST", f"/api/v1/tickets/{t['id']}/dispatch", {"version": 1},
                                         token=w.t("w1"))
        self.assertEqual(status, 403)
        status, body, _ = self.d.request("GET", f"/api/v1/tickets/{t['id']}/history", token=w.t("agent"))
        self.assertEqual(len(body["items"]), 1)  # refused actions leave no trace

    # -- optimistic concurrency -------------------------------------------------
    def test_two_users_editing_never_overwrite_each_other(self):
        w = self.w
        t = w.create()
        s1, a, _ = self.d.request("PATCH", f"/api/v1/tickets/{t['id']}",
                                  {"version": 1, "summary": "停水（甲修改）"}, token=w.t("agent"))
        s2, b, _ = self.d.request("PATCH", f"/api/v1/tickets/{t['id']}",
                                  {"version": 1, "summary": "停水（乙修改）"}, token=w.t("agent2"))
        self.assertEqual((s1, s2), (200, 409), (a, b))
        self.assertEqual(b["error"]["code"], "conflict")
        self.assertIn("changed by someone else (version 2, you had 1)", b["error"]["message"])
        _, now, _ = w.get("agent", t["id"])
        self.assertEqual((now["summary"], now["version"]), ("停水（甲修改）", 2))
        _, history, _ = self.d.request("GET", f"/api/v1/tickets/{t['id']}/history", token=w.t("agent"))
        self.assertEqual(history["items"][-1]["changes"]["summary"], ["小区停水三天", "停水（甲修改）"])

    def test_concurrent_actions_with_the_same_version_one_wins(self):
        w = self.w
        for _ in range(3):
            t = w.create()
            results = []

            def go(who, lead):
                status, body, _ = self.d.request("POST", f"/api/v1/tickets/{t['id']}/dispatch",
                                                 {"version": 1, "lead_department_id": lead}, token=w.t(who))
                results.append((status, body))

            threads = [threading.Thread(target=go, args=(who, lead))
                       for who, lead in (("agent", w.water), ("agent2", w.housing), ("sup", w.water))]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            codes = sorted(s for s, _ in results)
            self.assertEqual(codes, [200, 409, 409], results)
            _, history, _ = self.d.request("GET", f"/api/v1/tickets/{t['id']}/history", token=w.t("agent"))
            self.assertEqual([h["action"] for h in history["items"]], ["create", "dispatch"])

    # -- who sees what ------------------------------------------------------------
    def test_caller_masking_by_role_and_full_number_is_audited(self):
        w = self.w
        t = w.create()
        for who, name, phone in (("agent", NAME, PHONE), ("sup", NAME, PHONE), ("admin", NAME, PHONE),
                                 ("entry", "王**", "138****5678"), ("audit", "王**", "138****5678")):
            status, view, _ = w.get(who, t["id"])
            with self.subTest(role=who):
                self.assertEqual(status, 200)
                self.assertEqual((view["caller"]["name"], view["caller"]["phone"]), (name, phone))
        status, caller, _ = self.d.request("GET", f"/api/v1/tickets/{t['id']}/caller", token=w.t("agent"))
        self.assertEqual((status, caller), (200, {"name": NAME, "phone": PHONE}))
        for who in ("entry", "audit", "w1"):
            status, _, _ = self.d.request("GET", f"/api/v1/tickets/{t['id']}/caller", token=w.t(who))
            self.assertEqual(status, 403, who)
        _, audit, _ = self.d.request("GET", "/api/v1/audit?action=ticket.caller_viewed", token=w.t("admin"))
        self.assertIn(t["number"], [a["target"] for a in audit["items"]])
        # Department staff see the masked caller of a dispatched ordinary ticket...
        t = w.act("agent", t, "dispatch")
        _, view, _ = w.get("w1", t["id"])
        self.assertEqual(view["caller"]["phone"], "138****5678")
        # ...and nothing of a confidential one, also not in the letter.
        c = w.create(confidential=True)
        c = w.act("agent", c, "dispatch")
        status, view, _ = w.get("w1", c["id"])
        self.assertEqual(status, 200)
        self.assertIsNone(view["caller"])
        status, html, headers = self.d.request("GET", f"/api/v1/tickets/{c['id']}/letter", token=w.t("w1"))
        self.assertEqual(status, 200)
        html = html.decode()
        self.assertNotIn("5678", html)
        self.assertNotIn("王", html)
        self.assertIn("保密", html)

    def test_department_staff_see_only_their_units_tickets(self):
        w = self.w
        mine = w.act("agent", w.create(), "dispatch", lead_department_id=w.water)
        theirs = w.act("agent", w.create(), "dispatch", lead_department_id=w.housing)
        assisted = w.act("agent", w.create(), "dispatch", lead_department_id=w.housing,
                         assisting_department_ids=[w.water])
        undispatched = w.create()
        status, listing, _ = self.d.request("GET", "/api/v1/tickets?limit=1000", token=w.t("w1"))
        ids = {x["id"] for x in listing["items"]}
        self.assertIn(mine["id"], ids)
        self.assertIn(assisted["id"], ids)
        self.assertNotIn(theirs["id"], ids)
        self.assertNotIn(undispatched["id"], ids)
        # Asking for another unit's list gives one's own.
        _, listing, _ = self.d.request("GET", f"/api/v1/tickets?department_id={w.housing}", token=w.t("w1"))
        self.assertNotIn(theirs["id"], {x["id"] for x in listing["items"]})
        for path in (f"/api/v1/tickets/{theirs['id']}", f"/api/v1/tickets/{theirs['id']}/history",
                     f"/api/v1/tickets/{theirs['id']}/letter", f"/api/v1/tickets/{undispatched['id']}",
                     f"/api/v1/tickets?number={theirs['number']}"):
            status, body, _ = self.d.request("GET", path, token=w.t("w1"))
            with self.subTest(path=path):
                if "number=" in path:
                    self.assertEqual(body["items"], [])
                else:
                    self.assertEqual(status, 404)
        status, _, _ = self.d.request("POST", f"/api/v1/tickets/{theirs['id']}/sign", {"version": theirs["version"]},
                                      token=w.t("w1"))
        self.assertEqual(status, 404)
        # An assisting unit sees the ticket but only the lead signs and replies.
        status, body, _ = self.d.request("POST", f"/api/v1/tickets/{assisted['id']}/sign",
                                         {"version": assisted["version"]}, token=w.t("w1"))
        self.assertEqual(status, 403, body)
        w.act("h1", assisted, "sign")

    def test_encrypted_columns_never_hold_the_plain_number(self):
        w = self.w
        t = w.create(caller_phone="+86 139-8765-4321", caller_name="李秘密")
        status, c, _ = self.d.request("GET", f"/api/v1/tickets/{t['id']}/caller", token=w.t("agent"))
        self.assertEqual(c["phone"], "13987654321")
        db = self.d.db()
        row = db.execute("SELECT caller_name_enc, caller_phone_enc, caller_phone_hash, typeof(caller_phone_enc) "
                         "FROM tickets WHERE id = ?", (t["id"],)).fetchone()
        db.close()
        self.assertEqual(row[3], "blob")
        for value in row[:3]:
            self.assertNotIn(b"13987654321", value)
            self.assertNotIn("李秘密".encode(), value)
        # Nowhere in the database files (WAL included) nor in the log.
        data_dir = self.d.data_dir
        for name in ("hotline.db", "hotline.db-wal"):
            path = os.path.join(data_dir, name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    blob = f.read()
                self.assertNotIn(b"13987654321", blob, name)
                self.assertNotIn("李秘密".encode(), blob, name)
        with open(os.path.join(data_dir, "log", "hotlined.log"), "rb") as f:
            self.assertNotIn(b"13987654321", f.read())
        key = os.path.join(data_dir, "caller.key")
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
        self.assertEqual(os.path.getsize(key), 32)

    # -- entry desk, search, letter ----------------------------------------------
    def test_entry_desk_detects_duplicates(self):
        w = self.w
        phone = "13700001111"
        first = w.create(caller_phone=phone, category_code="0302", summary="路灯不亮")
        letter = {"type": "complaint", "channel": "letter", "category_code": "0302", "summary": "来信：路灯仍不亮",
                  "content": "信件内容", "caller_name": "赵六", "caller_phone": "137-0000-1111"}
        status, body, _ = self.d.request("POST", "/api/v1/tickets/entry", letter, token=w.t("entry"))
        self.assertEqual(status, 409)
        self.assertIn(first["number"], body["error"]["message"])
        status, dups, _ = self.d.request("POST", "/api/v1/tickets/duplicates",
                                         {"caller_phone": phone, "category_code": "0302"}, token=w.t("entry"))
        self.assertEqual([x["number"] for x in dups["items"]], [first["number"]])
        status, body, _ = self.d.request("POST", "/api/v1/tickets/entry", dict(letter, on_duplicate="merge"),
                                         token=w.t("entry"))
        self.assertEqual(status, 201, body)
        self.assertEqual(body["ticket"]["state"], "merged")
        self.assertEqual(body["merged_into"]["number"], first["number"])
        self.assertEqual(body["ticket"]["channel"], "letter")
        # Another category is not a duplicate; a phone channel is not the entry desk's.
        status, body, _ = self.d.request("POST", "/api/v1/tickets/entry", dict(letter, category_code="0303"),
                                         token=w.t("entry"))
        self.assertEqual((status, body["duplicates"]), (201, []))
        status, _, _ = self.d.request("POST", "/api/v1/tickets/entry", dict(letter, channel="phone"),
                                      token=w.t("entry"))
        self.assertEqual(status, 400)
        for channel in ("fax", "email", "ivr_message"):
            status, body, _ = self.d.request("POST", "/api/v1/tickets/entry",
                                             dict(letter, channel=channel, caller_phone=None, on_duplicate="create"),
                                             token=w.t("entry"))
            self.assertEqual((status, body["ticket"]["channel"]), (201, channel))
        # The ordinary create reports possible duplicates too.
        again = w.create(caller_phone=phone, category_code="0302")
        self.assertIn(first["number"], [x["number"] for x in again["duplicates"]])

    def test_search_lists_and_letter(self):
        w = self.w
        t = w.create(summary="梧桐大道井盖缺失", content="梧桐大道与银杏路口井盖缺失，夜间危险。", location="梧桐大道")
        t = w.act("agent", t, "dispatch", lead_department_id=w.water)
        for q in ("梧桐大道", "井盖", "梧桐 井盖缺失"):
            status, found, _ = self.d.request("GET", "/api/v1/tickets?q=" + quote(q), token=w.t("agent"))
            with self.subTest(q=q):
                self.assertEqual(status, 200)
                self.assertIn(t["id"], [x["id"] for x in found["items"]])
        status, found, _ = self.d.request("GET", "/api/v1/tickets?q=" + quote("不存在的词语"), token=w.t("agent"))
        self.assertEqual((found["items"], found["next_before_id"]), ([], None))
        # Paging: a full page says where the next one starts, and the next page goes on from there.
        older = w.create(summary="梧桐大道路灯不亮", content="梧桐大道路灯不亮。", location="梧桐大道")
        newest = w.create(summary="梧桐大道树木倒伏", content="梧桐大道树木倒伏。", location="梧桐大道")
        for q in ("梧桐大道", "梧桐"):  # through the index, and a scan of short words
            with self.subTest(q=q):
                status, page, _ = self.d.request("GET", "/api/v1/tickets?limit=2&q=" + quote(q), token=w.t("agent"))
                self.assertEqual([x["id"] for x in page["items"]], [newest["id"], older["id"]])
                self.assertEqual(page["next_before_id"], older["id"])
                status, page, _ = self.d.request(
                    "GET", f"/api/v1/tickets?limit=2&before_id={page['next_before_id']}&q=" + quote(q),
                    token=w.t("agent"))
                self.assertIn(t["id"], [x["id"] for x in page["items"]])
        status, found, _ = self.d.request("GET", "/api/v1/tickets?state=dispatched&type=complaint",
                                          token=w.t("agent"))
        self.assertTrue(all(x["state"] == "dispatched" for x in found["items"]))
        status, found, _ = self.d.request("GET", f"/api/v1/tickets?number={t['number']}", token=w.t("agent"))
        self.assertEqual([x["id"] for x in found["items"]], [t["id"]])
        status, html, headers = self.d.request("GET", f"/api/v1/tickets/{t['id']}/letter", token=w.t("agent"))
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        html = html.decode()
        for part in ("转办函", t["number"], "市水务局", "@media print", "@page", "138****5678", "梧桐大道"):
            self.assertIn(part, html)
        self.assertNotIn(PHONE, html)
        # Text is escaped.
        x = w.create(summary="<script>alert(1)</script>")
        _, html, _ = self.d.request("GET", f"/api/v1/tickets/{x['id']}/letter", token=w.t("agent"))
        self.assertNotIn(b"<script>alert", html)
        self.assertIn(b"&lt;script&gt;", html)

    # -- departments ----------------------------------------------------------
    def test_departments_tree_staff_office_phone_and_catalogue(self):
        w = self.w
        status, d, _ = self.d.request("PATCH", f"/api/v1/departments/{w.water}", {"office_phone": "025-8888 1234"},
                                      token=w.t("admin"))
        self.assertEqual((status, d["office_phone"]), (200, "025-8888 1234"))
        status, _, _ = self.d.request("PATCH", f"/api/v1/departments/{w.water}", {"office_phone": "call me"},
                                      token=w.t("admin"))
        self.assertEqual(status, 400)
        status, tree, _ = self.d.request("GET", "/api/v1/departments/tree", token=w.t("agent"))
        water = next(x for x in tree["items"] if x["id"] == w.water)
        self.assertEqual(water["office_phone"], "025-8888 1234")
        self.assertEqual([c["name"] for c in water["children"]], ["北区供水所"])
        self.assertEqual(water["staff_count"], 1)
        status, staff, _ = self.d.request("GET", f"/api/v1/departments/{w.water}/staff", token=w.t("agent"))
        self.assertEqual([s["job_number"] for s in staff["items"]], ["w1"])
        status, _, _ = self.d.request("PUT", "/api/v1/dispatch-catalogue/0304", {"department_id": w.housing},
                                      token=w.t("admin"))
        self.assertEqual(status, 200)
        status, cat, _ = self.d.request("GET", "/api/v1/dispatch-catalogue", token=w.t("agent"))
        self.assertIn({"category_code": "0304", "department_id": w.housing, "department_name": "市住建局"},
                      [{k: x[k] for k in ("category_code", "department_id", "department_name")} for x in cat["items"]])
        status, cats, _ = self.d.request("GET", "/api/v1/categories", token=w.t("agent"))
        utilities = next(c for c in cats["items"] if c["code"] == "03")
        by_code = {c["code"]: c for c in utilities["children"]}
        self.assertEqual(by_code["0304"]["default_department"]["id"], w.housing)
        self.assertEqual(by_code["0301"]["default_department"]["id"], w.water)
        t = w.act("agent", w.create(category_code="0304"), "dispatch")
        self.assertEqual(t["lead_department_id"], w.housing)
        status, _, _ = self.d.request("DELETE", "/api/v1/dispatch-catalogue/0304", token=w.t("admin"))
        self.assertEqual(status, 200)
        status, _, _ = self.d.request("DELETE", "/api/v1/dispatch-catalogue/0304", token=w.t("admin"))
        self.assertEqual(status, 404)
        status, _, _ = self.d.request("PUT", "/api/v1/dispatch-catalogue/7777", {"department_id": w.housing},
                                      token=w.t("admin"))
        self.assertEqual(status, 400)
        # No catalogue entry and no unit given: the dispatch is refused, naming the field.
        t = w.create(category_code="0101")
        status, body, _ = self.d.request("POST", f"/api/v1/tickets/{t['id']}/dispatch", {"version": 1},
                                         token=w.t("agent"))
        self.assertEqual(status, 400)
        self.assertIn("lead_department_id", body["error"]["message"])

    # -- knowledge base -----------------------------------------------------------
    def test_knowledge_base(self):
        w = self.w
        art = {"section": "office_guide", "title": "社保卡补办流程", "body": "携带身份证到任一社保服务网点办理，当场制卡。",
               "department_id": w.water}
        status, a, _ = self.d.request("POST", "/api/v1/kb/articles", art, token=w.t("sup"))
        self.assertEqual(status, 201, a)
        self.assertEqual((a["version"], a["section_label"]), (1, "办事指南"))
        status, _, _ = self.d.request("POST", "/api/v1/kb/articles", art, token=w.t("agent"))
        self.assertEqual(status, 403)
        status, hidden, _ = self.d.request("POST", "/api/v1/kb/articles",
                                           dict(art, title="草稿：社保新政", published=False), token=w.t("sup"))
        for q in ("社保卡补办", "社保", "身份证 网点"):
            status, found, _ = self.d.request("GET", "/api/v1/kb/articles?q=" + quote(q), token=w.t("agent"))
            with self.subTest(q=q):
                self.assertIn(a["id"], [x["id"] for x in found["items"]])
                self.assertNotIn(hidden["id"], [x["id"] for x in found["items"]])
        status, _, _ = self.d.request("GET", f"/api/v1/kb/articles/{hidden['id']}", token=w.t("agent"))
        self.assertEqual(status, 404)
        status, _, _ = self.d.request("GET", f"/api/v1/kb/articles/{hidden['id']}", token=w.t("sup"))
        self.assertEqual(status, 200)
        status, _, _ = self.d.request("GET", "/api/v1/kb/articles?include_unpublished=1", token=w.t("agent"))
        self.assertEqual(status, 403)
        # Versions and conflicts.
        status, b, _ = self.d.request("PATCH", f"/api/v1/kb/articles/{a['id']}",
                                      {"version": 1, "body": "携带身份证和照片办理。"}, token=w.t("sup"))
        self.assertEqual((status, b["version"]), (200, 2))
        status, c, _ = self.d.request("PATCH", f"/api/v1/kb/articles/{a['id']}", {"version": 1, "title": "旧"},
                                      token=w.t("admin"))
        self.assertEqual(status, 409)
        status, versions, _ = self.d.request("GET", f"/api/v1/kb/articles/{a['id']}/versions", token=w.t("agent"))
        self.assertEqual([v["version"] for v in versions["items"]], [1, 2])
        # Validity dates and the IVR's section list.
        past = now_ms() - 86400 * 1000
        status, old, _ = self.d.request("POST", "/api/v1/kb/articles",
                                        dict(art, title="过期的通知", valid_from=past - 1000, valid_until=past),
                                        token=w.t("sup"))
        status, sect, _ = self.d.request("GET", "/api/v1/kb/sections/office_guide/articles", token=w.t("agent"))
        titles = [x["title"] for x in sect["items"]]
        self.assertIn("社保卡补办流程", titles)
        self.assertNotIn("过期的通知", titles)
        self.assertNotIn("草稿：社保新政", titles)
        status, sections, _ = self.d.request("GET", "/api/v1/kb/sections", token=w.t("w1"))
        self.assertEqual(len(sections["items"]), 7)
        status, _, _ = self.d.request("GET", "/api/v1/kb/sections/nope/articles", token=w.t("agent"))
        self.assertEqual(status, 400)


class SchedulerTest(unittest.TestCase):
    """Reminders and escalations fire once, reach the WebSocket, are listed at
    login, and do not fire again after a restart."""

    CONFIG = {"tickets": {"scheduler_interval_seconds": 1, "escalation_yellow_percent": 50}}

    def setUp(self):
        self.d = Daemon(self.CONFIG).start()
        self.w = TicketWorld(self.d)

    def tearDown(self):
        stop_and_check(self.d)

    def events(self, ws, seconds):
        """reminder.due events received within `seconds`."""
        out = []
        end = time.time() + seconds
        while time.time() < end:
            ws.sock.settimeout(max(0.05, end - time.time()))
            try:
                msg = ws.recv_json()
            except (socket.timeout, TimeoutError):
                break
            if msg.get("method") == "reminder.due":
                out.append(msg["params"])
        return out

    def rw_db(self):
        db = sqlite3.connect(os.path.join(self.d.data_dir, "hotline.db"), timeout=10)
        return db

    def test_reminder_fires_once_to_the_users_concerned(self):
        w = self.w
        t = w.act("agent", w.create(), "dispatch")
        ws_agent, ws_w1, ws_h1, ws_sup = (self.d.ws(w.t(x)) for x in ("agent", "w1", "h1", "sup"))
        for ws in (ws_agent, ws_w1, ws_h1, ws_sup):
            self.assertEqual(ws.recv_json()["method"], "session.ready")
        status, r, _ = self.d.request("POST", f"/api/v1/tickets/{t['id']}/reminders",
                                      {"due_at": now_ms() + 1500, "note": "请尽快回复市民"}, token=w.t("agent2"))
        self.assertEqual(status, 201, r)
        got = self.events(ws_w1, 6)
        self.assertEqual(len(got), 1, got)
        e = got[0]
        self.assertEqual((e["kind"], e["reminder_id"], e["note"], e["ticket"]["number"]),
                         ("reminder", r["id"], "请尽快回复市民", t["number"]))
        for ws in (ws_agent, ws_sup):  # the ticket's creator and the supervisors
            self.assertEqual([x.get("reminder_id") for x in self.events(ws, 1) if x["kind"] == "reminder"], [r["id"]])
        self.assertEqual([x for x in self.events(ws_h1, 1) if x["kind"] == "reminder"], [])  # another unit
        self.assertEqual(self.events(ws_w1, 3), [])  # never twice
        for ws in (ws_agent, ws_w1, ws_h1, ws_sup):
            ws.close()
        # Shown at login.
        status, alerts, _ = self.d.request("GET", "/api/v1/tickets/alerts", token=w.t("w1"))
        self.assertIn(r["id"], [a.get("reminder_id") for a in alerts["items"]])
        status, alerts, _ = self.d.request("GET", "/api/v1/tickets/alerts", token=w.t("h1"))
        self.assertNotIn(r["id"], [a.get("reminder_id") for a in alerts["items"]])
        status, reminders, _ = self.d.request("GET", f"/api/v1/tickets/{t['id']}/reminders", token=w.t("agent"))
        self.assertIsNotNone(reminders["items"][0]["fired_at"])

    def test_escalations_yellow_then_red_once_and_across_a_restart(self):
        w = self.w
        t = w.act("agent", w.create(), "dispatch")
        ws = self.d.ws(w.t("w1"))
        self.assertEqual(ws.recv_json()["method"], "session.ready")
        # The sign window now ends 8 s after the dispatch: yellow at 50% (4 s), red at 8 s. The waits
        # (6 s, then 7 s) leave 2 s either side, so a busy machine does not move an event into the wrong one.
        now = now_ms()
        db = self.rw_db()
        db.execute("UPDATE tickets SET created_at = ?, sign_due = ? WHERE id = ?", (now - 6000, now + 8000, t["id"]))
        db.commit()
        got = [e for e in self.events(ws, 6) if e["kind"] == "escalation"]
        self.assertEqual([(e["level"], e["deadline"], e["ticket"]["id"]) for e in got], [("yellow", "sign", t["id"])])
        # The deadline passes: red, once.
        got = [e for e in self.events(ws, 7) if e["kind"] == "escalation"]
        self.assertEqual([(e["level"], e["ticket"]["id"]) for e in got], [("red", t["id"])])
        self.assertEqual([e for e in self.events(ws, 2) if e["kind"] == "escalation"], [])
        ws.close()
        status, listing, _ = self.d.request("GET", "/api/v1/tickets?overdue=1", token=w.t("sup"))
        item = next(x for x in listing["items"] if x["id"] == t["id"])
        self.assertEqual(item["escalation"], "red")
        # A reminder due while the daemon is down fires once after the restart; nothing fires twice.
        status, r, _ = self.d.request("POST", f"/api/v1/tickets/{t['id']}/reminders",
                                      {"due_at": now_ms() + 2000, "note": "停机期间到期"}, token=w.t("agent"))
        self.assertEqual(self.d.stop(), 0)
        time.sleep(2.5)
        self.d.start()
        w.tokens["w1"] = self.d.login("w1", "ticket-pass-1")  # sessions survive, but be explicit
        time.sleep(3)
        db = self.d.db()
        fired = db.execute("SELECT COUNT(*) FROM reminders WHERE id = ? AND fired_at IS NOT NULL",
                           (r["id"],)).fetchone()[0]
        escalations = db.execute("SELECT level FROM ticket_escalations WHERE ticket_id = ? ORDER BY level",
                                 (t["id"],)).fetchall()
        db.close()
        self.assertEqual(fired, 1)
        self.assertEqual(escalations, [("red",), ("yellow",)])
        with open(os.path.join(self.d.data_dir, "log", "hotlined.log")) as f:
            log = f.read()
        fired_lines = [line for line in log.splitlines() if "event=tickets.alerts_fired" in line]
        self.assertEqual(sum(int(line.split("reminders=")[1].split()[0]) for line in fired_lines), 1, fired_lines)
        self.assertEqual(sum(int(line.split("escalations=")[1].split()[0]) for line in fired_lines), 2, fired_lines)
        status, alerts, _ = self.d.request("GET", "/api/v1/tickets/alerts", token=w.tokens["w1"])
        kinds = sorted((a["kind"], a.get("level", "")) for a in alerts["items"] if a["ticket"]["id"] == t["id"])
        self.assertEqual(kinds, [("escalation", "red"), ("escalation", "yellow"), ("reminder", "")])


if __name__ == "__main__":
    unittest.main()
