// Ticket attachments: the allowlist and magic-byte checks, file names, the
// content-addressed files, rows with history, soft delete.
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hotline/tickets/attachments.hpp"
#include "tickets_fixture.hpp"

namespace tickets_test {
namespace {

using namespace std::string_literals;
using hotline::Errc;

const std::string kPng = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR"s;
const std::string kPdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"s;
const std::string kJpeg = "\xFF\xD8\xFF\xE0\0\x10JFIF\0"s;
const std::string kWav = "RIFF\x24\0\0\0WAVEfmt "s;
const std::string kDocx = "PK\x03\x04\x14\0\x06\0"s;

TEST(AttachmentChecks, MagicBytesMatchTheDeclaredType) {
  EXPECT_EQ(check_content("image/png", kPng), ContentCheck::ok);
  EXPECT_EQ(check_content("application/pdf", kPdf), ContentCheck::ok);
  EXPECT_EQ(check_content("image/jpeg", kJpeg), ContentCheck::ok);
  EXPECT_EQ(check_content("audio/wav", kWav), ContentCheck::ok);
  EXPECT_EQ(check_content("image/tiff", "II*\0\x08\0\0\0"s), ContentCheck::ok);
  EXPECT_EQ(check_content("image/tiff", "MM\0*\0\0\0\x08"s), ContentCheck::ok);
  EXPECT_EQ(check_content("image/gif", "GIF89a\x01\0"s), ContentCheck::ok);
  EXPECT_EQ(check_content("image/webp", "RIFF\x10\0\0\0WEBPVP8 "s), ContentCheck::ok);
  EXPECT_EQ(check_content("audio/mpeg", "ID3\x04\0\0"s), ContentCheck::ok);
  EXPECT_EQ(check_content("audio/mpeg", "\xFF\xFB\x90\x64"s), ContentCheck::ok);
  EXPECT_EQ(check_content("application/vnd.openxmlformats-officedocument.wordprocessingml.document", kDocx),
            ContentCheck::ok);
  EXPECT_EQ(check_content("application/msword", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0"s), ContentCheck::ok);

  EXPECT_EQ(check_content("image/png", kPdf), ContentCheck::magic_mismatch);
  EXPECT_EQ(check_content("application/pdf", kPng), ContentCheck::magic_mismatch);
  EXPECT_EQ(check_content("image/jpeg", "\xFF\xD8"s), ContentCheck::magic_mismatch);  // truncated
  EXPECT_EQ(check_content("audio/wav", "RIFF\x24\0\0\0WEBP"s), ContentCheck::magic_mismatch);
  EXPECT_EQ(check_content("image/webp", kWav), ContentCheck::magic_mismatch);
  EXPECT_EQ(check_content("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "MZ\x90\0"s),
            ContentCheck::magic_mismatch);
  EXPECT_EQ(check_content("application/pdf", ""), ContentCheck::magic_mismatch);
}

TEST(AttachmentChecks, TextHasNoMagicButNoNulBytes) {
  EXPECT_EQ(check_content("text/plain", "市民来信：路灯不亮。\r\n"), ContentCheck::ok);
  EXPECT_EQ(check_content("message/rfc822", "From: a@b\r\nSubject: x\r\n\r\nhi"), ContentCheck::ok);
  EXPECT_EQ(check_content("text/plain", "MZ\x90\0\x03\0"s), ContentCheck::magic_mismatch);
  EXPECT_EQ(check_content("text/csv", "a,b\n1,\0"s), ContentCheck::magic_mismatch);
}

TEST(AttachmentChecks, OnlyAllowedTypes) {
  EXPECT_EQ(check_content("application/x-msdownload", "MZ\x90\0"s), ContentCheck::type_not_allowed);
  EXPECT_EQ(check_content("text/html", "<script>alert(1)</script>"), ContentCheck::type_not_allowed);
  EXPECT_EQ(check_content("image/svg+xml", "<svg/>"), ContentCheck::type_not_allowed);
  EXPECT_EQ(check_content("", kPng), ContentCheck::type_not_allowed);
  for (const auto& t : allowed_attachment_types()) {
    EXPECT_EQ(find_attachment_type(t.content_type), &t);
    EXPECT_FALSE(t.extensions.empty()) << t.content_type;
  }
}

TEST(AttachmentChecks, ContentTypesAreNormalised) {
  EXPECT_EQ(normalise_content_type("Image/PNG"), "image/png");
  EXPECT_EQ(normalise_content_type(" image/jpg ; q=1"), "image/jpeg");
  EXPECT_EQ(normalise_content_type("text/plain; charset=utf-8"), "text/plain");
  EXPECT_EQ(normalise_content_type("audio/x-wav"), "audio/wav");
  EXPECT_EQ(normalise_content_type("audio/mp3"), "audio/mpeg");
  EXPECT_EQ(normalise_content_type(""), "");
  EXPECT_EQ(normalise_content_type("  "), "");
  ASSERT_NE(type_from_extension("扫描件.PDF"), nullptr);
  EXPECT_EQ(type_from_extension("扫描件.PDF")->content_type, "application/pdf");
  EXPECT_EQ(type_from_extension("fax.tif")->content_type, "image/tiff");
  EXPECT_EQ(type_from_extension("evil.exe"), nullptr);
  EXPECT_EQ(type_from_extension("README"), nullptr);
  EXPECT_EQ(type_from_extension(".png"), nullptr);  // a hidden file's name, no extension
}

TEST(AttachmentNames, PathsControlsAndReservedCharactersGo) {
  EXPECT_EQ(sanitize_file_name("来信扫描件.pdf"), "来信扫描件.pdf");
  EXPECT_EQ(sanitize_file_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(sanitize_file_name("C:\\Users\\张三\\传真.tif"), "传真.tif");
  EXPECT_EQ(sanitize_file_name("a\r\nb\tc.txt"), "abc.txt");
  EXPECT_EQ(sanitize_file_name("what?<x>|\"y\":*.png"), "what__x___y___.png");
  EXPECT_EQ(sanitize_file_name("...hidden.png"), "hidden.png");
  EXPECT_EQ(sanitize_file_name("  name .pdf . "), "name .pdf");
  EXPECT_EQ(sanitize_file_name(""), "attachment");
  EXPECT_EQ(sanitize_file_name("../"), "attachment");
  EXPECT_EQ(sanitize_file_name("\x01\x02"), "attachment");
  // A right-to-left override that would show "invoice\u202Efdp.exe" as "invoiceexe.pdf".
  EXPECT_EQ(sanitize_file_name("invoice\u202Efdp.exe"), "invoicefdp.exe");
  EXPECT_EQ(sanitize_file_name("a\u200Bb\uFEFF.txt"), "ab.txt");
  // Invalid UTF-8 (a lone continuation byte, an overlong '/', a truncated sequence).
  EXPECT_EQ(sanitize_file_name("x\x80y.txt"), "x_y.txt");
  EXPECT_EQ(sanitize_file_name("x\xC0\xAFy.txt"), "x__y.txt");
  EXPECT_EQ(sanitize_file_name("name\xE5\x90"), "name__");
}

TEST(AttachmentNames, LongNamesAreCutOnACharacterBoundaryKeepingTheExtension) {
  std::string chinese;
  for (int i = 0; i < 100; ++i) chinese += "长";  // 300 bytes
  auto cut = sanitize_file_name(chinese + ".pdf");
  EXPECT_LE(cut.size(), 180u);
  EXPECT_GE(cut.size(), 177u);
  EXPECT_EQ(cut.substr(cut.size() - 4), ".pdf");
  EXPECT_EQ((cut.size() - 4) % 3, 0u);  // whole characters only
  EXPECT_EQ(sanitize_file_name(std::string(400, 'a')).size(), 180u);
}

TEST(AttachmentNames, TheExtensionFollowsTheType) {
  const auto& png = *find_attachment_type("image/png");
  const auto& jpeg = *find_attachment_type("image/jpeg");
  EXPECT_EQ(stored_file_name("scan.png", png), "scan.png");
  EXPECT_EQ(stored_file_name("scan.PNG", png), "scan.PNG");
  EXPECT_EQ(stored_file_name("photo.jpeg", jpeg), "photo.jpeg");
  EXPECT_EQ(stored_file_name("scan.exe", png), "scan.exe.png");
  EXPECT_EQ(stored_file_name("scan", png), "scan.png");
  EXPECT_EQ(stored_file_name("", png), "attachment.png");
}

TEST(AttachmentNames, Sha256IsTheStandardDigest) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

struct AttachmentFilesTest : ::testing::Test {
  AttachmentFilesTest() {
    char pattern[] = "/tmp/hotline-attach-XXXXXX";
    dir = mkdtemp(pattern);
  }
  ~AttachmentFilesTest() override { fs::remove_all(dir); }
  fs::path dir;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST_F(AttachmentFilesTest, FilesAreContentAddressedAndWrittenOnce) {
  AttachmentFiles files(dir / "attachments");
  auto stored = files.put(kPdf);
  EXPECT_TRUE(stored.written);
  EXPECT_EQ(stored.sha256, sha256_hex(kPdf));
  EXPECT_EQ(stored.size, kPdf.size());
  auto path = dir / "attachments" / stored.sha256.substr(0, 2) / stored.sha256;
  EXPECT_EQ(files.path_of(stored.sha256), path);
  EXPECT_EQ(read_file(path), kPdf);
  EXPECT_EQ(files.size_of(stored.sha256), kPdf.size());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);

  auto again = files.put(kPdf);
  EXPECT_FALSE(again.written);
  EXPECT_EQ(again.sha256, stored.sha256);
  // No temporary file is left behind.
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(path.parent_path())) {
    ++entries;
    EXPECT_EQ(e.path().filename(), stored.sha256);
  }
  EXPECT_EQ(entries, 1u);
}

TEST_F(AttachmentFilesTest, ADamagedFileIsRewritten) {
  AttachmentFiles files(dir);
  auto stored = files.put(kPng);
  std::ofstream(files.path_of(stored.sha256), std::ios::binary | std::ios::trunc) << "x";
  EXPECT_EQ(files.size_of(stored.sha256), 1u);
  EXPECT_TRUE(files.put(kPng).written);
  EXPECT_EQ(read_file(files.path_of(stored.sha256)), kPng);
}

TEST_F(AttachmentFilesTest, OnlyHashesNamePaths) {
  AttachmentFiles files(dir);
  EXPECT_EQ(error_code_of([&] { files.path_of("../../etc/passwd"); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { files.path_of(std::string(64, 'A')); }), Errc::invalid_argument);
  EXPECT_EQ(files.size_of(std::string(64, 'a')), std::nullopt);
}

TEST_F(AttachmentFilesTest, AnUnwritableFolderIsAnError) {
  fs::create_directories(dir / "ro");
  fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  AttachmentFiles files(dir / "ro");
  if (::access((dir / "ro").c_str(), W_OK) == 0) GTEST_SKIP() << "running as root: permissions are not enforced";
  EXPECT_EQ(error_code_of([&] { files.put(kPng); }), Errc::internal);
}

struct AttachmentRows : TicketDb {
  NewAttachment sample_attachment(std::int64_t ticket_id, const std::string& bytes = kPdf) {
    NewAttachment a;
    a.ticket_id = ticket_id;
    a.name = "来信.pdf";
    a.content_type = "application/pdf";
    a.size = static_cast<std::int64_t>(bytes.size());
    a.sha256 = sha256_hex(bytes);
    return a;
  }
};

TEST_F(AttachmentRows, AddingWritesARowAndAHistoryLineButKeepsTheVersion) {
  auto t = create(sample());
  auto at = cst(2026, 11, 28, 10, 0);
  auto a = add_attachment(*db, sample_attachment(t.id), agent, at);
  EXPECT_GT(a.id, 0);
  EXPECT_EQ(a.ticket_id, t.id);
  EXPECT_EQ(a.name, "来信.pdf");
  EXPECT_EQ(a.kind, AttachmentKind::file);
  EXPECT_EQ(a.uploaded_by, 1);
  EXPECT_EQ(a.uploaded_by_job, "1001");
  EXPECT_EQ(a.uploader_name, "张三");
  EXPECT_EQ(a.uploaded_at, at);
  EXPECT_FALSE(a.deleted_at);
  EXPECT_EQ(get_ticket(*db, t.id)->version, t.version);
  auto history = history_of(*db, t.id);
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back().action, "attachment_added");
  EXPECT_EQ(history.back().actor.name, "1001");
  auto changes = nlohmann::json::parse(history.back().changes);
  EXPECT_EQ(changes["attachment"], a.id);
  EXPECT_EQ(changes["sha256"], a.sha256);
  EXPECT_EQ(changes["size"], kPdf.size());

  auto reply = sample_attachment(t.id, kPng);
  reply.name = "现场照片.png";
  reply.content_type = "image/png";
  reply.kind = AttachmentKind::reply;
  add_attachment(*db, reply, agent, at + 1000);
  auto list = attachments_of(*db, t.id);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, a.id);
  EXPECT_EQ(list[1].kind, AttachmentKind::reply);
  EXPECT_EQ(list[1].size, static_cast<std::int64_t>(kPng.size()));
}

TEST_F(AttachmentRows, BadRowsAndTicketsAreRefused) {
  auto t = create(sample());
  EXPECT_EQ(error_code_of([&] { add_attachment(*db, sample_attachment(9999), agent, 1); }), Errc::not_found);
  auto empty = sample_attachment(t.id);
  empty.size = 0;
  EXPECT_EQ(error_code_of([&] { add_attachment(*db, empty, agent, 1); }), Errc::invalid_argument);
  auto exe = sample_attachment(t.id);
  exe.content_type = "application/x-msdownload";
  EXPECT_EQ(error_code_of([&] { add_attachment(*db, exe, agent, 1); }), Errc::invalid_argument);
  auto bad_hash = sample_attachment(t.id);
  bad_hash.sha256 = "../x";
  EXPECT_EQ(error_code_of([&] { add_attachment(*db, bad_hash, agent, 1); }), Errc::invalid_argument);
  db->query("UPDATE tickets SET state = 'archived' WHERE id = ?", t.id).run();
  EXPECT_EQ(error_code_of([&] { add_attachment(*db, sample_attachment(t.id), agent, 1); }), Errc::conflict);
  EXPECT_TRUE(attachments_of(*db, t.id, true).empty());
}

TEST_F(AttachmentRows, SoftDeleteByTheUploaderOrAnAdmin) {
  db->exec(
      "INSERT INTO users (id, job_number, display_name, password_hash, password_changed_at, created_at, updated_at) "
      "VALUES (2, '2002', '李四', 'x', 0, 0, 0)");
  auto t = create(sample());
  auto a = add_attachment(*db, sample_attachment(t.id), agent, 1000);
  Actor other{2, "2002"};
  EXPECT_EQ(error_code_of([&] { delete_attachment(*db, t.id, a.id, other, false, 2000); }), Errc::forbidden);
  EXPECT_EQ(error_code_of([&] { delete_attachment(*db, t.id + 1, a.id, agent, false, 2000); }), Errc::not_found);

  auto removed = delete_attachment(*db, t.id, a.id, agent, false, 3000);
  EXPECT_EQ(removed.deleted_at, 3000);
  EXPECT_EQ(removed.deleted_by_job, "1001");
  EXPECT_TRUE(attachments_of(*db, t.id).empty());
  auto all = attachments_of(*db, t.id, true);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].deleted_at, 3000);
  EXPECT_EQ(find_attachment(*db, t.id, a.id)->sha256, a.sha256);  // the row stays
  EXPECT_EQ(error_code_of([&] { delete_attachment(*db, t.id, a.id, agent, false, 4000); }), Errc::not_found);
  EXPECT_EQ(history_of(*db, t.id).back().action, "attachment_deleted");

  auto b = add_attachment(*db, sample_attachment(t.id), agent, 5000);
  auto by_admin = delete_attachment(*db, t.id, b.id, other, true, 6000);
  EXPECT_EQ(by_admin.deleted_by_job, "2002");
}

}  // namespace
}  // namespace tickets_test
