"""Media through the real daemon: what a caller hears (a recorded prompt and
TTS, decoded from the RTP we receive and compared with the source), the
digits the daemon hears (RFC 4733, in-band tones, SIP INFO), music on hold,
and recordings of calls (stereo WAVs with the audio where it belongs, also
after a kill -9 in the middle of 20 recorded calls)."""
import glob
import json
import math
import os
import re
import shutil
import signal
import struct
import subprocess
import threading
import time
import unittest
import wave

from harness import Daemon, stop_and_check
from sipua import SipUa, best_correlation, energy, tone_level
from test_calls import SIP_DIR, free_media_port, free_udp_port

PHONE_PASSWORD = "phone-secret-01"


def sweep(seconds=1.2, rate=8000):
    """A rising tone (300 Hz to 2.4 kHz) at about -12 dBFS: easy to recognise after G.711."""
    out = []
    for i in range(int(seconds * rate)):
        t = i / rate
        f0, f1 = 300.0, 2400.0
        phase = 2 * math.pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds))
        out.append(int(8000 * math.sin(phase)))
    return out


def write_wav(path, samples, rate=8000):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))


def read_stereo(path):
    with wave.open(path, "rb") as w:
        assert w.getnchannels() == 2 and w.getsampwidth() == 2 and w.getframerate() == 8000, path
        frames = w.readframes(w.getnframes())
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    return list(samples[0::2]), list(samples[1::2])


def log_text(daemon):
    with open(os.path.join(daemon.data_dir, "log", "hotlined.log"), errors="replace") as f:
        return f.read()


