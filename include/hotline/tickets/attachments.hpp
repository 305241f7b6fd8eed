#pragma once
// Ticket attachments (D2, D3; issue 8): scanned letters, faxes and recordings
// filed at the entry desk, files of a department's reply.
//
// The bytes are content-addressed: DATA_DIR/attachments/<first two hex
// digits>/<sha256>, written to a temporary file, fsync'd, renamed, and the
// folder fsync'd. Rows of `ticket_attachments` (migration 0015) hold the
// metadata and never a path. A delete is soft (deleted_at); the file stays,
// since another row may share it and the history must stay checkable.
//
// Below the API: no HTTP here. The checks (allowlist of content types, magic
// bytes, file names) are pure functions so that they can be tested alone.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hotline/store/database.hpp"
#include "hotline/tickets/types.hpp"

namespace hotline::tickets {

enum class AttachmentKind { file, reply };  // file: any attachment; reply: part of a unit's 答复
std::string_view to_string(AttachmentKind kind);
std::optional<AttachmentKind> parse_attachment_kind(std::string_view text);

// One allowed content type, the extensions that go with it, and whether the
// file's first bytes identify it (text has no magic number).
struct AttachmentType {
  std::string_view content_type;  // canonical, lower case
  std::vector<std::string_view> extensions;  // lower case, without the dot; the first is the canonical one
  bool has_magic = true;
};
const std::vector<AttachmentType>& allowed_attachment_types();

// "Image/JPG; charset=x" -> "image/jpeg": lower case, parameters dropped,
// common aliases mapped to the canonical type. Empty input: empty output.
std::string normalise_content_type(std::string_view header);
// The allowed type of a canonical content type; nullptr when not allowed.
const AttachmentType* find_attachment_type(std::string_view content_type);
// The allowed type a file name's extension implies (browsers send no type for
// some files); nullptr when none.
const AttachmentType* type_from_extension(std::string_view file_name);

enum class ContentCheck {
  ok,
  type_not_allowed,  // not on the allowlist
  magic_mismatch,    // the bytes are not what the type says (or text with NUL bytes / binary magic)
};
std::string_view to_string(ContentCheck check);
ContentCheck check_content(std::string_view content_type, std::string_view bytes);

// A file name safe to store and to send back: the last path component only,
// no control, bidi-override or reserved characters (<>:"/\|?*), invalid UTF-8
// replaced, no leading dots or blanks, at most 180 bytes (cut at a character
// boundary, the extension kept); "attachment" when nothing is left.
std::string sanitize_file_name(std::string_view raw);
// The sanitized name with the type's canonical extension appended when its own
// extension does not belong to the type ("scan.exe" as image/png -> "scan.exe.png").
std::string stored_file_name(std::string_view raw, const AttachmentType& type);

std::string sha256_hex(std::string_view bytes);

// The folder of attachment files. Stateless apart from its root: cheap to
// build where needed. Its methods do blocking file I/O: call them off the
// io_context threads (the API runs them on its CPU pool).
class AttachmentFiles {
 public:
  explicit AttachmentFiles(std::filesystem::path root) : root_(std::move(root)) {}

  struct Stored {
    std::string sha256;
    std::uint64_t size = 0;
    bool written = false;  // false: the same bytes were already there
  };
  // Writes the bytes under their sha256 unless a file of that name and size
  // exists. Error(internal) on an I/O failure (the temporary file is removed).
  Stored put(std::string_view bytes) const;
  // Where the file of a sha256 lives; Error(invalid_argument) unless 64 hex digits.
  std::filesystem::path path_of(std::string_view sha256) const;
  // The file's size, or nullopt when it is missing.
  std::optional<std::uint64_t> size_of(std::string_view sha256) const;
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

struct Attachment {
  std::int64_t id = 0;
  std::int64_t ticket_id = 0;
  std::string name;
  std::string content_type;
  std::int64_t size = 0;
  std::string sha256;
  AttachmentKind kind = AttachmentKind::file;
  std::optional<std::int64_t> uploaded_by;  // user id
  std::string uploaded_by_job;              // job number
  std::string uploader_name;                // display name, '' when the user is gone
  std::int64_t uploaded_at = 0;
  std::optional<std::int64_t> deleted_at;
  std::string deleted_by_job;
};

struct NewAttachment {
  std::int64_t ticket_id = 0;
  std::string name;  // already sanitized
  std::string content_type;
  std::int64_t size = 0;
  std::string sha256;
  AttachmentKind kind = AttachmentKind::file;
};

// Inserts the row and a history line ("attachment_added"). Error(not_found)
// for an unknown ticket, Error(conflict) for an archived or merged one.
Attachment add_attachment(store::Database& db, const NewAttachment& a, const Actor& actor, std::int64_t now);
// A ticket's attachments, oldest first; deleted ones only when asked.
std::vector<Attachment> attachments_of(store::Database& db, std::int64_t ticket_id, bool include_deleted = false);
std::optional<Attachment> find_attachment(store::Database& db, std::int64_t ticket_id, std::int64_t attachment_id);
// Soft delete with a history line ("attachment_deleted"). Only the uploader,
// or anyone when may_delete_any (admins): else Error(forbidden). Error(not_found)
// for an unknown or already deleted attachment.
Attachment delete_attachment(store::Database& db, std::int64_t ticket_id, std::int64_t attachment_id,
                             const Actor& actor, bool may_delete_any, std::int64_t now);

}  // namespace hotline::tickets
