"""The 12345 IVR through the real daemon: a caller (tests/integration/sipua.py)
dials 12345, hears the flow's prompts (decoded from the RTP it receives),
keys RFC 4733 digits and speaks into recordings; the daemon's interpreter
walks ivr-flows/12345.yaml, and what the flow does lands in SQLite: tickets
made from recordings, missed calls, the IVR path with the call record."""
import json
import os
import shutil
import time
import unittest
import wave

from harness import Daemon, stop_and_check
from sipua import SipUa, energy, tone_level

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def tone(seconds, frequency=440, amplitude=5000):
    import math
    return [int(amplitude * math.sin(2 * math.pi * frequency * i / 8000)) for i in range(int(seconds * 8000))]



class IvrTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon({
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]}],
            "dialplan": [{"match": "12345", "to": "ivr:12345"}],
            "ivr": {"flows_dir": os.path.join(ROOT, "ivr-flows"), "variables": {"city": "昆明市"}},
            "sip": {"max_requests_per_second": 100000, "overload_lag_ms": 0},
        }).start()

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    def call_record(self, started_ms):
        deadline = time.time() + 10
        while time.time() < deadline:
            with self.d.db() as db:
                row = db.execute("SELECT uuid, route, ivr_path, hangup_side FROM calls WHERE dialled = '12345' AND "
                                 "started_at >= ? ORDER BY id DESC LIMIT 1", (started_ms,)).fetchone()
            if row:
                return row
            time.sleep(0.1)
        self.fail("no call record:\n" + self.d.log()[-3000:])

    def wait_for_beep(self, ua, timeout=40):
        deadline = time.time() + timeout
        while time.time() < deadline:
            ua.send_silence(100)
            if tone_level(ua.heard(time.time() - 0.25)[-1600:], 1000) > 0.5:
                ua.send_silence(300)  # the rest of the beep
                return
        self.fail("no beep before the recording")

    def nodes(self, path_json):
        return [step["node"] for step in json.loads(path_json or "[]")]

    def test_welcome_is_heard_and_a_complaint_recording_becomes_a_ticket(self):
        started = int(time.time() * 1000)
        ua = SipUa(self.d.sip_port)
        try:
            ua.call("12345")
            ua.send_silence(1500)
            self.assertGreater(energy(ua.heard()), 200, "no welcome prompt")
            ua.send_rfc4733("2")  # automatic service
            ua.send_silence(800)
            ua.send_rfc4733("2")  # complaint / report recording
            self.wait_for_beep(ua)  # the intro, then the 1 kHz tone
            ua.send_audio(tone(3.0))  # the citizen speaks
            ua.send_rfc4733("#")
            before = time.time()
            ua.send_silence(6000)  # "received, your number is ..." read out
            self.assertGreater(energy(ua.heard(before)), 200, "the ticket number was not read out")
            ua.bye()
        finally:
            ua.close()
        uuid, route, path, _ = self.call_record(started)
        self.assertEqual(route, "ivr:12345")
        walked = self.nodes(path)
        for node in ("welcome", "auto_menu", "complaint_record", "complaint_ticket", "message_received"):
            self.assertIn(node, walked, walked)
        with self.d.db() as db:
            message = db.execute("SELECT ticket_id, kind, path, duration_ms FROM ivr_messages WHERE call_uuid = ?",
                                 (uuid,)).fetchone()
            self.assertIsNotNone(message, "no message row")
            ticket = db.execute("SELECT type, channel FROM tickets WHERE id = ?", (message[0],)).fetchone()
        self.assertEqual(message[1], "complaint")
        self.assertEqual(ticket[0], "complaint")
        self.assertGreater(message[3], 2500)
        with wave.open(message[2], "rb") as w:
            self.assertEqual((w.getnchannels(), w.getframerate()), (1, 8000))
            self.assertGreater(w.getnframes(), 8000 * 2.5)

    def test_human_service_without_queues_takes_the_busy_branch(self):
        started = int(time.time() * 1000)
        ua = SipUa(self.d.sip_port)
        try:
            ua.call("12345")
            ua.send_silence(1000)
            ua.send_rfc4733("1")
            ua.send_silence(2000)
            ua.bye()
        finally:
            ua.close()
        _, _, path, _ = self.call_record(started)
        walked = self.nodes(path)
        self.assertIn("human_busy", walked, walked)

    def test_zero_from_the_automatic_menu_goes_to_an_agent(self):
        started = int(time.time() * 1000)
        ua = SipUa(self.d.sip_port)
        try:
            ua.call("12345")
            ua.send_silence(1000)
            ua.send_rfc4733("2")
            ua.send_silence(1000)
            ua.send_rfc4733("0")
            ua.send_silence(1500)
            ua.bye()
        finally:
            ua.close()
        _, _, path, _ = self.call_record(started)
        walked = self.nodes(path)
        self.assertIn("auto_menu", walked)
        self.assertIn("human", walked, walked)

    def walk(self, *keys, settle_ms=1200, then_ms=0):
        """Calls 12345 and keys each digit (RFC 4733) after settle_ms; returns the call's path."""
        started = int(time.time() * 1000)
        ua = SipUa(self.d.sip_port)
        try:
            ua.call("12345")
            for key in keys:
                ua.send_silence(settle_ms)
                ua.send_rfc4733(key)
            before = time.time()
            ua.send_silence(then_ms or settle_ms)
            heard = energy(ua.heard(before))
            ua.bye()
        finally:
            ua.close()
        _, _, path, _ = self.call_record(started)
        return self.nodes(path), json.loads(path), heard

    def test_status_query_reads_the_tickets_status(self):
        token = self.d.admin()
        status, ticket, _ = self.d.request("POST", "/api/v1/tickets", {
            "type": "complaint", "category_code": "0301", "summary": "小区停水", "content": "幸福路12号停水。",
            "location": "幸福路12号", "caller_name": "王先生", "caller_phone": "13800138000"}, token=token)
        self.assertEqual(status, 201, ticket)
        walked, steps, heard = self.walk("2", "3", *ticket["number"], "#", then_ms=5000)
        for node in ("auto_menu", "status_number", "status_lookup", "status_read"):
            self.assertIn(node, walked, walked)
        lookup = [s for s in steps if s["node"] == "status_lookup"][0]
        self.assertEqual(lookup["out"], "found", steps)
        self.assertGreater(heard, 200, "the status was not read out")

    def test_consultation_plays_articles_of_a_section(self):
        token = self.d.admin()
        status, article, _ = self.d.request("POST", "/api/v1/kb/articles", {
            "section": "office_guide", "title": "社保卡补办", "body": "携带身份证到任一社保服务网点办理。"}, token=token)
        self.assertEqual(status, 201, article)
        walked, steps, heard = self.walk("2", "4", "3", then_ms=6000)
        self.assertIn("consult_menu", walked, walked)
        self.assertIn("kb_office_guide", walked, walked)
        self.assertGreater(heard, 200, "no article was read out")

    def test_star_goes_back_to_the_previous_menu(self):
        walked, _, _ = self.walk("2", "*")
        self.assertEqual(walked[:4], ["entry", "welcome", "auto_menu", "welcome"], walked)

    def test_an_invalid_digit_is_answered_and_the_menu_asked_again(self):
        walked, steps, _ = self.walk("2", "7", then_ms=3000)
        menu_steps = [step for step in steps if step["node"] == "auto_menu"]
        # The menu stays where it is (retries), its outcomes listed in order: "invalid,..." .
        self.assertTrue(menu_steps and menu_steps[0]["out"].startswith("invalid"), steps)
        self.assertEqual(walked[-1], "auto_menu", walked)

    def test_mailbox_message_becomes_a_mailbox_ticket(self):
        started = int(time.time() * 1000)
        ua = SipUa(self.d.sip_port)
        try:
            ua.call("12345")
            ua.send_silence(1200)
            ua.send_rfc4733("2")
            ua.send_silence(800)
            ua.send_rfc4733("1")  # mayor's mailbox
            self.wait_for_beep(ua)
            ua.send_audio(tone(2.5, 330))
            ua.send_rfc4733("#")
            ua.send_silence(1500)
            ua.bye()
        finally:
            ua.close()
        uuid, _, path, _ = self.call_record(started)
        self.assertIn("mailbox_ticket", self.nodes(path))
        with self.d.db() as db:
            row = db.execute("SELECT t.type FROM ivr_messages m JOIN tickets t ON t.id = m.ticket_id "
                             "WHERE m.call_uuid = ?", (uuid,)).fetchone()
        self.assertEqual(row, ("mailbox",))

    def test_a_caller_who_hangs_up_after_speaking_still_leaves_the_message(self):
        started = int(time.time() * 1000)
        ua = SipUa(self.d.sip_port)
        try:
            ua.call("12345")
            ua.send_silence(1200)
            ua.send_rfc4733("2")
            ua.send_silence(800)
            ua.send_rfc4733("1")
            self.wait_for_beep(ua)
            ua.send_audio(tone(3.0, 300))
            ua.bye()  # no #, no silence: just gone
        finally:
            ua.close()
        uuid, _, _, _ = self.call_record(started)
        deadline = time.time() + 10
        row = None
        while time.time() < deadline and not row:
            with self.d.db() as db:
                row = db.execute("SELECT t.type, m.duration_ms FROM ivr_messages m JOIN tickets t ON t.id = m.ticket_id "
                                 "WHERE m.call_uuid = ?", (uuid,)).fetchone()
            time.sleep(0.2)
        self.assertIsNotNone(row, "the message was lost")
        self.assertEqual(row[0], "mailbox")
        self.assertGreater(row[1], 2500)

    def test_outside_staffed_hours_callers_get_the_night_service(self):
        night = Daemon({
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]}],
            "dialplan": [{"match": "12345", "to": "ivr:12345"}],
            # Staffed one minute a week (Saturday 00:00 Shanghai time): night for this test.
            "ivr": {"flows_dir": os.path.join(ROOT, "ivr-flows"),
                    "schedules": {"staffed": {"days": ["sat"], "hours": ["00:00-00:01"]}}},
        }).start()
        try:
            started = int(time.time() * 1000)
            ua = SipUa(night.sip_port)
            try:
                ua.call("12345")
                ua.send_silence(1200)
                ua.send_rfc4733("2")  # night menu: 2 is the automatic service
                ua.send_silence(1200)
                ua.bye()
            finally:
                ua.close()
            deadline = time.time() + 10
            row = None
            while time.time() < deadline and not row:
                with night.db() as db:
                    row = db.execute("SELECT ivr_path FROM calls WHERE started_at >= ?", (started,)).fetchone()
                time.sleep(0.1)
            walked = self.nodes(row[0])
            self.assertEqual(walked[:3], ["entry", "night_welcome", "auto_menu"], walked)
        finally:
            stop_and_check(night)

    def test_hanging_up_at_once_leaves_a_missed_call(self):
        started = int(time.time() * 1000)
        ua = SipUa(self.d.sip_port)
        try:
            ua.call("12345")
            ua.send_silence(600)
            ua.bye()
        finally:
            ua.close()
        uuid, _, _, _ = self.call_record(started)
        deadline = time.time() + 5
        row = None
        while time.time() < deadline and not row:
            with self.d.db() as db:
                row = db.execute("SELECT flow, reason FROM ivr_missed_calls WHERE call_uuid = ?", (uuid,)).fetchone()
            time.sleep(0.1)
        self.assertIsNotNone(row, "no missed-call record")
        self.assertEqual(row[0], "12345")


if __name__ == "__main__":
    unittest.main()
