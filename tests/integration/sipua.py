"""A small SIP user agent for tests that need to hear and key audio: it places
one call over UDP (INVITE with a G.711 offer, ACK, BYE), receives the RTP the
daemon sends and decodes it to linear samples, and sends audio, RFC 4733
digits or in-band tones. sipp cannot save what it hears, which is the point
of these tests. Standard library only."""
import hashlib
import math
import random
import re
import socket
import struct
import threading
import time


def ulaw_decode(byte):
    byte = ~byte & 0xFF
    sign = byte & 0x80
    exponent = (byte >> 4) & 0x07
    mantissa = byte & 0x0F
    sample = ((mantissa << 3) + 0x84) << exponent
    sample -= 0x84
    return -sample if sign else sample


def ulaw_encode(sample):
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    sample = min(sample, clip) + bias
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not sample & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


ULAW_TABLE = [ulaw_decode(b) for b in range(256)]

DTMF_FREQS = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "4": (770, 1209), "5": (770, 1336),
              "6": (770, 1477), "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "*": (941, 1209),
              "0": (941, 1336), "#": (941, 1477)}
EVENT_CODES = {**{str(d): d for d in range(10)}, "*": 10, "#": 11}


def dtmf_tone(digit, ms=100, amplitude=6000):
    low, high = DTMF_FREQS[digit]
    n = ms * 8
    return [int(amplitude * (math.sin(2 * math.pi * low * i / 8000) + math.sin(2 * math.pi * high * i / 8000)) / 2)
            for i in range(n)]


def energy(samples):
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


def best_correlation(received, expected, search=16000):
    """Normalized cross-correlation of expected within the first `search` samples of received."""
    if len(received) < len(expected):
        return 0.0
    n = len(expected)
    e_norm = math.sqrt(sum(x * x for x in expected)) or 1.0
    best = 0.0
    # Coarse then fine search keeps this fast enough in pure Python.
    limit = min(search, len(received) - n)
    step = 8
    candidates = range(0, limit + 1, step)
    scores = []
    for lag in candidates:
        seg = received[lag:lag + n:4]
        exp = expected[::4]
        dot = sum(a * b for a, b in zip(seg, exp))
        r_norm = math.sqrt(sum(a * a for a in seg)) or 1.0
        scores.append((dot / (r_norm * (math.sqrt(sum(x * x for x in exp)) or 1.0)), lag))
    scores.sort(reverse=True)
    for _, lag0 in scores[:3]:
        for lag in range(max(0, lag0 - step), min(limit, lag0 + step) + 1):
            seg = received[lag:lag + n]
            dot = sum(a * b for a, b in zip(seg, expected))
            r_norm = math.sqrt(sum(a * a for a in seg)) or 1.0
            best = max(best, dot / (r_norm * e_norm))
    return best


