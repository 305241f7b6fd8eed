#!/usr/bin/env python3
"""Writes the RTP a caller sends while walking an IVR, as a pcap that sipp
replays (play_pcap_audio): G.711 µ-law silence every 20 ms (PT 0) and, at
the given times, keys as RFC 4733 telephone-events (PT 101: start packet
with the marker bit, an update every 20 ms, three end packets, all with the
event's start timestamp), in one RTP stream (one SSRC, running sequence
numbers and timestamps), as a real phone sends them.

Usage: walk_pcap.py OUT.pcap SECONDS AT:KEYS [AT:KEYS ...] [--sparse]
  AT:KEYS  keys pressed one after the other from AT seconds, 250 ms apart,
           e.g. 2:2 3.5:4 5:3, or 5:2026112900001#
  --sparse no silence packets, only the keys and one packet a second (a
           caller whose phone sends nothing while quiet, as with VAD); what
           is left is the daemon's own work, not the UDP load of the caller.

Standard library only."""
import struct
import sys

EVENTS = {**{str(d): d for d in range(10)}, "*": 10, "#": 11}
KEY_MS = 100      # how long a key is held
KEY_GAP_MS = 250  # from one key's start to the next one's
SILENCE = bytes([0xFF]) * 160  # µ-law silence, 20 ms


def packet(ms, payload_type, marker, seq, timestamp, payload):
    """One Ethernet/IPv4/UDP frame from 10.0.0.1:49170 to 10.0.0.2:10000
    (sipp replaces the address and port with the call's)."""
    rtp = struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | payload_type, seq & 0xFFFF,
                      timestamp & 0xFFFFFFFF, 0x1B5E0C3D) + payload
    udp = struct.pack("!HHHH", 49170, 10000, 8 + len(rtp), 0) + rtp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0xB8, 20 + len(udp), 0, 0x4000, 64, 17, 0, bytes([10, 0, 0, 1]),
                     bytes([10, 0, 0, 2]))
    words = struct.unpack("!10H", ip)
    checksum = sum(words)
    checksum = (checksum & 0xFFFF) + (checksum >> 16)
    checksum = ~((checksum & 0xFFFF) + (checksum >> 16)) & 0xFFFF
    ip = ip[:10] + struct.pack("!H", checksum) + ip[12:]
    frame = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp
    seconds, micros = divmod(int(ms * 1000), 1_000_000)
    return struct.pack("<IIII", 1_700_000_000 + seconds, micros, len(frame), len(frame)) + frame


def main(argv):
    sparse = "--sparse" in argv
    args = [a for a in argv if a != "--sparse"]
    if len(args) < 3:
        sys.exit(__doc__)
    out, seconds, plan = args[0], float(args[1]), args[2:]
    presses = []  # (start ms, key)
    for item in plan:
        at, _, keys = item.partition(":")
        for i, key in enumerate(keys):
            if key not in EVENTS:
                sys.exit(f"not a key: {key!r}")
            presses.append((round((float(at) * 1000 + i * KEY_GAP_MS) / 20) * 20, key))  # on the 20 ms grid
    presses.sort()

    frames = []
    seq = 1000
    for tick in range(int(seconds * 1000) // 20):
        ms = tick * 20
        timestamp = 8000 + tick * 160
        key = next((p for p in presses if p[0] <= ms < p[0] + KEY_MS + 20), None)
        if key:
            start_tick = key[0] // 20
            duration = (tick - start_tick + 1) * 160
            start_ts = 8000 + start_tick * 160
            code = EVENTS[key[1]]
            if ms < key[0] + KEY_MS:
                frames.append(packet(ms, 101, tick == start_tick, seq, start_ts,
                                     struct.pack("!BBH", code, 10, duration)))
                seq += 1
            else:
                for _ in range(3):  # the end, three times (RFC 4733 §2.5.1.4)
                    frames.append(packet(ms, 101, False, seq, start_ts,
                                         struct.pack("!BBH", code, 0x80 | 10, (KEY_MS // 20) * 160)))
                    seq += 1
            continue
        if sparse and tick % 50:
            continue
        frames.append(packet(ms, 0, False, seq, timestamp, SILENCE))
        seq += 1

    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        f.writelines(frames)


if __name__ == "__main__":
    main(sys.argv[1:])
