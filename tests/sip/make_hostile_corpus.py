import os
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile")
os.makedirs(out, exist_ok=True)
CRLF = "\r\n"
def req(method="OPTIONS", uri="sip:12345@127.0.0.1", headers=None, body="", cl=None, start=None, skip=()):
    h = [
        ("Via", "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-hostile-1;rport"),
        ("Max-Forwards", "70"),
        ("From", "<sip:caller@127.0.0.1>;tag=a1"),
        ("To", "<sip:12345@127.0.0.1>"),
        ("Call-ID", "hostile-1@127.0.0.1"),
        ("CSeq", f"1 {method}"),
    ]
    h = [x for x in h if x[0] not in skip]
    h += headers or []
    if cl is None:
        cl = str(len(body.encode()))
    if cl != "omit":
        h.append(("Content-Length", cl))
    text = (start or f"{method} {uri} SIP/2.0") + CRLF + "".join(f"{k}: {v}{CRLF}" for k, v in h) + CRLF + body
    return text.encode()

cases = []
def add(name, data, expect, why):
    cases.append((name, data, expect, why))

sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n"
# Messages that osip cannot parse at all (duplicated single headers among them)
# cannot be answered: they are dropped, which RFC 3261 allows for garbage.
# --- framing and size
add("truncated-start-line", b"INVITE sip:12345@127.0.0.1 SI", "drop", "not a SIP start line")
add("truncated-headers", req()[:120], "drop", "the header section does not end")
add("cl-larger-than-body", req("INVITE", body=sdp, cl="9999"), "400", "Content-Length larger than the body")
add("cl-not-a-number", req(cl="ten"), "400", "Content-Length is not a number")
add("cl-negative", req(cl="-5"), "400", "Content-Length is not a number")
add("cl-huge", req(cl="99999999999999999999"), "400", "Content-Length is not a number")
add("cl-duplicated", req(headers=[("Content-Length", "0")]), "drop", "duplicate content-length header")
add("cl-compact-duplicated", req(headers=[("l", "0")]), "drop", "duplicate content-length header")
add("huge-message", req(headers=[("X-Pad", "a" * 3000)] * 8), "drop", "too large")
add("too-many-headers", req(headers=[("X-H", "1")] * 200), "400", "too many header lines")
add("header-line-too-long", req(headers=[("Subject", "x" * 5000)]), "400", "header line too long")
add("empty-datagram", b"", "drop", "keep-alive")
add("crlf-keepalive", b"\r\n\r\n", "drop", "keep-alive")
add("leading-crlf", b"\r\n" + req(), "drop", "line ends before the start line")
# --- binary garbage and bad bytes
add("binary-garbage", bytes(range(256)), "drop", "not a SIP start line")
add("random-bytes", os.urandom(0) + bytes([0x8f, 0x00, 0x13, 0x37] * 64), "drop", "not a SIP start line")
add("nul-in-header", req(headers=[("Subject", "a\x00b")]), "drop", "NUL byte")
add("control-char-in-header", req(headers=[("Subject", "a\x01b")]), "400", "control character")
add("del-in-header", req(headers=[("Subject", "a\x7fb")]), "400", "control character")
add("bare-lf-in-header", req(headers=[("Subject", "a\nInjected: yes")]), "400", "bare LF")
add("bare-cr-in-value", req(headers=[("Subject", "hi\rVia: SIP/2.0/UDP evil.example;branch=z9hG4bK-x")]), "400", "bare CR")
add("header-without-colon", req(headers=[("NoColonHere", None)]).replace(b"NoColonHere: None", b"NoColonHere"), "drop", "header line without a name")
add("header-name-with-space", req(headers=[("Bad Name", "x")]), "400", "bad character in a header name")
add("tls-client-hello", bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]) + b"\x00" * 40, "drop", "not a SIP start line")
add("http-request", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "drop", "not a SIP start line")
add("stun-binding", bytes([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]) + b"\x01" * 12, "drop", "not a SIP start line")
# --- start line
add("wrong-version", req(start="OPTIONS sip:12345@127.0.0.1 SIP/7.0"), "drop", "not a SIP start line")
add("no-request-uri", req(start="OPTIONS  SIP/2.0"), "drop", "not a SIP start line")
add("method-with-bad-chars", req(start="OPT<IONS sip:12345@127.0.0.1 SIP/2.0"), "drop", "not a SIP start line")
add("extra-spaces-in-start-line", req(start="OPTIONS sip:12345@127.0.0.1  SIP/2.0"), "drop", "not a SIP start line")
add("response-bad-status", b"SIP/2.0 99x OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-1\r\n\r\n", "drop", "not a SIP start line")
add("response-status-700", b"SIP/2.0 700 Weird\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", "drop", "not a SIP start line")
add("unknown-scheme-uri", req(uri="http://example.com/"), "400", "unsupported URI scheme")
add("garbage-uri", req(uri="sip:@@@:::"), "drop", "unparseable message")
# --- mandatory headers
add("missing-via", req(skip=("Via",)), "drop", "missing or malformed")
add("missing-from", req(skip=("From",)), "drop", "missing or malformed")
add("missing-to", req(skip=("To",)), "drop", "missing or malformed")
add("missing-call-id", req(skip=("Call-ID",)), "drop", "missing or malformed")
add("missing-cseq", req(skip=("CSeq",)), "drop", "missing or malformed")
add("cseq-method-mismatch", req("OPTIONS", headers=[]).replace(b"CSeq: 1 OPTIONS", b"CSeq: 1 INVITE"), "400", "CSeq method does not match")
add("cseq-not-a-number", req().replace(b"CSeq: 1 OPTIONS", b"CSeq: one OPTIONS"), "drop", "")
add("cseq-too-big", req().replace(b"CSeq: 1 OPTIONS", b"CSeq: 99999999999 OPTIONS"), "drop", "missing or malformed")
add("duplicate-call-id", req(headers=[("Call-ID", "other@x")]), "drop", "duplicate call-id header")
add("duplicate-cseq", req(headers=[("CSeq", "2 OPTIONS")]), "drop", "duplicate cseq header")
add("duplicate-from", req(headers=[("f", "<sip:x@y>;tag=2")]), "drop", "duplicate from header")
add("duplicate-to", req(headers=[("t", "<sip:x@y>")]), "drop", "duplicate to header")
add("max-forwards-not-a-number", req().replace(b"Max-Forwards: 70", b"Max-Forwards: lots"), "400", "Max-Forwards")
add("max-forwards-too-big", req().replace(b"Max-Forwards: 70", b"Max-Forwards: 300"), "400", "Max-Forwards")
add("duplicate-max-forwards", req(headers=[("Max-Forwards", "10")]), "400", "duplicate max-forwards header")
add("via-without-host", req().replace(b"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-hostile-1;rport", b"Via: SIP/2.0/UDP ;branch=z9hG4bK-1"), "drop", "")
add("via-bad-port", req().replace(b"127.0.0.1:5070;branch", b"127.0.0.1:99999;branch"), "drop", "")
add("from-unterminated-bracket", req().replace(b"From: <sip:caller@127.0.0.1>;tag=a1", b"From: <sip:caller@127.0.0.1;tag=a1"), "drop", "")
add("expires-not-a-number", req("REGISTER", uri="sip:127.0.0.1", headers=[("Expires", "soon")]), "400", "Expires")
add("contact-garbage", req("REGISTER", uri="sip:127.0.0.1", headers=[("Contact", "<<<>>>")]), "drop", "unparseable message")
add("response-missing-via", b"SIP/2.0 200 OK\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", "drop", "missing or malformed")
add("response-truncated", b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-1\r\nFrom: <sip:a@b>;ta", "drop", "the header section does not end")
add("escaped-nul-uri", req(uri="sip:1%002345@127.0.0.1"), "accept", "")  # percent-encoded NUL stays escaped text

# control cases that must be accepted
add("control-valid-options", req(), "accept", "")
add("control-valid-invite", req("INVITE", body=sdp, headers=[("Contact", "<sip:caller@127.0.0.1:5070>"), ("Content-Type", "application/sdp")]), "accept", "")
add("control-folded-header", req(headers=[("Subject", "first part")]).replace(b"Subject: first part\r\n", b"Subject: first part\r\n  continued\r\n"), "accept", "")
add("control-extra-body-bytes-ignored", req(body="", cl="0") + b"trailing junk after the message", "accept", "")

import glob
for f in glob.glob(os.path.join(out, "*.sip")):
    os.remove(f)
with open(os.path.join(out, "expected.txt"), "w") as m:
    m.write("# file | expected outcome (400: answered Bad Request; drop: no answer; accept) | reason contains\n")
    for i, (name, data, expect, why) in enumerate(cases, 1):
        fname = f"{i:02d}-{name}.sip"
        with open(os.path.join(out, fname), "wb") as f:
            f.write(data)
        m.write(f"{fname} | {expect} | {why}\n")
print(len(cases), "cases;", sum(1 for c in cases if c[2] != "accept"), "hostile")
