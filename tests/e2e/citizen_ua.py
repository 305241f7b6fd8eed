"""A citizen for the browser tests, in one of two modes.

Calling (default): dials NUMBER from the citizens' trunk address (127.0.0.2),
keys DIGITS (RFC 4733) after the greeting, then speaks (a steady 600 Hz tone)
until the call ends:
  citizen_ua.py SIP_PORT NUMBER DIGITS CALLER

Answering (--answer): the citizen's phone behind a carrier trunk (the
daemon's acd.callback_trunk, address 127.0.0.3:PORT): binds first and prints
{"listening": PORT} (the daemon's config needs it before the daemon starts),
takes the daemon's SIP port on stdin ("server PORT" -> {"server": PORT}),
answers the first INVITE at once, prints {"answered": true, "number": the
Request-URI's user (the number the server called)}, then speaks the tone:
  citizen_ua.py --answer

Commands on stdin, one JSON line of answer each on stdout:
  level SECONDS  -> {"rms": R, "tone600": share}  what it heard lately
  events         -> {"events": N}                 telephone-events heard
  bye            -> hangs up, {"bye": true}
When the server hangs up it prints {"ended": true} and exits 0.
Uses the SIP UA of the integration tests (tests/integration/sipua.py)."""
import json
import os
import re
import select
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from sipua import SipUa, energy, tone_level  # noqa: E402

CARRIER_IP = "127.0.0.3"
TONE_HZ = 600


def say(obj):
    print(json.dumps(obj), flush=True)


def read_command(timeout):
    """One stdin line split in words; [] when none came in time; None at EOF."""
    ready, _, _ = select.select([sys.stdin], [], [], timeout)
    if not ready:
        return []
    line = sys.stdin.readline()
    if not line:
        return None
    return line.split() or []


def serve(ua, hang_up):
    """Answers the commands until the call ends (exit code 0)."""
    while True:
        if getattr(ua, "ended_by_server", False):
            say({"ended": True})
            return 0
        cmd = read_command(0.1)
        if cmd is None:
            return 0
        if not cmd:
            continue
        if cmd[0] == "level":
            heard = ua.heard(time.time() - float(cmd[1]))
            say({"rms": energy(heard), "tone600": tone_level(heard, TONE_HZ)})
        elif cmd[0] == "events":
            say({"events": len(ua.received_events)})
        elif cmd[0] == "bye":
            hang_up()
            say({"bye": True})
            return 0


def calling(port, number, digits, caller):
    ua = SipUa(port, number=caller)
    try:
        ua.call(number)
        say({"answered": True})
        ua.send_silence(1500)
        for d in digits:
            ua.send_rfc4733(d)
            ua.send_silence(300)
        ua.start_tone(TONE_HZ)
        return serve(ua, ua.bye)
    finally:
        ua.close()


def answering():
    # The server's port is not known yet: it comes on stdin once the daemon runs.
    ua = SipUa(0, local_ip=CARRIER_IP, number="carrier")
    try:
        ua.sip_thread.start()
        ua.rtp_thread.start()
        say({"listening": ua.sip.getsockname()[1]})
        while True:
            cmd = read_command(0.2)
            if cmd is None:
                return 0
            if cmd and cmd[0] == "server":
                ua.server = ("127.0.0.1", int(cmd[1]))
                say({"server": ua.server[1]})
                break
        while ua.incoming is None:  # SipUa answers the first INVITE with 200 and our SDP
            if read_command(0.05) is None:
                return 0
        request_uri = ua.incoming.split("\r\n", 1)[0]
        called = re.match(r"INVITE sip:([^@;>]+)@", request_uri)
        say({"answered": True, "number": called.group(1) if called else ""})
        ua.start_tone(TONE_HZ)
        return serve(ua, ua.bye_incoming)
    finally:
        ua.close()


def main():
    if sys.argv[1:2] == ["--answer"]:
        return answering()
    port, number, digits, caller = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    return calling(port, number, digits, caller)


if __name__ == "__main__":
    sys.exit(main())