def wait_log(daemon, pattern, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = re.findall(pattern, log_text(daemon))
        if m:
            return m
        time.sleep(0.1)
    raise AssertionError(f"{pattern!r} not in the log:\n" + log_text(daemon)[-3000:])


@unittest.skipUnless(shutil.which("sipp"), "sipp (Debian sip-tester) is not installed")
class MediaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon({
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]}],
            "dialplan": [{"match": "9196", "to": "echo"}, {"match": "9197", "to": "keypad-test"},
                         {"match": "_8XXX", "to": "extension"}, {"match": "7700", "to": "conference:lobby"},
                         {"match": "_*81XXXX", "to": "listen", "strip": 3},
                         {"match": "_*82XXXX", "to": "whisper", "strip": 3},
                         {"match": "_*83XXXX", "to": "barge", "strip": 3}],
            "calls": {"ring_timeout_seconds": 20},
            "sip": {"max_requests_per_second": 100000, "overload_lag_ms": 0},
            "recordings": {"header_update_seconds": 1},
        })
        cls.intro = sweep()
        os.makedirs(os.path.join(cls.d.data_dir, "prompts"), exist_ok=True)
        write_wav(os.path.join(cls.d.data_dir, "prompts", "keypad_test_intro.wav"), cls.intro)
        cls.d.start()
        token = cls.d.admin()
        status, body, _ = cls.d.request("POST", "/api/v1/sip/accounts",
                                        {"username": "8001", "password": PHONE_PASSWORD}, token=token)
        assert status == 201, body
        cls.token = token

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    def metric(self, name):
        _, body, _ = self.d.request("GET", "/metrics")
        text = body if isinstance(body, str) else body.decode()
        m = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
        return float(m.group(1)) if m else 0.0

    # -- what the caller hears, and the digits it keys ---------------------
    def test_keypad_test_plays_the_recorded_prompt_and_reads_back_rfc4733_digits(self):
        ua = SipUa(self.d.sip_port)
        try:
            ua.call("9197")
            ua.send_silence(1600)  # the intro plays meanwhile
            heard = ua.heard()
            self.assertGreater(len(heard), 8000, "no prompt audio")
            score = best_correlation(heard, self.intro[:4000])
            self.assertGreater(score, 0.9, f"the intro does not sound like the recorded prompt ({score:.2f})")
            before = time.time()
            ua.send_rfc4733("5")
            ua.send_silence(1500)  # the TTS of 五 is rendered and played
            after = ua.heard(before)
            self.assertGreater(energy(after), 300, "nothing said after the digit")
            wait_log(self.d, r"event=call\.dtmf call=\S+ source=rfc4733 duration_ms=\d+")
            self.assertTrue(glob.glob(os.path.join(self.d.data_dir, "tts-cache", "*.wav")), "no TTS rendered")
            ua.send_rfc4733("#")
            ua.send_silence(200)
            deadline = time.time() + 15
            while time.time() < deadline and not any(r.startswith("BYE") for r in ua.requests):
                ua.send_silence(100)
            self.assertTrue(any(r.startswith("BYE") for r in ua.requests), "the keypad test did not hang up on #")
        finally:
            ua.close()
        # The digit itself is never logged.
        self.assertNotRegex(log_text(self.d), r"digit=5")

    def test_rfc4733_digits_from_a_sipp_pcap_reach_the_daemon(self):
        before = len(re.findall(r"event=call\.dtmf call=\S+ source=rfc4733", log_text(self.d)))
        work = os.path.join(self.d.root, f"dtmf-{time.time_ns()}")
        os.makedirs(work)
        r = subprocess.run(["sipp", f"127.0.0.1:{self.d.sip_port}", "-sf", os.path.join(SIP_DIR, "uac_dtmf_pcap.xml"),
                            "-t", "u1", "-i", "127.0.0.2", "-mp", str(free_media_port()), "-s", "9197", "-m", "1",
                            "-timeout", "30s", "-timeout_error", "-nostdin"],
                           cwd=work, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:])
        deadline = time.time() + 5
        while time.time() < deadline:
            if len(re.findall(r"event=call\.dtmf call=\S+ source=rfc4733", log_text(self.d))) > before:
                break
            time.sleep(0.1)
        self.assertGreater(len(re.findall(r"event=call\.dtmf call=\S+ source=rfc4733", log_text(self.d))), before)

    def test_inband_and_info_digits_are_heard_without_telephone_event(self):
        ua = SipUa(self.d.sip_port, telephone_event=False)
        try:
            ua.call("9197")
            ua.send_silence(300)
            ua.send_tone_digit("3")
            wait_log(self.d, r"event=call\.dtmf call=\S+ source=inband duration_ms=\d+")
            ua.info_digit("7")
            wait_log(self.d, r"event=call\.dtmf call=\S+ source=info duration_ms=160")
            ua.bye()
        finally:
            ua.close()

    def test_an_info_body_without_a_digit_is_refused(self):
        ua = SipUa(self.d.sip_port)
        try:
            ua.call("9197")
            ua.cseq += 1
            ua._send(f"INFO sip:9197@127.0.0.1:{self.d.sip_port} SIP/2.0\r\n" +
                     ua._headers("INFO", f"z9hG4bK-bad-{time.time_ns()}", ua.remote_tag) +
                     "Content-Type: application/dtmf-relay\r\nContent-Length: 9\r\n\r\nSignal=Q\n")
            deadline = time.time() + 5
            while time.time() < deadline and not any(s == 400 and "INFO" in t for s, t in ua.responses):
                time.sleep(0.05)
            self.assertTrue(any(s == 400 and "INFO" in t for s, t in ua.responses), ua.responses)
            ua.bye()
        finally:
            ua.close()

    # -- mixing: conference rooms, supervisors -------------------------------
    def hears(self, ua, since, frequency):
        heard = ua.heard(since)[-4000:]  # the last half second
        return tone_level(heard, frequency)

    def test_three_party_conference_each_hears_the_other_two(self):
        tones = {500: None, 1200: None, 2500: None}
        uas = []
        try:
            for f in tones:
                ua = SipUa(self.d.sip_port)
                ua.call("7700")
                ua.start_tone(f)
                uas.append((f, ua))
            time.sleep(1.5)
            since = time.time() - 0.8
            for f, ua in uas:
                for other, _ in uas:
                    level = self.hears(ua, since, other)
                    if other == f:
                        self.assertLess(level, 0.02, f"the {f} Hz caller hears itself ({level:.3f})")
                    else:
                        self.assertGreater(level, 0.2, f"the {f} Hz caller does not hear {other} Hz ({level:.3f})")
            wait_log(self.d, r"event=conference\.join call=\S+ room=lobby members=3")
        finally:
            for _, ua in uas:
                ua.bye()
                ua.close()
        wait_log(self.d, r"event=conference\.leave")

    def test_listen_whisper_and_barge_into_an_agents_call(self):
        agent = SipUa(self.d.sip_port, local_ip="127.0.0.1")
        citizen = SipUa(self.d.sip_port)
        try:
            agent.register("8001", PHONE_PASSWORD)
            citizen.call("8001")
            agent.wait_incoming()
            citizen.start_tone(500)
            agent.start_tone(1200)
            time.sleep(0.8)
            t = time.time() - 0.5
            self.assertGreater(self.hears(citizen, t, 1200), 0.3)
            self.assertGreater(self.hears(agent, t, 500), 0.3)
            # (supervisor's digits, whether citizen hears the supervisor, whether the agent does)
            for prefix, citizen_hears, agent_hears in (("*81", False, False), ("*82", False, True),
                                                       ("*83", True, True)):
                supervisor = SipUa(self.d.sip_port)
                try:
                    supervisor.call(prefix + "8001")
                    supervisor.start_tone(2500)
                    time.sleep(1.2)
                    t = time.time() - 0.5
                    self.assertGreater(self.hears(supervisor, t, 500), 0.1, prefix + ": supervisor misses the citizen")
                    self.assertGreater(self.hears(supervisor, t, 1200), 0.1, prefix + ": supervisor misses the agent")
                    c = self.hears(citizen, t, 2500)
                    a = self.hears(agent, t, 2500)
                    self.assertEqual(c > 0.1, citizen_hears, f"{prefix}: citizen hears the supervisor at {c:.3f}")
                    self.assertEqual(a > 0.1, agent_hears, f"{prefix}: agent hears the supervisor at {a:.3f}")
                    self.assertGreater(self.hears(citizen, t, 1200), 0.1, prefix + ": citizen lost the agent")
                    self.assertGreater(self.hears(agent, t, 500), 0.1, prefix + ": agent lost the citizen")
                finally:
                    supervisor.bye()
                    supervisor.close()
                time.sleep(0.8)
                t = time.time() - 0.5
                # The supervisor left: the two talk directly again.
                self.assertGreater(self.hears(citizen, t, 1200), 0.3, prefix + ": no bridge after the supervisor")
                self.assertLess(self.hears(citizen, t, 2500), 0.02)
            wait_log(self.d, r"event=call\.supervise call=\S+ supervised=\S+ mode=barge agent=extension:8001")
        finally:
            citizen.bye()
            citizen.close()
            agent.close()

    def test_supervising_an_extension_without_a_call_gets_480(self):
        ua = SipUa(self.d.sip_port)
        try:
            with self.assertRaises(AssertionError) as failed:
                ua.call("*819999")
            self.assertIn("480", str(failed.exception))
        finally:
            ua.close()

    # -- recordings ----------------------------------------------------------
    def citizen_calls_phone(self, scenario):
        """sipp registers as 8001 and answers (uas_answer.xml); a sipp citizen runs `scenario` towards it."""
        port = free_udp_port()
        work = os.path.join(self.d.root, f"sipp-{time.time_ns()}")
        os.makedirs(work)
        sipp = ["sipp", f"127.0.0.1:{self.d.sip_port}", "-t", "u1", "-m", "1", "-nostdin"]
        reg = subprocess.run(sipp + ["-sf", os.path.join(SIP_DIR, "register.xml"), "-i", "127.0.0.1", "-p", str(port),
                                     "-s", "8001", "-au", "8001", "-ap", PHONE_PASSWORD, "-timeout", "10s",
                                     "-timeout_error"], cwd=work, capture_output=True, text=True, timeout=30)
        self.assertEqual(reg.returncode, 0, reg.stdout)
        phone = subprocess.Popen(sipp + ["-sf", os.path.join(SIP_DIR, "uas_answer.xml"), "-i", "127.0.0.1",
                                         "-p", str(port), "-mp", str(free_media_port()), "-timeout", "40s"],
                                 cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(0.3)
        r = subprocess.run(sipp + ["-sf", os.path.join(SIP_DIR, scenario), "-i", "127.0.0.2",
                                   "-mp", str(free_media_port()), "-s", "8001", "-timeout", "40s", "-timeout_error"],
                           cwd=work, capture_output=True, text=True, timeout=90)
        phone.communicate(timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:])

    def recording_files(self):
        return sorted(glob.glob(os.path.join(self.d.data_dir, "recordings", "*", "*", "*", "*.wav")))

    def test_a_bridged_call_is_recorded_in_stereo_with_each_side_on_its_channel(self):
        """The citizen (sipp, 127.0.0.2) plays the pcap sipp ships to the phone 8001,
        which answers and sends nothing: left carries the pcap, right stays quiet."""
        before = set(self.recording_files())
        self.citizen_calls_phone("uac_call.xml")
        deadline = time.time() + 15
        new = []
        while time.time() < deadline:
            new = [f for f in self.recording_files() if f not in before]
            if new:
                with open(new[0][:-4] + ".json") as f:
                    if json.load(f).get("state") == "complete":
                        break
            time.sleep(0.2)
        self.assertEqual(len(new), 1, new)
        left, right = read_stereo(new[0])
        seconds = len(left) / 8000
        self.assertGreater(seconds, 2.0)
        self.assertLess(seconds, 15.0)
        self.assertGreater(energy(left), 100, "the citizen's pcap is not on the left channel")
        self.assertLess(energy(right), energy(left) / 10, "the right channel should be (nearly) silent")
        # Indexed and playable through the API, with range requests.
        deadline = time.time() + 10
        items = []
        while time.time() < deadline:
            status, body, _ = self.d.request("GET", "/api/v1/recordings", token=self.token)
            self.assertEqual(status, 200, body)
            items = body.get("items", body.get("recordings", []))
            if any(os.path.basename(new[0])[:-4] in json.dumps(i) for i in items):
                break
            time.sleep(0.2)
        self.assertTrue(items, "the recording is not in the index")

    def test_music_on_hold_plays_to_the_held_party(self):
        played = self.metric("hotline_media_frames_played_total")
        self.citizen_calls_phone("uac_hold.xml")
        deadline = time.time() + 5
        while time.time() < deadline and self.metric("hotline_media_frames_played_total") <= played:
            time.sleep(0.2)
        # The phone heard music while the citizen held it (a frame every 20 ms for the 300 ms hold).
        self.assertGreater(self.metric("hotline_media_frames_played_total") - played, 8)

    def test_kill_9_during_20_recorded_calls_leaves_20_playable_files(self):
        d = Daemon({
            "trunks": [{"name": "citizens", "acl": ["127.0.0.2/32"]}],
            "dialplan": [{"match": "9196", "to": "echo"}],
            "sip": {"max_requests_per_second": 100000, "overload_lag_ms": 0},
            "recordings": {"header_update_seconds": 1},
        }).start()
        uas = []
        try:
            for _ in range(20):
                ua = SipUa(d.sip_port)
                ua.call("9196")
                uas.append(ua)
            tone = sweep(0.5)
            senders = [threading.Thread(target=ua.send_audio, args=(tone * 6,)) for ua in uas]
            for t in senders:
                t.start()
            time.sleep(2.5)
            d.proc.send_signal(signal.SIGKILL)
            d.proc.wait()
            for t in senders:
                t.join()
        finally:
            for ua in uas:
                ua.close()
        files = sorted(glob.glob(os.path.join(d.data_dir, "recordings", "*", "*", "*", "*.wav")))
        self.assertEqual(len(files), 20, files)
        d.start()  # the start-up scan repairs the headers and indexes the files
        try:
            deadline = time.time() + 20
            playable = 0
            while time.time() < deadline:
                playable = 0
                for f in files:
                    try:
                        left, _ = read_stereo(f)
                        with wave.open(f, "rb") as w:
                            declared = w.getnframes()
                        if declared * 4 + 44 <= os.path.getsize(f) and len(left) > 8000:
                            playable += 1
                    except (AssertionError, wave.Error, EOFError):
                        pass
                if playable == 20:
                    break
                time.sleep(0.5)
            self.assertEqual(playable, 20, "not every file was repaired into a playable WAV")
            token = d.admin()
            deadline = time.time() + 20
            count = 0
            while time.time() < deadline:
                status, body, _ = d.request("GET", "/api/v1/recordings?limit=100", token=token)
                items = body.get("items", body.get("recordings", [])) if status == 200 else []
                count = len(items)
                if count >= 20:
                    break
                time.sleep(0.5)
            self.assertGreaterEqual(count, 20)
        finally:
            stop_and_check(d)


if __name__ == "__main__":
    unittest.main()
