"""Ticket attachments over the real HTTP API: uploads (PDF, PNG, a Chinese
name), the size limit (413), the allowlist and magic bytes (415), department
scoping, downloads byte for byte with an RFC 5987 Content-Disposition, the
list, soft delete, the files on disk under their sha256, the history and the
audit trail."""
import hashlib
import json
import os
import struct
import unittest
import zlib
from urllib.parse import quote

from harness import Daemon, stop_and_check
from test_tickets import TicketWorld

MAX_BYTES = 64 * 1024


def png_bytes(width=4, height=3):
    """A real (tiny, grey) PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\x00" + bytes([0x80] * width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pdf_bytes(text="12345"):
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    return (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
            b"3 0 obj <</Length " + str(len(body)).encode() + b">> stream\n" + body + b"\nendstream endobj\n%%EOF\n")


class AttachmentsTest(unittest.TestCase):
    CONFIG = {"tickets": {"attachment_max_bytes": MAX_BYTES}}

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(cls.CONFIG).start()
        cls.w = TicketWorld(cls.d)

    @classmethod
    def tearDownClass(cls):
        stop_and_check(cls.d)

    def upload(self, who, ticket_id, data, name, ctype, kind=None, expect=201):
        path = f"/api/v1/tickets/{ticket_id}/attachments?name={quote(name)}"
        if kind:
            path += f"&kind={kind}"
        headers = {"Content-Type": ctype} if ctype else {}
        status, body, _ = self.d.request("POST", path, raw_body=data, headers=headers, token=self.w.t(who))
        self.assertEqual(status, expect, body)
        return body

    def listing(self, who, ticket_id, query=""):
        status, body, _ = self.d.request("GET", f"/api/v1/tickets/{ticket_id}/attachments{query}", token=self.w.t(who))
        self.assertEqual(status, 200, body)
        return body["items"]

    def dispatched_to_water(self):
        t = self.w.create()
        return self.w.act("agent", t, "dispatch", lead_department_id=self.w.water)

    def test_upload_list_download_and_files_on_disk(self):
        t = self.dispatched_to_water()
        pdf = pdf_bytes("letter")
        name = "市民来信扫描件（张三）.pdf"
        a = self.upload("entry", t["id"], pdf, name, "application/pdf")
        self.assertEqual(a["name"], name)
        self.assertEqual(a["size"], len(pdf))
        self.assertEqual(a["sha256"], hashlib.sha256(pdf).hexdigest())
        self.assertEqual(a["content_type"], "application/pdf")
        self.assertEqual(a["kind"], "file")
        self.assertEqual(a["uploaded_by"]["job_number"], "entry")
        self.assertTrue(a["can_delete"])

        png = png_bytes()
        r = self.upload("w1", t["id"], png, "现场照片.png", "image/png", kind="reply")
        self.assertEqual(r["kind"], "reply")

        items = self.listing("agent", t["id"])
        self.assertEqual([x["id"] for x in items], [a["id"], r["id"]])
        self.assertEqual(items[0]["uploaded_by"]["name"], "用户entry")
        self.assertFalse(items[0]["can_delete"])  # not the agent's upload

        # Download: the same bytes, the type, the UTF-8 name (RFC 5987), nosniff.
        status, data, headers = self.d.request("GET", a["download_url"], token=self.w.t("w1"))
        self.assertEqual(status, 200)
        self.assertEqual(data, pdf)
        self.assertEqual(headers["Content-Type"], "application/pdf")
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        disposition = headers["Content-Disposition"]
        self.assertTrue(disposition.startswith("attachment; "), disposition)
        self.assertIn("filename*=UTF-8''" + quote(name, safe=""), disposition)
        self.assertIn('filename="', disposition)
        self.assertTrue(all(ord(c) < 128 for c in disposition))
        status, data, headers = self.d.request("GET", r["download_url"], token=self.w.t("entry"))
        self.assertEqual((status, data, headers["Content-Type"]), (200, png, "image/png"))

        # On disk under its sha256; the database holds no path.
        for x, content in ((a, pdf), (r, png)):
            path = os.path.join(self.d.data_dir, "attachments", x["sha256"][:2], x["sha256"])
            with open(path, "rb") as f:
                self.assertEqual(f.read(), content)
        with self.d.db() as db:
            rows = db.execute("SELECT * FROM ticket_attachments WHERE ticket_id = ?", (t["id"],)).fetchall()
            self.assertEqual(len(rows), 2)
            for row in rows:
                for value in row:
                    if isinstance(value, str):
                        self.assertNotIn(self.d.data_dir, value)
                        self.assertFalse(value.startswith("/"), value)
                        self.assertNotIn("attachments/", value)
            history = [h[0] for h in db.execute("SELECT action FROM ticket_history WHERE ticket_id = ? ORDER BY id",
                                                (t["id"],))]
            self.assertEqual(history.count("attachment_added"), 2)
            audit = db.execute("SELECT action, actor, detail FROM audit_log WHERE action LIKE 'ticket.attachment.%' "
                               "ORDER BY id").fetchall()
        actions = [(x[0], x[1]) for x in audit]
        self.assertIn(("ticket.attachment.upload", "entry"), actions)
        self.assertIn(("ticket.attachment.upload", "w1"), actions)
        self.assertIn(("ticket.attachment.download", "w1"), actions)
        self.assertIn(("ticket.attachment.download", "entry"), actions)
        self.assertEqual(json.loads([x for x in audit if x[1] == "w1" and x[0].endswith("download")][0][2])["sha256"],
                         a["sha256"])

        # The ticket's history shows the upload to whoever sees the ticket.
        status, hist, _ = self.d.request("GET", f"/api/v1/tickets/{t['id']}/history", token=self.w.t("agent"))
        self.assertIn("attachment_added", [h["action"] for h in hist["items"]])

        # The same bytes again: one file, two rows.
        b = self.upload("agent", t["id"], pdf, "copy.pdf", "application/pdf")
        self.assertEqual(b["sha256"], a["sha256"])
        self.assertNotEqual(b["id"], a["id"])
        # No temporary file is left anywhere.
        for _, _, names in os.walk(os.path.join(self.d.data_dir, "attachments")):
            self.assertEqual([n for n in names if n.startswith(".")], [])

    def test_limits_and_types(self):
        t = self.w.create()
        tid = t["id"]
        big = b"%PDF-1.4\n" + b"0" * MAX_BYTES
        err = self.upload("agent", tid, big, "big.pdf", "application/pdf", expect=413)
        self.assertEqual(err["error"]["reason"], "too_large")
        self.assertIn(str(MAX_BYTES), err["error"]["message"])
        just = b"%PDF-1.4\n" + b"0" * (MAX_BYTES - 9)
        self.assertEqual(self.upload("agent", tid, just, "just.pdf", "application/pdf")["size"], MAX_BYTES)

        err = self.upload("agent", tid, b"MZ\x90\x00\x03", "setup.exe", "application/x-msdownload", expect=415)
        self.assertEqual(err["error"]["reason"], "type_not_allowed")
        err = self.upload("agent", tid, b"<script>alert(1)</script>", "x.html", "text/html", expect=415)
        self.assertEqual(err["error"]["reason"], "type_not_allowed")
        err = self.upload("agent", tid, png_bytes(), "fake.pdf", "application/pdf", expect=415)
        self.assertEqual(err["error"]["reason"], "magic_mismatch")
        err = self.upload("agent", tid, b"MZ\x90\x00\x03\x00", "notes.txt", "text/plain", expect=415)
        self.assertEqual(err["error"]["reason"], "magic_mismatch")
        err = self.upload("agent", tid, b"\x00\x01", "blob.bin", "application/octet-stream", expect=415)
        self.assertEqual(err["error"]["reason"], "type_not_allowed")
        status, err, _ = self.d.request("POST", f"/api/v1/tickets/{tid}/attachments?name=x.pdf", raw_body=b"",
                                        headers={"Content-Type": "application/pdf"}, token=self.w.t("agent"))
        self.assertEqual(status, 400, err)

        # No type sent: taken from the name's extension, then checked against the bytes.
        inferred = self.upload("agent", tid, png_bytes(), "传真.png", "application/octet-stream")
        self.assertEqual(inferred["content_type"], "image/png")
        # A name whose extension is not the type's gets the type's.
        renamed = self.upload("agent", tid, png_bytes(2, 2), "scan.exe", "image/png")
        self.assertEqual(renamed["name"], "scan.exe.png")
        # Paths in the name are dropped.
        pathless = self.upload("agent", tid, pdf_bytes("p"), "../../etc/来信.pdf", "application/pdf")
        self.assertEqual(pathless["name"], "来信.pdf")

        status, err, _ = self.d.request("POST", "/api/v1/tickets/999999/attachments?name=x.png", raw_body=png_bytes(),
                                        headers={"Content-Type": "image/png"}, token=self.w.t("agent"))
        self.assertEqual(status, 404, err)
        names = [x["name"] for x in self.listing("agent", tid)]
        self.assertEqual(names, ["just.pdf", "传真.png", "scan.exe.png", "来信.pdf"])

    def test_department_scoping_and_permissions(self):
        t = self.dispatched_to_water()
        a = self.upload("w1", t["id"], pdf_bytes("reply"), "答复.pdf", "application/pdf", kind="reply")
        path = f"/api/v1/tickets/{t['id']}/attachments"
        # Another unit's staff: the ticket does not exist for them.
        for method, p in (("GET", path), ("GET", a["download_url"]), ("DELETE", a["download_url"])):
            status, body, _ = self.d.request(method, p, token=self.w.t("h1"))
            self.assertEqual(status, 404, (method, p, body))
        self.upload("h1", t["id"], png_bytes(), "x.png", "image/png", expect=404)
        # The auditor reads and downloads, but attaches nothing.
        self.assertEqual(len(self.listing("audit", t["id"])), 1)
        status, _, _ = self.d.request("GET", a["download_url"], token=self.w.t("audit"))
        self.assertEqual(status, 200)
        err = self.upload("audit", t["id"], png_bytes(), "x.png", "image/png", expect=403)
        self.assertEqual(err["error"]["code"], "forbidden")
        # Reply attachments are a unit's.
        self.upload("entry", t["id"], png_bytes(), "x.png", "image/png", kind="reply", expect=403)
        # An unknown attachment of a visible ticket.
        status, _, _ = self.d.request("GET", path + "/999999", token=self.w.t("w1"))
        self.assertEqual(status, 404)

    def test_soft_delete(self):
        t = self.dispatched_to_water()
        a = self.upload("entry", t["id"], pdf_bytes("to delete"), "错的.pdf", "application/pdf")
        keep = self.upload("w1", t["id"], png_bytes(5, 5), "keep.png", "image/png")
        # Not the uploader: refused (an agent), or even unseen (another unit).
        status, body, _ = self.d.request("DELETE", a["download_url"], token=self.w.t("agent"))
        self.assertEqual(status, 403, body)
        status, body, _ = self.d.request("DELETE", a["download_url"], token=self.w.t("entry"))
        self.assertEqual(status, 200, body)
        self.assertIsNotNone(body["deleted_at"])
        self.assertEqual([x["id"] for x in self.listing("agent", t["id"])], [keep["id"]])
        everything = self.listing("agent", t["id"], "?include_deleted=1")
        self.assertEqual([(x["id"], x["deleted_by"]) for x in everything], [(a["id"], "entry"), (keep["id"], None)])
        status, body, _ = self.d.request("GET", a["download_url"], token=self.w.t("agent"))
        self.assertEqual(status, 410, body)
        status, body, _ = self.d.request("DELETE", a["download_url"], token=self.w.t("entry"))
        self.assertEqual(status, 404, body)
        # The file stays (soft delete); an admin may delete anyone's.
        self.assertTrue(os.path.exists(os.path.join(self.d.data_dir, "attachments", a["sha256"][:2], a["sha256"])))
        status, body, _ = self.d.request("DELETE", keep["download_url"], token=self.w.t("admin"))
        self.assertEqual(status, 200, body)
        with self.d.db() as db:
            history = [h[0] for h in db.execute("SELECT action FROM ticket_history WHERE ticket_id = ? ORDER BY id",
                                                (t["id"],))]
            deletions = db.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'ticket.attachment.delete' "
                                   "AND target IN (?, ?)", (str(a["id"]), str(keep["id"]))).fetchone()[0]
        self.assertEqual(history.count("attachment_deleted"), 2)
        self.assertEqual(deletions, 2)


if __name__ == "__main__":
    unittest.main()
