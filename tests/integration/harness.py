"""Test harness: the real hotlined on a free port with its own data dir, a
plain HTTP client, and a small RFC 6455 WebSocket client (standard library
only, so the tests need nothing from PyPI)."""
import base64
import http.client
import json
import os
import re
import signal
import socket
import ssl
import sqlite3
import struct
import subprocess
import tempfile
import time
import shutil
import unittest
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
HOTLINED = os.environ.get("HOTLINED") or os.path.join(HERE, "..", "..", "build", "asan", "src", "hotlined")
ADMIN_PASSWORD = "admin-pass-123"

# Sockets left to the garbage collector in failure paths are not the subject here.
warnings.simplefilter("ignore", ResourceWarning)


class Daemon:
    """One hotlined process. config is merged over a test default."""

    def __init__(self, config=None, env=None, data_dir=None, admin_password=ADMIN_PASSWORD):
        # Port 0: the kernel picks free ports and the daemon logs them (no
        # race with other tests' client sockets); start() reads them back.
        self.port = None
        self.sip_port = None
        self.root = tempfile.mkdtemp(prefix="hotline-it-")
        self.data_dir = data_dir or os.path.join(self.root, "var")
        self.config = {"http": {"listen": "127.0.0.1:0"}, "sip": {"listen": "127.0.0.1:0"},
                       "log": {"console": False, "level": "info"}}
        for key, value in (config or {}).items():
            if isinstance(value, dict):
                self.config.setdefault(key, {}).update(value)
            else:
                self.config[key] = value
        self.config_path = os.path.join(self.root, "hotlined.json")
        with open(self.config_path, "w") as f:
            json.dump(self.config, f)
        self.env = dict(os.environ)
        if admin_password is not None:
            self.env["HOTLINE_ADMIN_PASSWORD"] = admin_password
        self.env.update(env or {})
        self.proc = None

    # -- process ---------------------------------------------------------
    def start(self, timeout=60):
        log_path = os.path.join(self.data_dir, "log", "hotlined.log")
        log_offset = os.path.getsize(log_path) if os.path.exists(log_path) else 0
        self.stderr = open(os.path.join(self.root, "stderr.log"), "ab")
        self.proc = subprocess.Popen([HOTLINED, "--config", self.config_path, "--data-dir", self.data_dir],
                                     env=self.env, stdout=self.stderr, stderr=self.stderr)
        deadline = time.time() + timeout
        self._read_ports(log_path, log_offset, deadline)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hotlined exited with {self.proc.returncode}:\n{self.log()}")
            try:
                status, _, _ = self.request("GET", "/healthz", timeout=2)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("hotlined did not answer /healthz in time:\n" + self.log())

    def _read_ports(self, log_path, offset, deadline):
        """Waits for the daemon's ready line and takes the ports it chose."""
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hotlined exited with {self.proc.returncode}:\n{self.log()}")
            if os.path.exists(log_path):
                with open(log_path, errors="replace") as f:
                    f.seek(offset)
                    text = f.read()
                http = re.search(r"event=daemon\.ready .*?http=127\.0\.0\.1:(\d+)", text)
                sip = re.search(r"event=sip\.listening address=127\.0\.0\.1:(\d+)", text)
                if http and sip:
                    self.port, self.sip_port = int(http.group(1)), int(sip.group(1))
                    return
            time.sleep(0.05)
        raise RuntimeError("hotlined did not log its ports in time:\n" + self.log())

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("hotlined did not stop in time:\n" + self.log())

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if getattr(self, "stderr", None):
            self.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self):
        p = os.path.join(self.root, "stderr.log")
        if not os.path.exists(p):
            return ""
        with open(p, errors="replace") as f:
            return f.read()[-20000:]

    def db(self):
        """A read-only connection to the daemon's SQLite file."""
        return sqlite3.connect(f"file:{os.path.join(self.data_dir, 'hotline.db')}?mode=ro", uri=True)

    # -- HTTP ------------------------------------------------------------
    def connection(self, timeout):
        if self.config.get("http", {}).get("tls", {}).get("enabled"):
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=self.tls_context())
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def tls_context(self):
        ctx = ssl.create_default_context(cafile=self.config["http"]["tls"]["certificate"])
        ctx.check_hostname = False
        return ctx

    def request(self, method, path, body=None, token=None, headers=None, timeout=30, raw_body=None):
        conn = self.connection(timeout)
        h = dict(headers or {})
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        if token:
            h["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        payload = resp.read()
        conn.close()
        ctype = resp.getheader("Content-Type", "")
        value = payload
        if "json" in ctype and payload:
            value = json.loads(payload)
        return resp.status, value, dict(resp.getheaders())

    def login(self, job_number, password):
        status, body, _ = self.request("POST", "/api/v1/auth/login", {"job_number": job_number, "password": password})
        assert status == 200, (status, body)
        return body["token"]

    def admin(self):
        """A fresh admin session (tests may shorten the session lifetime)."""
        return self.login("admin", ADMIN_PASSWORD)

    def create_user(self, job_number, roles, password="secret-pass-1", department_id=None):
        body = {"job_number": job_number, "display_name": f"用户{job_number}", "password": password, "roles": roles}
        if department_id is not None:
            body["department_id"] = department_id
        status, user, _ = self.request("POST", "/api/v1/users", body, token=self.admin())
        assert status == 201, (status, user)
        return user

    def ws(self, token=None, **kwargs):
        if self.config.get("http", {}).get("tls", {}).get("enabled"):
            kwargs.setdefault("tls", self.tls_context())
        return WsClient(self.port, token=token, **kwargs)


def stop_and_check(daemon):
    """Stops the daemon, removes its files, and fails unless it exited 0."""
    code = daemon.stop()
    log = daemon.log()
    daemon.cleanup()
    assert code == 0, f"exit {code}\n{log}"


class DaemonTestCase(unittest.TestCase):
    """One daemon for the whole class, started with CONFIG; it must exit 0."""

    CONFIG = None

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(cls.CONFIG).start()

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)


