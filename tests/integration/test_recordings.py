"""Recordings through the real daemon: a WAV file and its sidecar left as a
crashed writer leaves them (sizes from an earlier header update, more
samples after, half a frame at the end, sidecar state "open") are repaired
and indexed by the start-up scan; then search, metadata, Range streaming,
downloads and their audit rows; prompts upload and list."""
import hashlib
import json
import os
import struct
import time
import unittest

from harness import stop_and_check, Daemon

CALLER = "13812345678"


def wav_header(channels, rate, data_bytes):
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE" + b"fmt " +
            struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16) +
            b"data" + struct.pack("<I", data_bytes))


def crashed_recording(directory, call_id, started_at_ms):
    """One second reached the header, 1.5 s more did not, plus 3 bytes of a frame."""
    os.makedirs(directory, exist_ok=True)
    frames = [struct.pack("<hh", (i % 100) * 10, -(i % 50) * 10) for i in range(8000 * 5 // 2)]
    audio = b"".join(frames)
    path = os.path.join(directory, call_id + ".wav")
    with open(path, "wb") as f:
        f.write(wav_header(2, 8000, 32000) + audio + b"\x01\x02\x03")
    with open(os.path.join(directory, call_id + ".json"), "w") as f:
        json.dump({"version": 1, "state": "open", "call_id": call_id, "legs": ["leg-1@127.0.0.1"],
                   "agent": "8001", "caller": CALLER, "started_at": started_at_ms,
                   "sample_rate": 8000, "channels": 2}, f)
    return path, len(audio)


class RecordingsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon({"recordings": {"retention_days": 30}})
        now = int(time.time() * 1000)
        rec_root = os.path.join(cls.d.data_dir, "recordings")
        day = time.strftime("%Y/%m/%d", time.gmtime(now / 1000))
        cls.path, cls.audio_bytes = crashed_recording(os.path.join(rec_root, day), "call-crashed-1", now - 5000)
        # Past retention: the purge after the scan deletes it.
        cls.old_path, _ = crashed_recording(os.path.join(rec_root, "2020/01/01"), "call-old", now - 40 * 86400000)
        cls.d.start()
        cls.admin = cls.d.admin()
        deadline = time.time() + 30
        cls.rec = None
        while time.time() < deadline:
            status, body, _ = cls.d.request("GET", "/api/v1/recordings?call_id=call-crashed-1", token=cls.admin)
            if status == 200 and body["items"]:
                cls.rec = body["items"][0]
                break
            time.sleep(0.1)
        assert cls.rec, cls.d.log()

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    def test_crashed_file_is_repaired_and_indexed(self):
        r = self.rec
        self.assertEqual(r["state"], "repaired")
        self.assertEqual(r["agent"], "8001")
        self.assertEqual(r["legs"], ["leg-1@127.0.0.1"])
        self.assertEqual(r["caller"], CALLER)  # admin may see callers' numbers
        self.assertEqual(r["duration_ms"], 2500)
        with open(self.path, "rb") as f:
            data = f.read()
        self.assertEqual(len(data), 44 + self.audio_bytes)  # the partial frame cut off
        self.assertEqual(struct.unpack("<I", data[40:44])[0], self.audio_bytes)
        self.assertEqual(struct.unpack("<I", data[4:8])[0], 36 + self.audio_bytes)
        self.assertEqual(r["sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual(r["size_bytes"], len(data))
        with open(self.path[:-4] + ".json") as f:
            self.assertEqual(json.load(f)["state"], "repaired")

    def test_retention_purge(self):
        deadline = time.time() + 10
        while os.path.exists(self.old_path) and time.time() < deadline:
            time.sleep(0.1)
        self.assertFalse(os.path.exists(self.old_path))
        status, body, _ = self.d.request("GET", "/api/v1/recordings?call_id=call-old", token=self.admin)
        self.assertEqual(body["items"], [])
        status, body, _ = self.d.request("GET", "/api/v1/recordings?call_id=call-old&include_purged=1",
                                         token=self.admin)
        self.assertEqual(body["items"][0]["state"], "purged")
        status, _, _ = self.d.request("GET", f"/api/v1/recordings/{body['items'][0]['id']}/audio", token=self.admin)
        self.assertEqual(status, 410)

    def test_search_filters_and_masking(self):
        for query, found in [("caller=%2B86%20138-1234-5678", True), ("caller=13900000000", False),
                             ("agent=8001", True), ("agent=9999", False), ("from=0&to=1", False)]:
            status, body, _ = self.d.request("GET", "/api/v1/recordings?" + query, token=self.admin)
            self.assertEqual(status, 200, body)
            with self.subTest(query=query):
                self.assertEqual(any(i["id"] == self.rec["id"] for i in body["items"]), found)
        status, body, _ = self.d.request("GET", "/api/v1/recordings?caller=abc", token=self.admin)
        self.assertEqual(status, 400)
        self.d.create_user("aud1", ["auditor"])
        auditor = self.d.login("aud1", "secret-pass-1")
        status, body, _ = self.d.request("GET", f"/api/v1/recordings/{self.rec['id']}", token=auditor)
        self.assertEqual(status, 200)
        self.assertEqual(body["caller"], "138****5678")
        status, _, _ = self.d.request("GET", "/api/v1/recordings/999999", token=self.admin)
        self.assertEqual(status, 404)
        status, body, _ = self.d.request("GET", "/api/v1/recordings?limit=1", token=self.admin)
        self.assertEqual(len(body["items"]), 1)
        self.assertIsNotNone(body["next_before_id"])

    def test_range_streaming_download_and_audit(self):
        url = f"/api/v1/recordings/{self.rec['id']}/audio"
        with open(self.path, "rb") as f:
            data = f.read()
        status, body, headers = self.d.request("GET", url, token=self.admin)
        self.assertEqual(status, 200)
        self.assertEqual(body, data)
        self.assertEqual(headers["Content-Type"], "audio/wav")
        self.assertEqual(headers["Accept-Ranges"], "bytes")
        status, body, headers = self.d.request("GET", url, token=self.admin, headers={"Range": "bytes=0-43"})
        self.assertEqual(status, 206)
        self.assertEqual(body, data[:44])
        self.assertEqual(headers["Content-Range"], f"bytes 0-43/{len(data)}")
        status, body, _ = self.d.request("GET", url, token=self.admin, headers={"Range": "bytes=-100"})
        self.assertEqual((status, body), (206, data[-100:]))
        status, body, _ = self.d.request("GET", url, token=self.admin, headers={"Range": "bytes=70000-"})
        self.assertEqual((status, body), (206, data[70000:]))
        status, body, headers = self.d.request("GET", url, token=self.admin,
                                               headers={"Range": f"bytes={len(data)}-"})
        self.assertEqual(status, 416)
        self.assertEqual(headers["Content-Range"], f"bytes */{len(data)}")
        status, body, headers = self.d.request("GET", url + "?download=1", token=self.admin)
        self.assertEqual(status, 200)
        self.assertIn('attachment; filename="call-crashed-1.wav"', headers["Content-Disposition"])
        status, audit, _ = self.d.request("GET", "/api/v1/audit?action=recording.play", token=self.admin)
        plays = [a for a in audit["items"] if a["target"] == str(self.rec["id"])]
        self.assertGreaterEqual(len(plays), 4)
        self.assertTrue(any(a["detail"].get("range") == "0-43" for a in plays))
        status, audit, _ = self.d.request("GET", "/api/v1/audit?action=recording.download", token=self.admin)
        self.assertEqual([a["actor"] for a in audit["items"] if a["target"] == str(self.rec["id"])], ["admin"])
        # An agent may not listen.
        self.d.create_user("ag1", ["agent"])
        agent = self.d.login("ag1", "secret-pass-1")
        status, _, _ = self.d.request("GET", url, token=agent)
        self.assertEqual(status, 403)

    def test_prompt_upload_and_list(self):
        ulaw_16k = (b"RIFF" + struct.pack("<I", 36 + 3200) + b"WAVE" + b"fmt " +
                    struct.pack("<IHHIIHH", 16, 7, 1, 16000, 16000, 1, 8) + b"data" + struct.pack("<I", 3200) +
                    b"\xff" * 3200)
        status, body, _ = self.d.request("PUT", "/api/v1/prompts/welcome", token=self.admin, raw_body=ulaw_16k,
                                         headers={"Content-Type": "audio/wav"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["duration_ms"], 200)
        status, body, _ = self.d.request("PUT", "/api/v1/prompts/bad", token=self.admin, raw_body=b"not a wav")
        self.assertEqual(status, 400)
        self.assertIn("not a playable WAV", body["error"]["message"])
        status, body, _ = self.d.request("GET", "/api/v1/prompts", token=self.admin)
        self.assertEqual([p["key"] for p in body["items"]], ["welcome"])
        self.assertTrue(os.path.exists(os.path.join(self.d.data_dir, "prompts", "welcome.wav")))
        status, audit, _ = self.d.request("GET", "/api/v1/audit?action=prompt.upload", token=self.admin)
        self.assertEqual(audit["items"][0]["target"], "welcome")


if __name__ == "__main__":
    unittest.main()