class SipUa:
    def __init__(self, server_port, local_ip="127.0.0.2", number="13800138000", telephone_event=True, law="PCMU"):
        self.server = ("127.0.0.1", server_port)
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind((local_ip, 0))
        self.sip.settimeout(0.2)
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(50):
            port = random.randrange(30000, 39998, 2)
            try:
                self.rtp.bind((local_ip, port))
                break
            except OSError:
                continue
        self.rtp.settimeout(0.05)
        self.local_ip = local_ip
        self.number = number
        self.telephone_event = telephone_event
        self.payload_type = 0 if law == "PCMU" else 8
        self.call_id = f"ua-{time.time_ns()}@{local_ip}"
        self.tag = f"ua{random.randrange(1 << 30)}"
        self.cseq = 1
        self.remote_tag = None
        self.remote_rtp = None
        self.remote_event_type = None
        self.received = []          # (arrival time, linear samples) per audio packet
        self.received_events = []   # telephone-event payloads we got
        self.responses = []
        self.requests = []
        self.stop = threading.Event()
        self.seq = random.randrange(1 << 16)
        self.ts = random.randrange(1 << 32)
        self.ssrc = random.randrange(1 << 32)
        self.incoming = None        # the INVITE we answered (UAS mode)
        self.tone_thread = None
        self.sip_thread = threading.Thread(target=self._sip_loop, daemon=True)
        self.rtp_thread = threading.Thread(target=self._rtp_loop, daemon=True)
        self.lock = threading.Lock()

    # -- SIP ---------------------------------------------------------------
    def _local_sip(self):
        return self.sip.getsockname()

    def _send(self, text):
        self.sip.sendto(text.encode(), self.server)

    def _sdp(self):
        fmts = f"{self.payload_type} 101" if self.telephone_event else f"{self.payload_type}"
        name = "PCMU" if self.payload_type == 0 else "PCMA"
        sdp = (f"v=0\r\no=ua 1 1 IN IP4 {self.local_ip}\r\ns=-\r\nc=IN IP4 {self.local_ip}\r\nt=0 0\r\n"
               f"m=audio {self.rtp.getsockname()[1]} RTP/AVP {fmts}\r\na=rtpmap:{self.payload_type} {name}/8000\r\n")
        if self.telephone_event:
            sdp += "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
        return sdp + "a=sendrecv\r\n"

    def _headers(self, method, branch, to_tag=None, cseq=None):
        ip, port = self._local_sip()
        to = f"<sip:{self.dialled}@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "")
        return (f"Via: SIP/2.0/UDP {ip}:{port};branch={branch};rport\r\n"
                f"From: <sip:{self.number}@{ip}>;tag={self.tag}\r\nTo: {to}\r\nCall-ID: {self.call_id}\r\n"
                f"CSeq: {cseq or self.cseq} {method}\r\nMax-Forwards: 70\r\nContact: <sip:{self.number}@{ip}:{port}>\r\n")

    def call(self, dialled, timeout=15):
        """INVITE and wait for the 200; raises on a failure answer."""
        self.dialled = dialled
        self.sip_thread.start()
        self.rtp_thread.start()
        body = self._sdp()
        self.invite_branch = f"z9hG4bK-{time.time_ns()}"
        self.invite = (f"INVITE sip:{dialled}@127.0.0.1:{self.server[1]} SIP/2.0\r\n" +
                       self._headers("INVITE", self.invite_branch) +
                       f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}")
        self._send(self.invite)
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                finals = [r for r in self.responses if r[0] >= 200 and "INVITE" in r[1]]
            if finals:
                status, text = finals[0]
                if status >= 300:
                    raise AssertionError(f"call failed: {text[:300]}")
                return
            time.sleep(0.02)
        raise AssertionError("no final answer to INVITE")

    def _sip_loop(self):
        while not self.stop.is_set():
            try:
                data, _ = self.sip.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            text = data.decode(errors="replace")
            if text.startswith("SIP/2.0"):
                status = int(text.split(" ", 2)[1])
                cseq_line = re.search(r"(?im)^CSeq:\s*(.+)$", text).group(1)
                with self.lock:
                    self.responses.append((status, cseq_line + "\n" + text))
                if "INVITE" in cseq_line and status >= 200:
                    tag = re.search(r"(?im)^To:.*;tag=([^;\s]+)", text)
                    self.remote_tag = tag.group(1) if tag else None
                    if status < 300:
                        self._on_answer(text)
                    self._ack(status)
            else:
                method = text.split(" ", 1)[0]
                with self.lock:
                    self.requests.append(text)
                if method == "ACK":
                    continue
                if method == "INVITE" and self.incoming is None:
                    self._answer_invite(text)
                    continue
                self._answer_request(text, 200 if method in ("BYE", "INFO", "OPTIONS", "NOTIFY", "INVITE") else 501)
                if method == "BYE":
                    self.ended_by_server = True

    def _on_answer(self, text):
        body = text.split("\r\n\r\n", 1)[1]
        addr = re.search(r"c=IN IP4 (\S+)", body).group(1)
        port = int(re.search(r"m=audio (\d+)", body).group(1))
        self.remote_rtp = (addr, port)
        ev = re.search(r"a=rtpmap:(\d+) telephone-event", body)
        self.remote_event_type = int(ev.group(1)) if ev else None

    # -- UAS: a registered phone that answers ---------------------------------
    def register(self, user, password, timeout=10):
        """REGISTER with digest (MD5) as `user`; raises unless 200."""
        self.sip_thread.start()
        self.rtp_thread.start()
        self.number = user
        self.dialled = user
        ip, port = self._local_sip()

        def send(auth=""):
            self.cseq += 1
            self._send(f"REGISTER sip:127.0.0.1:{self.server[1]} SIP/2.0\r\n"
                       f"Via: SIP/2.0/UDP {ip}:{port};branch=z9hG4bK-reg-{time.time_ns()};rport\r\n"
                       f"From: <sip:{user}@127.0.0.1>;tag={self.tag}\r\nTo: <sip:{user}@127.0.0.1>\r\n"
                       f"Call-ID: reg-{self.call_id}\r\nCSeq: {self.cseq} REGISTER\r\nMax-Forwards: 70\r\n"
                       f"Contact: <sip:{user}@{ip}:{port}>\r\nExpires: 300\r\n{auth}Content-Length: 0\r\n\r\n")
            return self.cseq

        def final(cseq):
            deadline = time.time() + timeout
            while time.time() < deadline:
                with self.lock:
                    for status, text in self.responses:
                        if status >= 200 and f"{cseq} REGISTER" in text:
                            return status, text
                time.sleep(0.02)
            raise AssertionError("no answer to REGISTER")

        status, text = final(send())
        if status == 401:
            challenge = re.search(r'(?im)^WWW-Authenticate:\s*Digest (.*algorithm=MD5.*)$', text) or \
                re.search(r"(?im)^WWW-Authenticate:\s*Digest (.*)$", text)
            params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge.group(1)))
            realm, nonce = params["realm"], params["nonce"]
            uri = f"sip:127.0.0.1:{self.server[1]}"
            ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
            ha2 = hashlib.md5(f"REGISTER:{uri}".encode()).hexdigest()
            if "qop" in params:
                cnonce, nc = "0a4f113b", "00000001"
                response = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
                extra = f', qop=auth, nc={nc}, cnonce="{cnonce}"'
            else:
                response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
                extra = ""
            opaque = f', opaque="{params["opaque"]}"' if "opaque" in params else ""
            auth = (f'Authorization: Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
                    f'response="{response}", algorithm=MD5{extra}{opaque}\r\n')
            status, text = final(send(auth))
        if status != 200:
            raise AssertionError(f"REGISTER failed: {text[:300]}")

    def _answer_invite(self, text):
        self.incoming = text
        self.dialled = self.number
        self.call_id = re.search(r"(?im)^Call-ID:\s*(\S+)", text).group(1)
        self._on_answer(text)  # the offer: where to send our RTP
        head = text.split("\r\n\r\n", 1)[0]
        keep = [l for l in head.split("\r\n")[1:] if re.match(r"(?i)(via|from|call-id|cseq):", l)]
        to = re.search(r"(?im)^To:\s*(.*)$", head).group(1).strip()
        ip, port = self._local_sip()
        body = self._sdp()
        self._send("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + f"\r\nTo: {to};tag={self.tag}\r\n"
                   f"Contact: <sip:{self.number}@{ip}:{port}>\r\nContent-Type: application/sdp\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n{body}")

    def wait_incoming(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.incoming is not None:
                return
            time.sleep(0.02)
        raise AssertionError("no call came in")

    def start_tone(self, frequency, amplitude=4000):
        """Sends a steady tone until stop_tone()."""
        self.tone_stop = threading.Event()

        def run():
            n = 0
            start = time.time()
            while not self.tone_stop.is_set() and not self.stop.is_set():
                frame = [int(amplitude * math.sin(2 * math.pi * frequency * (n + i) / 8000)) for i in range(160)]
                n += 160
                enc = bytes(ulaw_encode(x) for x in frame) if self.payload_type == 0 else \
                    bytes(alaw_encode(x) for x in frame)
                try:
                    self._packet(self.payload_type, enc)
                except OSError:
                    return
                self.ts += 160
                delay = start + n / 8000 - time.time()
                if delay > 0:
                    time.sleep(delay)
        self.tone_thread = threading.Thread(target=run, daemon=True)
        self.tone_thread.start()

    def stop_tone(self):
        if self.tone_thread:
            self.tone_stop.set()
            self.tone_thread.join(2)
            self.tone_thread = None

    def _ack(self, status):
        ip, port = self._local_sip()
        if status >= 300:
            branch = self.invite_branch
        else:
            branch = f"z9hG4bK-ack-{time.time_ns()}"
        self._send(f"ACK sip:{self.dialled}@127.0.0.1:{self.server[1]} SIP/2.0\r\n" +
                   self._headers("ACK", branch, self.remote_tag, cseq=1) + "Content-Length: 0\r\n\r\n")

    def _answer_request(self, text, status):
        head = text.split("\r\n\r\n", 1)[0]
        keep = [l for l in head.split("\r\n")[1:] if re.match(r"(?i)(via|from|to|call-id|cseq):", l)]
        self._send(f"SIP/2.0 {status} OK\r\n" + "\r\n".join(keep) + "\r\nContent-Length: 0\r\n\r\n")

    def bye(self):
        self.cseq += 1
        self._send(f"BYE sip:{self.dialled}@127.0.0.1:{self.server[1]} SIP/2.0\r\n" +
                   self._headers("BYE", f"z9hG4bK-bye-{time.time_ns()}", self.remote_tag) +
                   "Content-Length: 0\r\n\r\n")
        deadline = time.time() + 5
        while time.time() < deadline:
            with self.lock:
                if any("BYE" in r[1] for r in self.responses):
                    break
            time.sleep(0.02)

    def bye_incoming(self):
        """Hangs up the call we answered (UAS side): our To becomes the From, the caller's From the To."""
        head = self.incoming.split("\r\n\r\n", 1)[0]
        caller = re.search(r"(?im)^From:\s*(.*)$", head).group(1).strip()
        us = re.search(r"(?im)^To:\s*(.*)$", head).group(1).strip()
        target = re.search(r"(?im)^Contact:\s*<([^>]+)>", head)
        uri = target.group(1) if target else f"sip:hotline@127.0.0.1:{self.server[1]}"
        ip, port = self._local_sip()
        self.cseq += 100
        self._send(f"BYE {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {ip}:{port};branch=z9hG4bK-bye-{time.time_ns()};rport\r\n"
                   f"From: {us};tag={self.tag}\r\nTo: {caller}\r\nCall-ID: {self.call_id}\r\n"
                   f"CSeq: {self.cseq} BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
        deadline = time.time() + 5
        while time.time() < deadline:
            with self.lock:
                if any("BYE" in r[1] for r in self.responses):
                    return
            time.sleep(0.02)
        raise AssertionError("no answer to our BYE")

    def info_digit(self, digit, duration=160):
        self.cseq += 1
        body = f"Signal={digit}\r\nDuration={duration}\r\n"
        self._send(f"INFO sip:{self.dialled}@127.0.0.1:{self.server[1]} SIP/2.0\r\n" +
                   self._headers("INFO", f"z9hG4bK-info-{time.time_ns()}", self.remote_tag) +
                   f"Content-Type: application/dtmf-relay\r\nContent-Length: {len(body)}\r\n\r\n{body}")

    def close(self):
        self.stop_tone()
        self.stop.set()
        for t in (self.sip_thread, self.rtp_thread):
            if t.is_alive():
                t.join(2)
        self.sip.close()
        self.rtp.close()

    # -- RTP ---------------------------------------------------------------
    def _rtp_loop(self):
        while not self.stop.is_set():
            try:
                data, _ = self.rtp.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(data) < 12:
                continue
            pt = data[1] & 0x7F
            payload = data[12 + 4 * (data[0] & 0x0F):]
            with self.lock:
                if pt in (0, 8):
                    if pt == 0:
                        samples = [ULAW_TABLE[b] for b in payload]
                    else:
                        samples = [alaw_decode(b) for b in payload]
                    self.received.append((time.time(), samples))
                elif pt == self.remote_event_type:
                    self.received_events.append(payload)

    def _packet(self, pt, payload, marker=False, ts=None):
        self.seq = (self.seq + 1) & 0xFFFF
        header = struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, self.seq,
                             (self.ts if ts is None else ts) & 0xFFFFFFFF, self.ssrc)
        self.rtp.sendto(header + bytes(payload), self.remote_rtp)

    def send_audio(self, samples):
        """Sends linear samples as 20 ms µ-law/A-law packets in real time."""
        start = time.time()
        for i in range(0, len(samples), 160):
            frame = samples[i:i + 160]
            frame += [0] * (160 - len(frame))
            enc = bytes(ulaw_encode(s) for s in frame) if self.payload_type == 0 else bytes(alaw_encode(s) for s in frame)
            self._packet(self.payload_type, enc)
            self.ts += 160
            delay = start + (i // 160 + 1) * 0.02 - time.time()
            if delay > 0:
                time.sleep(delay)

    def send_silence(self, ms):
        self.send_audio([0] * (ms * 8))

    def send_rfc4733(self, digit, ms=100):
        """One digit as RFC 4733 events: start with marker, updates, three ends (§2.5)."""
        code = EVENT_CODES[digit]
        start_ts = self.ts
        steps = ms // 20
        for i in range(steps):
            duration = (i + 1) * 160
            self._packet(101, struct.pack("!BBH", code, 10, duration), marker=(i == 0), ts=start_ts)
            time.sleep(0.02)
        for _ in range(3):
            self._packet(101, struct.pack("!BBH", code, 0x80 | 10, steps * 160), ts=start_ts)
        self.ts += steps * 160

    def send_tone_digit(self, digit, ms=100):
        self.send_audio(dtmf_tone(digit, ms))
        self.send_silence(100)

    def heard(self, since=0.0):
        with self.lock:
            out = []
            for t, s in self.received:
                if t >= since:
                    out.extend(s)
            return out


def tone_level(samples, frequency):
    """Goertzel: the share of the signal's power at `frequency` (0..1)."""
    if not samples:
        return 0.0
    k = 2 * math.cos(2 * math.pi * frequency / 8000)
    s1 = s2 = 0.0
    for x in samples:
        s0 = x + k * s1 - s2
        s2, s1 = s1, s0
    power = s1 * s1 + s2 * s2 - k * s1 * s2
    total = sum(x * x for x in samples) * len(samples) / 2 or 1.0
    return power / total


def alaw_decode(a):
    a ^= 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (seg - 1)
    return t if a & 0x80 else -t


def alaw_encode(sample):
    sign = 0x80 if sample >= 0 else 0
    if sample < 0:
        sample = -sample - 1
    sample = min(sample, 32767) >> 3
    if sample >= 0x20:
        seg = 1
        s = sample >> 5
        while s > 1 and seg < 7:
            s >>= 1
            seg += 1
        code = (seg << 4) | ((sample >> seg) & 0x0F)
    else:
        code = sample >> 1
    return (code | sign) ^ 0x55
