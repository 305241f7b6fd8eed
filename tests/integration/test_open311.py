"""Citizen access without a login: the request look-up (number + last 4 phone
digits, rate-limited, nothing beyond state, unit and accepted reply), the
mayor's mailbox, and the Open311 GeoReport v2 endpoints checked against the
spec's field lists (http://wiki.open311.org/GeoReport_v2)."""
import urllib.parse
import unittest

from harness import Daemon, stop_and_check

API_KEY = "test-open311-key-0123456789"
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class CitizenAccessTest(unittest.TestCase):
    CONFIG = {"tickets": {"citizen_lookups_per_minute": 5, "mailbox_messages_per_hour": 3,
                          "open311_api_keys": [API_KEY]}}

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(cls.CONFIG).start()
        admin = cls.d.admin()
        _, water, _ = cls.d.request("POST", "/api/v1/departments", {"code": "water", "name": "市水务局"}, token=admin)
        cls.water = water["id"]
        cls.d.create_user("agent", ["agent"], password="ticket-pass-1")
        cls.d.create_user("sup", ["supervisor"], password="ticket-pass-1")
        cls.d.create_user("w1", ["department_staff"], password="ticket-pass-1", department_id=cls.water)
        cls.agent = cls.d.login("agent", "ticket-pass-1")
        cls.sup = cls.d.login("sup", "ticket-pass-1")
        cls.w1 = cls.d.login("w1", "ticket-pass-1")

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    def act(self, token, t, action, **args):
        status, t2, _ = self.d.request("POST", f"/api/v1/tickets/{t['id']}/{action}",
                                       dict(args, version=t["version"]), token=token)
        self.assertEqual(status, 200, t2)
        return t2

    def lookup(self, number, last4, ip_headers=None):
        return self.d.request("POST", "/api/v1/public/lookup", {"number": number, "phone_last4": last4},
                              headers=ip_headers)

    # -- citizen look-up and mailbox -----------------------------------------
    def test_a_lookup_reveals_nothing_extra_and_is_rate_limited(self):
        body = {"type": "complaint", "category_code": "0301", "summary": "停水", "content": "内部备注：市民情绪激动",
                "location": "幸福路12号", "caller_name": "王小明", "caller_phone": "13812345678"}
        status, t, _ = self.d.request("POST", "/api/v1/tickets", body, token=self.agent)
        self.assertEqual(status, 201)
        status, view, _ = self.lookup(t["number"], "5678")
        self.assertEqual(status, 200, view)
        self.assertEqual(view, {"number": t["number"], "state": "created", "state_label": view["state_label"],
                                "department": None, "reply": None})
        t = self.act(self.agent, t, "dispatch", lead_department_id=self.water)
        t = self.act(self.w1, t, "sign")
        t = self.act(self.w1, t, "reply", reply="已修复")
        status, view, _ = self.lookup(t["number"], "5678")
        # The reply is not public before the hotline accepts it.
        self.assertEqual((view["state"], view["department"], view["reply"]), ("replied", "市水务局", None))
        self.assertEqual(set(view), {"number", "state", "state_label", "department", "reply"})
        # Wrong digits and unknown numbers look the same.
        status, wrong, _ = self.lookup(t["number"], "0000")
        status2, unknown, _ = self.lookup("2099010100001", "5678")
        self.assertEqual((status, status2), (404, 404))
        self.assertEqual(wrong, unknown)
        # The limit counts every attempt from the address (5 per minute here; 4 used so far).
        status, _, _ = self.lookup(t["number"], "5678")
        self.assertEqual(status, 200)
        status, body, _ = self.lookup(t["number"], "5678")
        self.assertEqual((status, body["error"]["code"]), (429, "rate_limited"))

    def test_b_mailbox_message_becomes_a_ticket(self):
        msg = {"name": "陈市民", "phone": "13600002222", "subject": "建议增加公交线路",
               "content": "建议开通从新区到火车站的公交线路。"}
        status, r, _ = self.d.request("POST", "/api/v1/public/mailbox", msg)
        self.assertEqual(status, 201, r)
        self.assertIn(r["number"], r["message"])
        status, found, _ = self.d.request("GET", f"/api/v1/tickets?number={r['number']}", token=self.agent)
        t = found["items"][0]
        self.assertEqual((t["type"], t["channel"], t["created_by"]), ("mailbox", "web", None))
        status, caller, _ = self.d.request("GET", f"/api/v1/tickets/{t['id']}/caller", token=self.agent)
        self.assertEqual(caller, {"name": "陈市民", "phone": "13600002222"})
        status, body, _ = self.d.request("POST", "/api/v1/public/mailbox", dict(msg, phone="no digits"))
        self.assertEqual(status, 400)
        for _ in range(2):
            status, _, _ = self.d.request("POST", "/api/v1/public/mailbox", msg)
            self.assertEqual(status, 201)
        status, body, _ = self.d.request("POST", "/api/v1/public/mailbox", msg)
        self.assertEqual(status, 429)

    # -- Open311 ----------------------------------------------------------------
    def test_c_services_list_matches_the_spec(self):
        for path in ("/open311/v2/services.json", "/open311/v2/services"):
            status, services, headers = self.d.request("GET", path)
            self.assertEqual(status, 200)
            self.assertIn("json", headers["Content-Type"])
            self.assertIsInstance(services, list)
            self.assertTrue(services)
            for s in services:
                self.assertEqual(set(s), SERVICE_FIELDS)
                self.assertEqual((s["metadata"], s["type"]), (False, "realtime"))
        water = next(s for s in services if s["service_code"] == "0301")
        self.assertEqual((water["service_name"], water["group"]), ("供水", "公用事业"))

    def test_d_post_and_get_requests(self):
        form = {"api_key": API_KEY, "service_code": "0101", "lat": "32.0603", "long": "118.7969",
                "description": "人行道地砖松动，老人容易绊倒。", "first_name": "明", "last_name": "李",
                "phone": "13911112222", "email": "li@example.com"}
        status, reply, _ = self.d.request("POST", "/open311/v2/requests.json",
                                          raw_body=urllib.parse.urlencode(form).encode(), headers=FORM)
        self.assertEqual(status, 201, reply)
        self.assertIsInstance(reply, list)
        self.assertEqual(set(reply[0]), {"service_request_id", "service_notice", "account_id"})
        number = reply[0]["service_request_id"]
        status, reply2, _ = self.d.request("POST", "/open311/v2/requests",
                                           dict(form, lat=None, long=None, address_string="中山路1号",
                                                service_code="0102"))
        self.assertEqual(status, 201, reply2)

        status, items, _ = self.d.request("GET", f"/open311/v2/requests/{number}.json?api_key={API_KEY}")
        self.assertEqual(status, 200, items)
        self.assertEqual(len(items), 1)
        r = items[0]
        self.assertEqual(set(r), REQUEST_FIELDS)
        self.assertEqual((r["service_request_id"], r["status"], r["service_code"], r["service_name"]),
                         (number, "open", "0101", "市政道路"))
        self.assertEqual((r["lat"], r["long"]), (32.0603, 118.7969))
        self.assertTrue(r["requested_datetime"].endswith("Z"))
        # Nothing personal in a request.
        self.assertNotIn("13911112222", str(items))
        self.assertNotIn("李", str(items))

        status, items, _ = self.d.request("GET", f"/open311/v2/requests.json?api_key={API_KEY}&service_code=0101")
        self.assertEqual([x["service_request_id"] for x in items], [number])
        status, items, _ = self.d.request("GET", f"/open311/v2/requests?api_key={API_KEY}")
        self.assertEqual(len(items), 2)
        for item in items:
            self.assertEqual(set(item), REQUEST_FIELDS)
        status, items, _ = self.d.request("GET", f"/open311/v2/requests?api_key={API_KEY}&status=closed")
        self.assertEqual(items, [])
        status, items, _ = self.d.request(
            "GET", f"/open311/v2/requests?api_key={API_KEY}&start_date=2000-01-01T00:00:00%2B08:00"
                   f"&end_date=2000-02-01T00:00:00Z")
        self.assertEqual((status, items), (200, []))
        status, items, _ = self.d.request("GET", f"/open311/v2/requests?api_key={API_KEY}&service_request_id="
                                                 f"{number},{reply2[0]['service_request_id']}")
        self.assertEqual(len(items), 2)
        # Tickets filed by phone are not Open311's to list.
        status, t, _ = self.d.request("POST", "/api/v1/tickets",
                                      {"type": "help", "category_code": "0101", "summary": "电话来件"},
                                      token=self.agent)
        status, items, _ = self.d.request("GET", f"/open311/v2/requests/{t['number']}?api_key={API_KEY}")
        self.assertEqual(status, 404)

    def test_e_open311_errors_use_the_spec_format(self):
        cases = [
            ("POST", "/open311/v2/requests.json", {"service_code": "0101", "address_string": "x"}, 403),
            ("POST", "/open311/v2/requests.json", {"api_key": "wrong-key-0123456789", "service_code": "0101",
                                                   "address_string": "x"}, 403),
            ("POST", "/open311/v2/requests.json", {"api_key": API_KEY, "service_code": "7777",
                                                   "address_string": "x"}, 404),
            ("POST", "/open311/v2/requests.json", {"api_key": API_KEY, "service_code": "0101"}, 400),
            ("GET", "/open311/v2/requests.json", None, 403),
            ("GET", f"/open311/v2/requests.json?api_key={API_KEY}&start_date=yesterday", None, 400),
        ]
        for method, path, form, expected in cases:
            raw = urllib.parse.urlencode(form).encode() if form is not None else None
            status, body, _ = self.d.request(method, path, raw_body=raw, headers=FORM if raw else None)
            with self.subTest(path=path, form=form):
                self.assertEqual(status, expected, body)
                self.assertIsInstance(body, list)
                self.assertEqual(set(body[0]), {"code", "description"})
                self.assertEqual(body[0]["code"], expected)


if __name__ == "__main__":
    unittest.main()
