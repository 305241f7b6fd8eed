#include "hotline/tickets/attachments.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "hotline/core/error.hpp"
#include "rows.hpp"

namespace hotline::tickets {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using store::Database;

constexpr std::size_t kMaxNameBytes = 180;
constexpr std::size_t kMaxExtensionBytes = 16;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

bool starts_with(std::string_view bytes, std::string_view magic, std::size_t at = 0) {
  return bytes.size() >= at + magic.size() && bytes.substr(at, magic.size()) == magic;
}

using namespace std::string_view_literals;
const auto kZip = "PK\x03\x04"sv;
const auto kOle = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"sv;

bool magic_matches(std::string_view type, std::string_view b) {
  if (type == "application/pdf") return starts_with(b, "%PDF-");
  if (type == "image/jpeg") return starts_with(b, "\xFF\xD8\xFF"sv);
  if (type == "image/png") return starts_with(b, "\x89PNG\r\n\x1A\n"sv);
  if (type == "image/gif") return starts_with(b, "GIF87a") || starts_with(b, "GIF89a");
  if (type == "image/webp") return starts_with(b, "RIFF") && starts_with(b, "WEBP", 8);
  if (type == "image/tiff") return starts_with(b, "II*\0"sv) || starts_with(b, "MM\0*"sv);
  if (type == "image/bmp") return starts_with(b, "BM") && b.size() >= 26;
  if (type == "audio/wav") return starts_with(b, "RIFF") && starts_with(b, "WAVE", 8);
  if (type == "audio/mpeg") {
    if (starts_with(b, "ID3")) return true;
    // An MPEG audio frame header: 11 sync bits.
    return b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFF && (static_cast<unsigned char>(b[1]) & 0xE0) == 0xE0;
  }
  if (type == "audio/amr") return starts_with(b, "#!AMR");
  if (type == "audio/mp4") return starts_with(b, "ftyp", 4);
  if (type == "application/msword" || type == "application/vnd.ms-excel") return starts_with(b, kOle);
  // The OOXML formats and OFD (GB/T 33190) are ZIP containers.
  return starts_with(b, kZip);
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when invalid
// (overlong, surrogate, beyond U+10FFFF, truncated).
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// Characters that must not reach a file name: controls (C0, C1), the bidi
// overrides and isolates that disguise an extension ("txt.exe" shown as
// "exe.txt"), zero-width characters and the byte-order mark.
bool invisible_or_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

// The longest prefix of s no longer than max bytes that ends on a character boundary.
std::string_view utf8_prefix(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

std::string trim_name(std::string s) {
  std::size_t first = s.find_first_not_of(". ");
  if (first == std::string::npos) return {};
  s.erase(0, first);
  while (!s.empty() && (s.back() == ' ' || s.back() == '.')) s.pop_back();
  return s;
}

std::string extension_of(std::string_view name) {
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return {};
  return lower(name.substr(dot + 1));
}

void write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(Errc::internal, "attachments: cannot write " + path.string() + ": " + std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void fsync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw Error(Errc::internal, "attachments: cannot open " + dir.string() + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) throw Error(Errc::internal, "attachments: cannot sync " + dir.string() + ": " + std::strerror(saved));
}

constexpr const char* kAttachmentSelect =
    "SELECT a.id, a.ticket_id, a.name, a.content_type, a.size, a.sha256, a.kind, a.uploaded_by, a.uploaded_by_job, "
    "COALESCE(u.display_name, ''), a.uploaded_at, a.deleted_at, COALESCE(a.deleted_by_job, '') "
    "FROM ticket_attachments a LEFT JOIN users u ON u.id = a.uploaded_by ";

Attachment read_attachment(store::Statement& s) {
  Attachment a;
  a.id = s.int64(0);
  a.ticket_id = s.int64(1);
  a.name = s.text(2);
  a.content_type = s.text(3);
  a.size = s.int64(4);
  a.sha256 = s.text(5);
  a.kind = parse_attachment_kind(s.text(6)).value_or(AttachmentKind::file);
  a.uploaded_by = s.optional_int64(7);
  a.uploaded_by_job = s.text(8);
  a.uploader_name = s.text(9);
  a.uploaded_at = s.int64(10);
  a.deleted_at = s.optional_int64(11);
  a.deleted_by_job = s.text(12);
  return a;
}

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::string_view to_string(AttachmentKind kind) { return kind == AttachmentKind::reply ? "reply" : "file"; }

std::optional<AttachmentKind> parse_attachment_kind(std::string_view text) {
  if (text == "file") return AttachmentKind::file;
  if (text == "reply") return AttachmentKind::reply;
  return std::nullopt;
}

const std::vector<AttachmentType>& allowed_attachment_types() {
  static const std::vector<AttachmentType> types = {
      {"application/pdf", {"pdf"}},
      {"image/jpeg", {"jpg", "jpeg", "jpe"}},
      {"image/png", {"png"}},
      {"image/gif", {"gif"}},
      {"image/webp", {"webp"}},
      {"image/tiff", {"tif", "tiff"}},  // faxes
      {"image/bmp", {"bmp"}},
      {"audio/wav", {"wav"}},  // IVR messages, recordings
      {"audio/mpeg", {"mp3"}},
      {"audio/amr", {"amr"}},
      {"audio/mp4", {"m4a"}},
      {"text/plain", {"txt", "log"}, false},
      {"text/csv", {"csv"}, false},
      {"message/rfc822", {"eml"}, false},  // e-mails
      {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", {"docx"}},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {"xlsx"}},
      {"application/vnd.openxmlformats-officedocument.presentationml.presentation", {"pptx"}},
      {"application/msword", {"doc"}},
      {"application/vnd.ms-excel", {"xls"}},
      {"application/ofd", {"ofd"}},  // GB/T 33190 electronic documents
  };
  return types;
}

std::string normalise_content_type(std::string_view header) {
  auto semicolon = header.find(';');
  std::string type = lower(header.substr(0, semicolon));
  auto first = type.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  type = type.substr(first, type.find_last_not_of(" \t") - first + 1);
  static const std::pair<std::string_view, std::string_view> aliases[] = {
      {"image/jpg", "image/jpeg"},   {"image/pjpeg", "image/jpeg"},  {"image/x-png", "image/png"},
      {"image/x-ms-bmp", "image/bmp"}, {"audio/x-wav", "audio/wav"}, {"audio/wave", "audio/wav"},
      {"audio/vnd.wave", "audio/wav"}, {"audio/mp3", "audio/mpeg"},  {"audio/x-mp3", "audio/mpeg"},
      {"audio/mpeg3", "audio/mpeg"}, {"audio/x-m4a", "audio/mp4"},   {"application/x-pdf", "application/pdf"},
  };
  for (const auto& [alias, canonical] : aliases) {
    if (type == alias) return std::string(canonical);
  }
  return type;
}

const AttachmentType* find_attachment_type(std::string_view content_type) {
  for (const auto& t : allowed_attachment_types()) {
    if (t.content_type == content_type) return &t;
  }
  return nullptr;
}

const AttachmentType* type_from_extension(std::string_view file_name) {
  auto ext = extension_of(file_name);
  if (ext.empty()) return nullptr;
  for (const auto& t : allowed_attachment_types()) {
    if (std::find(t.extensions.begin(), t.extensions.end(), ext) != t.extensions.end()) return &t;
  }
  return nullptr;
}

std::string_view to_string(ContentCheck check) {
  switch (check) {
    case ContentCheck::ok:
      return "ok";
    case ContentCheck::type_not_allowed:
      return "type_not_allowed";
    case ContentCheck::magic_mismatch:
      return "magic_mismatch";
  }
  return "type_not_allowed";
}

ContentCheck check_content(std::string_view content_type, std::string_view bytes) {
  const auto* type = find_attachment_type(content_type);
  if (!type) return ContentCheck::type_not_allowed;
  if (!type->has_magic) {
    // Text: no NUL byte anywhere (binaries, UTF-16 and executables have them).
    return bytes.find('\0') == std::string_view::npos ? ContentCheck::ok : ContentCheck::magic_mismatch;
  }
  return magic_matches(type->content_type, bytes) ? ContentCheck::ok : ContentCheck::magic_mismatch;
}

std::string sanitize_file_name(std::string_view raw) {
  auto slash = raw.find_last_of("/\\");
  if (slash != std::string_view::npos) raw.remove_prefix(slash + 1);
  std::string clean;
  clean.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    char32_t cp = 0;
    std::size_t len = utf8_sequence(raw, i, cp);
    if (len == 0) {
      clean += '_';
      ++i;
      continue;
    }
    if (invisible_or_control(cp)) {
      // dropped
    } else if (cp < 0x80 && std::string_view("<>:\"|?*").find(static_cast<char>(cp)) != std::string_view::npos) {
      clean += '_';
    } else {
      clean.append(raw.substr(i, len));
    }
    i += len;
  }
  clean = trim_name(std::move(clean));
  if (clean.size() > kMaxNameBytes) {
    auto dot = clean.rfind('.');
    std::string ext = dot != std::string::npos && dot > 0 && clean.size() - dot <= kMaxExtensionBytes + 1
                          ? clean.substr(dot)
                          : std::string();
    std::string_view stem(clean.data(), clean.size() - ext.size());
    clean = std::string(utf8_prefix(stem, kMaxNameBytes - ext.size())) + ext;
    clean = trim_name(std::move(clean));
  }
  return clean.empty() ? std::string("attachment") : clean;
}

std::string stored_file_name(std::string_view raw, const AttachmentType& type) {
  std::string name = sanitize_file_name(raw);
  auto ext = extension_of(name);
  if (std::find(type.extensions.begin(), type.extensions.end(), ext) == type.extensions.end()) {
    // Appended piecewise: GCC 12's -O3 -Wrestrict misreads `"." + std::string(...)` (a false positive).
    name += '.';
    name += type.extensions.front();
  }
  return name;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex, crypto_hash_sha256_BYTES * 2);
}

fs::path AttachmentFiles::path_of(std::string_view sha256) const {
  if (!is_sha256_hex(sha256)) throw Error(Errc::invalid_argument, "attachments: not a sha256: " + std::string(sha256));
  return root_ / std::string(sha256.substr(0, 2)) / std::string(sha256);
}

std::optional<std::uint64_t> AttachmentFiles::size_of(std::string_view sha256) const {
  std::error_code ec;
  auto size = fs::file_size(path_of(sha256), ec);
  if (ec) return std::nullopt;
  return size;
}

AttachmentFiles::Stored AttachmentFiles::put(std::string_view bytes) const {
  Stored out{sha256_hex(bytes), bytes.size(), false};
  auto final_path = path_of(out.sha256);
  if (auto existing = size_of(out.sha256); existing && *existing == bytes.size()) return out;
  auto dir = final_path.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(Errc::internal, "attachments: cannot create " + dir.string() + ": " + ec.message());
  std::string temp = (dir / ".upload-XXXXXX").string();
  int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) throw Error(Errc::internal, "attachments: cannot create a file in " + dir.string() + ": " + std::strerror(errno));
  try {
    ::fchmod(fd, 0640);
    write_all(fd, bytes, temp);
    if (::fsync(fd) != 0) throw Error(Errc::internal, "attachments: cannot sync " + temp + ": " + std::strerror(errno));
    int rc = ::close(fd);
    fd = -1;
    if (rc != 0) throw Error(Errc::internal, "attachments: cannot close " + temp + ": " + std::strerror(errno));
    fs::rename(temp, final_path, ec);
    if (ec) throw Error(Errc::internal, "attachments: cannot rename to " + final_path.string() + ": " + ec.message());
    fsync_directory(dir);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  out.written = true;
  return out;
}

Attachment add_attachment(Database& db, const NewAttachment& a, const Actor& actor, std::int64_t now) {
  auto ticket = detail::require_ticket(db, a.ticket_id);
  if (ticket.state == State::archived || ticket.state == State::merged) {
    throw Error(Errc::conflict, "ticket " + std::to_string(a.ticket_id) + " is " + std::string(to_string(ticket.state)) +
                                    ": no more attachments");
  }
  if (a.name.empty() || a.name.size() > 255) throw Error(Errc::invalid_argument, "name: must be 1 to 255 bytes");
  if (a.size <= 0) throw Error(Errc::invalid_argument, "an attachment cannot be empty");
  if (!is_sha256_hex(a.sha256)) throw Error(Errc::invalid_argument, "sha256: must be 64 lower-case hex digits");
  if (!find_attachment_type(a.content_type))
    throw Error(Errc::invalid_argument, "content_type: not allowed: " + a.content_type);
  db.query(
        "INSERT INTO ticket_attachments (ticket_id, name, content_type, size, sha256, kind, uploaded_by, "
        "uploaded_by_job, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        a.ticket_id, a.name, a.content_type, a.size, a.sha256, to_string(a.kind), actor.user_id, actor.name, now)
      .run();
  auto id = db.last_insert_id();
  // The ticket's version is left alone: an attachment is no edit of its
  // content, and a unit attaching files to its reply must not make the reply
  // it is writing conflict.
  detail::append_history(db, a.ticket_id, now, actor, "attachment_added", std::nullopt, std::nullopt, "",
                         json{{"attachment", id},
                              {"name", a.name},
                              {"kind", std::string(to_string(a.kind))},
                              {"content_type", a.content_type},
                              {"size", a.size},
                              {"sha256", a.sha256}});
  auto added = find_attachment(db, a.ticket_id, id);
  if (!added) throw Error(Errc::internal, "attachment " + std::to_string(id) + " vanished");
  return *added;
}

std::vector<Attachment> attachments_of(Database& db, std::int64_t ticket_id, bool include_deleted) {
  std::vector<Attachment> out;
  auto& s = db.query(std::string(kAttachmentSelect) + "WHERE a.ticket_id = ? AND (? OR a.deleted_at IS NULL) ORDER BY a.id",
                     ticket_id, include_deleted);
  while (s.step()) out.push_back(read_attachment(s));
  return out;
}

std::optional<Attachment> find_attachment(Database& db, std::int64_t ticket_id, std::int64_t attachment_id) {
  auto& s = db.query(std::string(kAttachmentSelect) + "WHERE a.ticket_id = ? AND a.id = ?", ticket_id, attachment_id);
  if (!s.step()) return std::nullopt;
  auto a = read_attachment(s);
  s.run();
  return a;
}

Attachment delete_attachment(Database& db, std::int64_t ticket_id, std::int64_t attachment_id, const Actor& actor,
                             bool may_delete_any, std::int64_t now) {
  auto a = find_attachment(db, ticket_id, attachment_id);
  if (!a || a->deleted_at) throw Error(Errc::not_found, "no attachment " + std::to_string(attachment_id));
  if (!may_delete_any && (!actor.user_id || a->uploaded_by != actor.user_id))
    throw Error(Errc::forbidden, "only the uploader or an admin may delete an attachment");
  db.query("UPDATE ticket_attachments SET deleted_at = ?, deleted_by_job = ? WHERE id = ?", now, actor.name,
           attachment_id)
      .run();
  detail::append_history(db, ticket_id, now, actor, "attachment_deleted", std::nullopt, std::nullopt, "",
                         json{{"attachment", attachment_id}, {"name", a->name}, {"sha256", a->sha256}});
  a->deleted_at = now;
  a->deleted_by_job = actor.name;
  return *a;
}

}  // namespace hotline::tickets
