"""More IVR walks through the real daemon (tests/integration/sipua.py as the
caller): menu timeouts and retries, the invalid-input prompt, collects ended
by the terminator and by the timeout, English prompts (recorded and TTS),
a transfer to another hotline (12315) through a trunk that a second UA
answers, a survey created through the API and answered by keypad, and a
flow file edited on disk while the daemon runs (inotify reload).

The flow `walks` (written here) speaks recorded prompts that are pure tones,
one frequency per prompt, so what the caller hears can be decoded into the
exact sequence of prompts (Goertzel, 100 ms windows)."""
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import time
import unittest
import wave

from harness import Daemon, stop_and_check
from sipua import SipUa, energy, tone_level

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FLOW_12345 = os.path.join(ROOT, "ivr-flows", "12345.yaml")

# Recorded prompts of the test flows: key -> tone (Hz). en/KEY: the English recording.
TONES = {"t_menu": 500, "en/t_menu": 2200, "t_collect": 600, "t_invalid": 800, "t_timeout": 1200,
         "t_fallback": 1600, "t_right": 1800, "t_wrong": 2000, "h_one": 700, "h_two": 1300}
NAMES = {freq: key for key, freq in TONES.items()}

WALKS = """\
description: e2e walks of menus, collects and languages (tests/integration/test_ivr_more.py)
start: menu
globals:
  back: "*"
  invalid_prompt: {key: t_invalid, text: "输入有误。", en: "Wrong key."}
  timeout_prompt: {key: t_timeout, text: "没有收到按键。", en: "No key."}
nodes:
  menu:
    type: menu
    prompt: {key: t_menu, text: "菜单。", en: "Menu."}
    choices: {"1": number, "9": english}
    timeout: 2
    retries: 2
    fallback: fallback
  english:
    type: set
    values: {lang: en}
    next: menu
  fallback:
    type: hangup
    prompt: {key: t_fallback, text: "转入后备。"}
  number:
    type: collect
    prompt: {key: t_collect, text: "请输入号码，以井号键结束。"}
    min_digits: 3
    max_digits: 6
    terminator: "#"
    timeout: 2
    inter_digit_timeout: 1.5
    into: entered
    retries: 1
    fallback: fallback
    next: check
  check:
    type: condition
    branches:
      - if: {var: entered, equals: "4217"}
        goto: right
      - if: {var: entered, equals: "555"}
        goto: right
    otherwise: wrong
  right:
    type: hangup
    prompt: {key: t_right, text: "正确。"}
  wrong:
    type: hangup
    prompt: {key: t_wrong, text: "错误。"}
"""

HELLO = """\
start: hello
nodes:
  hello:
    type: play
    prompt: {key: KEY, text: "您好。"}
    next: bye
  bye:
    type: hangup
"""


def write_tone(path, frequency, seconds=0.5, amplitude=8000):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    n = int(seconds * 8000)
    frames = bytearray()
    for i in range(n):
        edge = min(1.0, i / 40, (n - i) / 40)
        frames += int(amplitude * edge * math.sin(2 * math.pi * frequency * i / 8000)).to_bytes(2, "little", signed=True)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(frames))


def prompts_heard(samples):
    """The prompts in what was heard, in order: tone names, or "speech" for
    sound that is no test tone. Silence is skipped; a label must last two
    windows (200 ms), so the window across two prompts does not count."""
    runs = []
    for i in range(0, len(samples) - 799, 800):
        window = samples[i:i + 800]
        if energy(window) < 300:
            continue
        levels = {freq: tone_level(window, freq) for freq in NAMES}
        best = max(levels, key=levels.get)
        label = NAMES[best] if levels[best] > 0.6 else "speech"
        if runs and runs[-1][0] == label:
            runs[-1][1] += 1
        else:
            runs.append([label, 1])
    out = []
    for label, count in runs:
        if count >= 2 and (not out or out[-1] != label):
            out.append(label)
    return out


