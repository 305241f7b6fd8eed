"""A citizen for the browser tests: dials NUMBER from the citizens' trunk
address (127.0.0.2), keys DIGITS (RFC 4733) after the greeting, then speaks
(a steady 600 Hz tone) until the call ends. Commands on stdin, one JSON line
of answer each on stdout:
  level SECONDS  -> {"rms": R, "tone600": share}  what it heard lately
  events         -> {"events": N}                 telephone-events heard
  bye            -> hangs up, {"bye": true}
When the server hangs up it prints {"ended": true} and exits 0.
Uses the SIP UA of the integration tests (tests/integration/sipua.py)."""
import json
import os
import select
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from sipua import SipUa, energy, tone_level  # noqa: E402


def say(obj):
    print(json.dumps(obj), flush=True)


def main():
    port, number, digits, caller = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    ua = SipUa(port, number=caller)
    ua.call(number)
    say({"answered": True})
    ua.send_silence(1500)
    for d in digits:
        ua.send_rfc4733(d)
        ua.send_silence(300)
    ua.start_tone(600)
    try:
        while True:
            if getattr(ua, "ended_by_server", False):
                say({"ended": True})
                return 0
            ready, _, _ = select.select([sys.stdin], [], [], 0.1)
            if not ready:
                continue
            line = sys.stdin.readline()
            if not line:
                return 0
            cmd = line.split()
            if cmd[0] == "level":
                heard = ua.heard(time.time() - float(cmd[1]))
                say({"rms": energy(heard), "tone600": tone_level(heard, 600)})
            elif cmd[0] == "events":
                say({"events": len(ua.received_events)})
            elif cmd[0] == "bye":
                ua.bye()
                say({"bye": True})
                return 0
    finally:
        ua.close()


if __name__ == "__main__":
    sys.exit(main())
