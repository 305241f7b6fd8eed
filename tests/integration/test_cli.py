"""The command line: version, check-config with errors naming the key,
refusing a second daemon on the same data dir."""
import json
import os
import subprocess
import tempfile
import unittest

from harness import HOTLINED, Daemon


def run(*args, env=None):
    return subprocess.run([HOTLINED, *args], capture_output=True, text=True, timeout=60, env=env)


class CliTest(unittest.TestCase):
    def write(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_version(self):
        r = run("version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^hotlined \d+\.\d+\.\d+ ")

    def test_check_config_accepts_the_shipped_file(self):
        shipped = os.path.join(os.path.dirname(__file__), "..", "..", "config", "hotlined.json")
        r = run("--config", shipped, "check-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration OK", r.stdout)

    def test_check_config_names_every_bad_key(self):
        path = self.write('{"http": {"listen": "nowhere", "colour": 1}, // comment\n "auth": {"lockout_seconds": -1}}')
        r = run("--config", path, "check-config")
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"{path}: http.listen: expected \"address:port\"", r.stderr)
        self.assertIn(f"{path}: http.colour: unknown key", r.stderr)
        self.assertIn(f"{path}: auth.lockout_seconds: must be between 1 and 86400, got -1", r.stderr)

    def test_bad_config_stops_the_start(self):
        path = self.write('{"store": {"readers": 0}}')
        r = run("--config", path, "--data-dir", tempfile.mkdtemp())
        self.assertEqual(r.returncode, 2)
        self.assertIn("store.readers: must be between 1 and 64, got 0", r.stderr)

    def test_missing_config_file(self):
        r = run("--config", "/nonexistent/hotlined.json", "check-config")
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent/hotlined.json: cannot read the file", r.stderr)

    def test_usage_errors(self):
        self.assertEqual(run("frobnicate").returncode, 2)
        self.assertEqual(run("--bogus").returncode, 2)
        self.assertEqual(run("backup").returncode, 2)
        self.assertEqual(run("--help").returncode, 0)

    def test_second_daemon_on_the_same_data_dir_is_refused(self):
        d = Daemon().start()
        try:
            r = run("--config", d.config_path, "--data-dir", d.data_dir, env=d.env)
            self.assertEqual(r.returncode, 1)
            self.assertIn(f"(pid {d.proc.pid}) is running", r.stderr)
        finally:
            self.assertEqual(d.stop(), 0, d.log())
            d.cleanup()


if __name__ == "__main__":
    unittest.main()