def tts_cache_name(text, voice="en", rate=160):
    """As TtsEngine::cache_key names a rendering."""
    return hashlib.sha256(f"tts-v1\n{voice}\n{rate}\n{text}".encode()).hexdigest()[:40] + ".wav"


def find_in(received, expected, block=80):
    """The best normalized correlation of `expected` anywhere in `received`:
    the 10 ms loudness envelopes find candidate places, then sample by sample
    around each (sipua.best_correlation's decimated search can miss a lag
    that is not a multiple of its step)."""
    def envelope(x):
        return [energy(x[i:i + block]) for i in range(0, len(x) - block + 1, block)]

    def pearson(a, b):
        n = len(b)
        ma, mb = sum(a) / n, sum(b) / n
        num = sum((x - ma) * (y - mb) for x, y in zip(a, b))
        den = math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b)) or 1.0
        return num / den

    env_r, env_e = envelope(received), envelope(expected)
    if len(env_r) < len(env_e):
        return 0.0
    scores = sorted(((pearson(env_r[k:k + len(env_e)], env_e), k) for k in range(len(env_r) - len(env_e) + 1)),
                    reverse=True)
    e_norm = math.sqrt(sum(x * x for x in expected)) or 1.0
    best = 0.0
    for _, k in scores[:3]:
        for lag in range(max(0, k * block - block), min(len(received) - len(expected), k * block + block) + 1):
            seg = received[lag:lag + len(expected)]
            dot = sum(a * b for a, b in zip(seg, expected))
            best = max(best, dot / ((math.sqrt(sum(a * a for a in seg)) or 1.0) * e_norm))
    return best


def read_wav(path):
    with wave.open(path, "rb") as w:
        raw = w.readframes(w.getnframes())
    return [int.from_bytes(raw[i:i + 2], "little", signed=True) for i in range(0, len(raw), 2)]


class IvrMoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hotline-ivr-more-")
        cls.flows = os.path.join(cls.tmp, "flows")
        cls.prompts = os.path.join(cls.tmp, "prompts")
        os.makedirs(cls.flows)
        for key, freq in TONES.items():
            write_tone(os.path.join(cls.prompts, key + ".wav"), freq)
        shutil.copy(FLOW_12345, cls.flows)
        with open(os.path.join(cls.flows, "walks.yaml"), "w") as f:
            f.write(WALKS)
        with open(os.path.join(cls.flows, "hello.yaml"), "w") as f:
            f.write(HELLO.replace("KEY", "h_one"))
        # The other hotline's trunk (12315): a UA on 127.0.0.3 that answers.
        cls.hotline_12315 = SipUa(5060, local_ip="127.0.0.3", number="12315")
        trunk_port = cls.hotline_12315.sip.getsockname()[1]
        cls.d = Daemon({
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]},
                       {"name": "market-regulation", "address": f"127.0.0.3:{trunk_port}"}],
            "dialplan": [{"match": "12345", "to": "ivr:12345"}, {"match": "9001", "to": "ivr:walks"},
                         {"match": "9002", "to": "ivr:hello"}, {"match": "12315", "to": "trunk:market-regulation"}],
            "ivr": {"flows_dir": cls.flows, "variables": {"city": "昆明市"}},
            "prompts": {"directory": cls.prompts},
            "sip": {"max_requests_per_second": 100000, "overload_lag_ms": 0},
        }).start()
        cls.hotline_12315.server = ("127.0.0.1", cls.d.sip_port)

    @classmethod
    def tearDownClass(cls):
        cls.hotline_12315.close()
        stop_and_check(cls.d)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # -- helpers ----------------------------------------------------------
    def call_record(self, dialled, started_ms):
        deadline = time.time() + 10
        while time.time() < deadline:
            with self.d.db() as db:
                row = db.execute("SELECT uuid, ivr_path FROM calls WHERE dialled = ? AND started_at >= ? "
                                 "ORDER BY id DESC LIMIT 1", (dialled, started_ms)).fetchone()
            if row and row[1]:
                return row[0], json.loads(row[1])
            time.sleep(0.1)
        self.fail("no call record:\n" + self.d.log()[-3000:])

    def wait_tone(self, ua, key, timeout=15):
        """Sends silence until the prompt `key` was heard and has ended."""
        freq = TONES[key]
        seen = False
        deadline = time.time() + timeout
        while time.time() < deadline:
            ua.send_silence(100)
            level = tone_level(ua.heard(time.time() - 0.15)[-800:], freq)
            if level > 0.5:
                seen = True
            elif seen:
                return
        self.fail(f"never heard {key} ({freq} Hz); heard {prompts_heard(ua.heard())}")

    def wait_hung_up(self, ua, timeout=20):
        """Sends silence until the daemon hangs up (BYE)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if getattr(ua, "ended_by_server", False):
                return
            ua.send_silence(100)
        self.fail(f"the flow did not hang up; heard {prompts_heard(ua.heard())}")

    def key(self, ua, *digits):
        for d in digits:
            ua.send_rfc4733(d)
            ua.send_silence(60)

    def walk(self, dialled, script):
        """Calls `dialled`, runs script(ua), returns (prompts heard, path steps)."""
        started = int(time.time() * 1000)
        ua = SipUa(self.d.sip_port)
        try:
            ua.call(dialled)
            script(ua)
            heard = ua.heard()
            if not getattr(ua, "ended_by_server", False):
                ua.bye()
        finally:
            ua.close()
        _, steps = self.call_record(dialled, started)
        return prompts_heard(heard), steps

    def outcome(self, steps, node):
        found = [s["out"] for s in steps if s["node"] == node]
        self.assertTrue(found, f"{node} not in {steps}")
        return found[0]

    # -- menus --------------------------------------------------------------
    def test_menu_silence_reprompts_then_takes_the_fallback(self):
        heard, steps = self.walk("9001", lambda ua: self.wait_hung_up(ua))
        self.assertEqual(heard, ["t_menu", "t_timeout", "t_menu", "t_timeout", "t_menu", "t_fallback"])
        self.assertEqual([s["node"] for s in steps], ["menu", "fallback"])
        self.assertEqual(self.outcome(steps, "menu"), "timeout,timeout,timeout,fallback")

    def test_an_invalid_key_gets_the_invalid_prompt_and_counts_as_a_retry(self):
        def script(ua):
            self.wait_tone(ua, "t_menu")
            self.key(ua, "7")  # no such choice
            self.wait_tone(ua, "t_menu")  # after "invalid", the menu again
            self.wait_tone(ua, "t_menu")  # silence: "no key", the menu again
            self.key(ua, "8")  # the third failure: retries (2) are used up
            self.wait_hung_up(ua)
        heard, steps = self.walk("9001", script)
        self.assertEqual(heard, ["t_menu", "t_invalid", "t_menu", "t_timeout", "t_menu", "t_fallback"])
        self.assertEqual(self.outcome(steps, "menu"), "invalid,timeout,invalid,fallback")

    # -- collects -----------------------------------------------------------
    def test_a_collect_ends_with_the_terminator(self):
        def script(ua):
            self.wait_tone(ua, "t_menu")
            self.key(ua, "1")
            self.wait_tone(ua, "t_collect")
            self.key(ua, "4", "2", "1", "7", "#")
            self.wait_hung_up(ua)
        heard, steps = self.walk("9001", script)
        self.assertEqual(heard, ["t_menu", "t_collect", "t_right"])
        self.assertEqual([s["node"] for s in steps], ["menu", "number", "check", "right"])
        self.assertEqual(self.outcome(steps, "number"), "4 digits")
        self.assertEqual(self.outcome(steps, "check"), "branch 1")  # the value is exactly 4217
        self.assertNotIn("4217", " ".join(s["out"] for s in steps))  # keyed digits never appear in the path

    def test_a_collect_with_enough_digits_ends_by_the_timeout(self):
        def script(ua):
            self.wait_tone(ua, "t_menu")
            self.key(ua, "1")
            self.wait_tone(ua, "t_collect")
            self.key(ua, "5", "5", "5")  # no "#": 1.5 s later the three digits are taken
            self.wait_hung_up(ua)
        heard, steps = self.walk("9001", script)
        self.assertEqual(heard, ["t_menu", "t_collect", "t_right"])
        self.assertEqual(self.outcome(steps, "number"), "3 digits")
        self.assertEqual(self.outcome(steps, "check"), "branch 2")

    def test_a_collect_with_too_few_digits_is_retried_then_falls_back(self):
        def script(ua):
            self.wait_tone(ua, "t_menu")
            self.key(ua, "1")
            self.wait_tone(ua, "t_collect")
            self.key(ua, "5")  # one digit, then silence: too few (min 3)
            self.wait_hung_up(ua)  # invalid, the prompt again, no key at all: fallback
        heard, steps = self.walk("9001", script)
        self.assertEqual(heard, ["t_menu", "t_collect", "t_invalid", "t_collect", "t_fallback"])
        self.assertEqual(self.outcome(steps, "number"), "invalid,timeout,fallback")

    # -- English ------------------------------------------------------------
    def test_english_uses_the_english_recording_and_english_tts_without_one(self):
        cache = os.path.join(self.d.data_dir, "tts-cache", tts_cache_name("Wrong key."))

        def script(ua):
            self.wait_tone(ua, "t_menu")
            self.key(ua, "9")
            self.wait_tone(ua, "en/t_menu")  # en/t_menu.wav, not t_menu.wav
            self.key(ua, "7")  # t_invalid has no English recording: "Wrong key." by English TTS
            self.wait_tone(ua, "en/t_menu", timeout=20)
        heard, steps = self.walk("9001", script)
        self.assertEqual(heard, ["t_menu", "en/t_menu", "speech", "en/t_menu"])
        self.assertEqual([s["node"] for s in steps][:3], ["menu", "english", "menu"])
        self.assertTrue(os.path.exists(cache), "no English TTS of the invalid prompt")

    def test_the_language_menu_of_12345_switches_to_english(self):
        with open(FLOW_12345) as f:
            text = re.search(r'^\s+en: "(Welcome to the \$\{city\}[^"]*)"', f.read(), re.M).group(1)
        english = text.replace("${city}", "昆明市")
        cache = os.path.join(self.d.data_dir, "tts-cache", tts_cache_name(english))
        started = int(time.time() * 1000)
        ua = SipUa(self.d.sip_port)
        try:
            ua.call("12345")
            ua.send_silence(1200)
            ua.send_rfc4733("9")  # For English, press 9
            before = time.time()
            ua.send_silence(6000)  # the English text is rendered first (espeak-ng, en voice)
            heard = ua.heard(before)
            ua.bye()
        finally:
            ua.close()
        _, steps = self.call_record("12345", started)
        self.assertEqual([s["node"] for s in steps][:4], ["entry", "welcome", "english", "welcome"], steps)
        self.assertTrue(os.path.exists(cache), "the English welcome was not rendered")
        # What the caller heard after 9 is that English rendering (µ-law of the same samples).
        rendered = read_wav(cache)
        start = next(i for i in range(len(rendered)) if abs(rendered[i]) > 500)
        excerpt = rendered[start + 800:start + 800 + 4000]
        self.assertGreater(find_in(heard, excerpt), 0.8)

    # -- transfer to another hotline -------------------------------------------
    def test_a_transfer_to_12315_goes_out_through_the_trunk_and_is_bridged(self):
        far = self.hotline_12315
        far.sip_thread.start()
        far.rtp_thread.start()
        started = int(time.time() * 1000)
        ua = SipUa(self.d.sip_port)
        try:
            ua.call("12345")
            for digit in ("2", "6", "1"):  # automatic service, other hotlines, 12315
                ua.send_silence(1500)
                ua.send_rfc4733(digit)
            deadline = time.time() + 20
            while far.incoming is None and time.time() < deadline:
                ua.send_silence(100)
            self.assertIsNotNone(far.incoming, "the 12315 trunk got no INVITE:\n" + self.d.log()[-3000:])
            self.assertTrue(far.incoming.startswith("INVITE sip:12315@127.0.0.3:"), far.incoming[:200])
            far.start_tone(1700)  # the other hotline's agent speaks ...
            before = time.time()
            ua.send_audio([int(5000 * math.sin(2 * math.pi * 900 * i / 8000)) for i in range(8000 * 2)])
            caller_heard = ua.heard(before + 0.5)
            far.stop_tone()
            far_heard = far.heard(before + 0.5)
            self.assertGreater(tone_level(caller_heard[-4000:], 1700), 0.5, "the caller does not hear 12315")
            self.assertGreater(tone_level(far_heard[-4000:], 900), 0.5, "12315 does not hear the caller")
            ua.bye()
        finally:
            ua.close()
        _, steps = self.call_record("12345", started)
        self.assertEqual([s["node"] for s in steps][-2:], ["hotlines_menu", "to_consumer_hotline"], steps)
        self.assertEqual(self.outcome(steps, "to_consumer_hotline"), "transfer 12315,accepted")

    # -- survey ---------------------------------------------------------------
    def test_a_survey_made_through_the_api_is_answered_by_keypad(self):
        admin = self.d.admin()
        status, survey, _ = self.d.request("POST", "/api/v1/surveys", {
            "title": "政务服务满意度",
            "questions": [{"text": "满意请按1，不满意请按2。", "max_answer": 2}]}, token=admin)
        self.assertEqual(status, 201, survey)
        status, question, _ = self.d.request("POST", f"/api/v1/surveys/{survey['id']}/questions",
                                             {"text": "请打分，一到五分。", "max_answer": 5}, token=admin)
        self.assertEqual(status, 201, question)
        status, active, _ = self.d.request("POST", f"/api/v1/surveys/{survey['id']}/activate", {}, token=admin)
        self.assertEqual(status, 200, active)
        self.assertTrue(active["active"])
        self.assertEqual([q["max_answer"] for q in active["questions"]], [2, 5])

        started = int(time.time() * 1000)
        ua = SipUa(self.d.sip_port)
        try:
            ua.call("12345")
            for digit in ("2", "5", "2", "4"):  # automatic service, survey, answer 2, answer 4
                ua.send_silence(1500)
                ua.send_rfc4733(digit)
            ua.send_silence(1500)
            ua.bye()
        finally:
            ua.close()
        _, steps = self.call_record("12345", started)
        self.assertEqual(self.outcome(steps, "survey"), "answered,answered,done")
        self.assertIn("survey_thanks", [s["node"] for s in steps])
        deadline = time.time() + 10
        while time.time() < deadline:
            status, results, _ = self.d.request("GET", f"/api/v1/surveys/{survey['id']}/results", token=admin)
            self.assertEqual(status, 200, results)
            if results["survey"]["answers"] >= 2:
                break
            time.sleep(0.1)
        self.assertEqual(results["calls"], 1)
        self.assertEqual([q["counts"] for q in results["questions"]],
                         [{"1": 0, "2": 1}, {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}])
        # No more questions once callers answered; the listing shows the counts.
        status, body, _ = self.d.request("POST", f"/api/v1/surveys/{survey['id']}/questions",
                                         {"text": "再加一题", "max_answer": 2}, token=admin)
        self.assertEqual(status, 409, body)
        status, listing, _ = self.d.request("GET", "/api/v1/surveys", token=admin)
        mine = [(s["active"], s["answers"]) for s in listing["items"] if s["id"] == survey["id"]]
        self.assertEqual(mine, [(True, 2)])
        status, body, _ = self.d.request("POST", f"/api/v1/surveys/{survey['id']}/deactivate", {}, token=admin)
        self.assertEqual((status, body["active"]), (200, False))

    def test_survey_requests_are_checked(self):
        admin = self.d.admin()
        for body in ({"title": "无题目"}, {"title": "x", "questions": []},
                     {"title": "x", "questions": [{"text": "q", "max_answer": 10}]},
                     {"title": "x", "questions": [{"max_answer": 2}]}, {"questions": [{"text": "q"}]}):
            status, reply, _ = self.d.request("POST", "/api/v1/surveys", body, token=admin)
            with self.subTest(body=body):
                self.assertEqual(status, 400, reply)
        status, _, _ = self.d.request("GET", "/api/v1/surveys/999999/results", token=admin)
        self.assertEqual(status, 404)
        audit = self.d.db().execute("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'survey.%'").fetchone()[0]
        status, made, _ = self.d.request("POST", "/api/v1/surveys", {"title": "审计", "questions": [{"text": "q"}]},
                                         token=admin)
        self.assertEqual((status, made["questions"][0]["max_answer"], made["active"]), (201, 5, False))
        after = self.d.db().execute("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'survey.%'").fetchone()[0]
        self.assertEqual(after, audit + 1)

    # -- a flow edited on disk ------------------------------------------------
    def hello_version(self):
        status, body, _ = self.d.request("GET", "/api/v1/ivr/flows/hello", token=self.d.admin())
        self.assertEqual(status, 200, body)
        return body

    def hear_hello(self):
        heard, _ = self.walk("9002", lambda ua: self.wait_hung_up(ua))
        return heard

    def test_an_edited_flow_file_is_picked_up_without_a_reload(self):
        path = os.path.join(self.flows, "hello.yaml")
        self.assertEqual(self.hear_hello(), ["h_one"])
        first = self.hello_version()["version"]

        with open(path, "w") as f:  # an admin's edit: nothing else is done
            f.write(HELLO.replace("KEY", "h_two"))
        deadline = time.time() + 10
        while time.time() < deadline and self.hello_version()["version"] == first:
            time.sleep(0.1)
        self.assertEqual(self.hello_version()["version"], first + 1)
        self.assertEqual(self.hear_hello(), ["h_two"])

        with open(path, "w") as f:  # a broken edit: a reference to no node
            f.write(HELLO.replace("KEY", "h_one").replace("next: bye", "next: nowhere"))
        deadline = time.time() + 10
        errors = []
        while time.time() < deadline and not errors:
            errors = self.hello_version()["errors"]
            time.sleep(0.1)
        self.assertEqual([(e["line"], e["column"]) for e in errors][:1], [(6, 11)], errors)
        self.assertIn('"nowhere", which is not a node', errors[0]["message"])
        status, body, _ = self.d.request("GET", "/api/v1/ivr/flows/hello/errors", token=self.d.admin())
        self.assertEqual(body["errors"], errors)
        self.assertEqual(self.hello_version()["version"], first + 1)
        self.assertEqual(self.hear_hello(), ["h_two"])  # still the last good version

        with open(path, "w") as f:
            f.write(HELLO.replace("KEY", "h_one"))
        deadline = time.time() + 10
        while time.time() < deadline and self.hello_version()["errors"]:
            time.sleep(0.1)
        self.assertEqual(self.hello_version()["version"], first + 2)
        self.assertEqual(self.hear_hello(), ["h_one"])
        with open(os.path.join(self.d.data_dir, "log", "hotlined.log"), errors="replace") as log:
            self.assertIn("event=ivr.flow_file_changed flow=hello", log.read())


if __name__ == "__main__":
    unittest.main()