class WsClosed(Exception):
    pass


class WsClient:
    """A minimal RFC 6455 client: text frames, masking, ping replies."""

    def __init__(self, port, token=None, path="/ws", rcvbuf=None, headers=None, timeout=10, tls=None):
        self.backlog = []  # messages read past by call(), returned first by recv_json
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        if tls:
            self.sock = tls.wrap_socket(self.sock)
        key = base64.b64encode(os.urandom(16)).decode()
        target = path + (f"?access_token={token}" if token else "")
        lines = [f"GET {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ")[1]) if head else 0
        self.response_head = head.decode(errors="replace")

    def _read_exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise WsClosed("connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send_json(self, obj):
        self.send_frame(1, json.dumps(obj).encode())

    def _read_one_frame(self):
        b0, b1 = self._read_exact(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._read_exact(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._read_exact(8))[0]
        return bool(b0 & 0x80), b0 & 0x0F, self._read_exact(n)

    def recv_frame(self):
        """One message: control frames as they come, data frames reassembled."""
        fin, opcode, payload = self._read_one_frame()
        while not fin and opcode < 8:
            fin, cont_opcode, more = self._read_one_frame()
            if cont_opcode >= 8:  # a control frame between fragments
                if cont_opcode == 9:
                    self.send_frame(10, more)
                fin = False
                continue
            payload += more
        return opcode, payload

    def recv_json(self):
        if self.backlog:
            return self.backlog.pop(0)
        while True:
            opcode, payload = self.recv_frame()
            if opcode == 9:
                self.send_frame(10, payload)
                continue
            if opcode == 8:
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
                raise WsClosed(f"closed by server: {code} {payload[2:].decode(errors='replace')}")
            if opcode == 1:
                return json.loads(payload)

    def recv_method(self, method, limit=50):
        """The next message whose method is `method`; pushed events such as
        queue.stats, which supervisors get once a second after start, are skipped."""
        for _ in range(limit):
            message = self.recv_json()
            if message.get("method") == method:
                return message
        raise AssertionError(f"no {method} among {limit} messages")

    def recv_reply(self, limit=50):
        """The next message that is not a server-pushed notification."""
        for _ in range(limit):
            message = self.recv_json()
            if "method" not in message:
                return message
        raise AssertionError(f"no reply among {limit} messages")

    def call(self, method, params=None, id=1):
        self.send_json({"jsonrpc": "2.0", "id": id, "method": method, "params": params or {}})
        skipped = []
        try:
            while True:
                msg = self.recv_json()
                if msg.get("id") == id:
                    return msg
                skipped.append(msg)  # pushed events that came first: kept for the next recv_json
        finally:
            self.backlog[:0] = skipped

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
