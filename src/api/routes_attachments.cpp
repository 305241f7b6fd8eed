// Ticket attachments (D2, D3; issue 8): upload (the raw file as the body,
// ?name= for its name), list, download, soft delete. See docs/api.md
// "Ticket attachments".
//
// Who: whoever may see the ticket lists and downloads (department staff only
// their unit's tickets, require_visible); uploading and deleting also need a
// permission that acts on tickets (tickets.create: entry clerks, agents,
// supervisors; tickets.process; tickets.department: a unit's staff, on the
// tickets they see). Deleting: the uploader, or an admin.
//
// Where the blocking work runs (never on the io threads): the upload is
// hashed and written (temporary file, fsync, rename, fsync of the folder) on
// the CPU pool, as prompt uploads are; the row, the ticket's history line and
// the audit row are one store write job; a download's file check (stat) runs
// in its store read job, and the server streams the file in 64 KiB reads, one
// per socket write, exactly as it streams recordings' audio.
#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>

#include "hotline/api/api.hpp"
#include "hotline/auth/audit.hpp"
#include "hotline/core/async.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/tickets/attachments.hpp"
#include "json_body.hpp"
#include "ticket_views.hpp"
#include "views.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using nlohmann::json;
using namespace hotline::tickets;

namespace {

// Bodies up to this much above tickets.attachment_max_bytes are still read,
// so that a slightly too large file gets the route's JSON 413 answer rather
// than a cut connection.
constexpr std::size_t kBodySlack = 1024 * 1024;
constexpr const char* kUploadPattern = "/api/v1/tickets/{id}/attachments";

bool may_attach(const auth::Principal& p) {
  return auth::roles_have(p.roles, Permission::tickets_create) ||
         auth::roles_have(p.roles, Permission::tickets_process) ||
         auth::roles_have(p.roles, Permission::tickets_department);
}

void require_may_attach(const auth::Principal& p) {
  if (!may_attach(p))
    throw Error(Errc::forbidden, "attaching files needs tickets.create, tickets.process or tickets.department");
}

bool is_admin(const auth::Principal& p) { return p.roles.count(auth::Role::admin) > 0; }

Actor actor_of(const auth::Principal& p) { return {p.user_id, p.job_number}; }

HttpResponse refusal(int status, std::string_view code, std::string_view reason, const std::string& message) {
  return HttpResponse::json(status, {{"error", {{"code", code}, {"reason", reason}, {"message", message}}}});
}

json attachment_view(const Attachment& a, const auth::Principal& viewer) {
  bool deletable = !a.deleted_at && may_attach(viewer) && (is_admin(viewer) || a.uploaded_by == viewer.user_id);
  return {{"id", a.id},
          {"ticket_id", a.ticket_id},
          {"name", a.name},
          {"content_type", a.content_type},
          {"size", a.size},
          {"sha256", a.sha256},
          {"kind", std::string(to_string(a.kind))},
          {"uploaded_by",
           {{"id", a.uploaded_by ? json(*a.uploaded_by) : json(nullptr)},
            {"job_number", a.uploaded_by_job},
            {"name", a.uploader_name}}},
          {"uploaded_at", format_utc(a.uploaded_at)},
          {"uploaded_at_ms", a.uploaded_at},
          {"deleted_at", optional_time(a.deleted_at)},
          {"deleted_by", a.deleted_at ? json(a.deleted_by_job) : json(nullptr)},
          {"download_url",
           "/api/v1/tickets/" + std::to_string(a.ticket_id) + "/attachments/" + std::to_string(a.id)},
          {"can_delete", deletable}};
}

// RFC 6266 with RFC 5987: an ASCII fallback for old clients, then the UTF-8
// name percent-encoded (Chinese names survive every current browser).
std::string content_disposition(const std::string& name) {
  std::string fallback, encoded;
  static constexpr char hex[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    bool attr_char = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    if (attr_char) {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += hex[c >> 4];
      encoded += hex[c & 0x0F];
    }
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '%') {
      fallback += static_cast<char>(c);
    } else if ((c & 0xC0) != 0x80) {
      fallback += '_';  // one per character, not per byte
    }
  }
  return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + encoded;
}

// The ticket, checked visible to the viewer (404 otherwise), in a read job.
void require_visible_ticket(store::Database& db, const TicketViewer& viewer, std::int64_t id) {
  auto t = get_ticket(db, id);
  if (!t) throw Error(Errc::not_found, "no ticket " + std::to_string(id));
  require_visible(viewer, *t);
}

// {aid} is parsed inside the jobs, after the ticket's visibility check, so
// that another unit's ticket gives 404 whatever the rest of the path says.
std::int64_t attachment_id(const std::string& text) {
  HttpRequest only;
  only.params["aid"] = text;
  return id_param(only, "aid");
}

struct Download {
  Attachment attachment;
  std::optional<std::uint64_t> file_size;
  std::string file_path;
};

}  // namespace

void add_attachment_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  router.add(
      "POST", kUploadPattern, Permission::tickets_read,
      "Attach a file (raw body, its Content-Type, ?name=, ?kind=file|reply); also needs tickets.create, "
      "tickets.process or tickets.department. Audited.",
      [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
        services(ctx);
        const auto& principal = *request.principal;
        require_may_attach(principal);
        auto id = id_param(request);
        auto kind = AttachmentKind::file;
        if (auto k = string_query(request, "kind")) {
          auto parsed = parse_attachment_kind(*k);
          if (!parsed) throw Error(Errc::invalid_argument, "kind: file or reply");
          kind = *parsed;
        }
        if (kind == AttachmentKind::reply && !auth::roles_have(principal.roles, Permission::tickets_department))
          throw Error(Errc::forbidden, "reply attachments are a unit's: this needs tickets.department");
        auto viewer = viewer_of(principal);
        auto check = [viewer, id](store::Database& db) { require_visible_ticket(db, viewer, id); };
        co_await ctx.store.read(std::move(check), use_awaitable);

        std::size_t max = ctx.config.tickets.attachment_max_bytes;
        if (request.body.empty()) throw Error(Errc::invalid_argument, "the body must be the file (it is empty)");
        if (request.body.size() > max) {
          co_return refusal(413, "too_large", "too_large",
                            "the file is " + std::to_string(request.body.size()) + " bytes; at most " +
                                std::to_string(max) + " are allowed (tickets.attachment_max_bytes)");
        }
        auto raw_name = string_query(request, "name").value_or("attachment");
        auto content_type = normalise_content_type(request.content_type);
        const AttachmentType* type = nullptr;
        if (content_type.empty() || content_type == "application/octet-stream") {
          type = type_from_extension(sanitize_file_name(raw_name));
          if (!type)
            co_return refusal(415, "unsupported_media_type", "type_not_allowed",
                              "send the file's Content-Type (or a name with a known extension)");
          content_type = std::string(type->content_type);
        }
        switch (check_content(content_type, request.body)) {
          case ContentCheck::ok:
            break;
          case ContentCheck::type_not_allowed:
            co_return refusal(415, "unsupported_media_type", "type_not_allowed",
                              "files of type " + content_type + " cannot be attached");
          case ContentCheck::magic_mismatch:
            co_return refusal(415, "unsupported_media_type", "magic_mismatch",
                              "the file's contents are not " + content_type);
        }
        if (!type) type = find_attachment_type(content_type);
        NewAttachment a;
        a.ticket_id = id;
        a.name = stored_file_name(raw_name, *type);
        a.content_type = content_type;
        a.size = static_cast<std::int64_t>(request.body.size());
        a.kind = kind;

        auto bytes = std::make_shared<std::string>(std::move(request.body));
        auto files = std::make_shared<AttachmentFiles>(ctx.config.attachments_path());
        auto write_file = [files, bytes](CpuContext&) { return files->put(*bytes); };
        auto stored = co_await run_on(ctx.cpu, std::move(write_file), use_awaitable);
        a.sha256 = stored.sha256;

        auto actor = actor_of(principal);
        json detail = {{"ticket_id", id},        {"name", a.name},          {"kind", std::string(to_string(kind))},
                       {"size", a.size},         {"sha256", a.sha256},      {"content_type", a.content_type},
                       {"new_file", stored.written}};
        auto entry = audit_by(principal, "ticket.attachment.upload", std::to_string(id), detail, request.remote_ip);
        auto insert = [a, actor, entry](store::Database& db) {
          auto added = add_attachment(db, a, actor, now_ms());
          auth::append_audit(db, entry);
          return added;
        };
        auto added = co_await ctx.store.write(std::move(insert), use_awaitable);
        co_return HttpResponse::json(201, attachment_view(added, principal));
      });
  router.limit_body("POST", kUploadPattern,
                    std::max(ctx.config.http.max_body_bytes, ctx.config.tickets.attachment_max_bytes + kBodySlack));

  router.add("GET", kUploadPattern, Permission::tickets_read,
             "A ticket's attachments, oldest first (?include_deleted=1 for the deleted ones too)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               services(ctx);
               auto id = id_param(request);
               auto viewer = viewer_of(*request.principal);
               auto deleted = string_query(request, "include_deleted");
               bool include_deleted = deleted && (*deleted == "1" || *deleted == "true");
               auto list = [viewer, id, include_deleted](store::Database& db) {
                 require_visible_ticket(db, viewer, id);
                 return attachments_of(db, id, include_deleted);
               };
               auto rows = co_await ctx.store.read(std::move(list), use_awaitable);
               json items = json::array();
               for (const auto& a : rows) items.push_back(attachment_view(a, *request.principal));
               co_return HttpResponse::json(
                   200, {{"items", items},
                         {"max_bytes", ctx.config.tickets.attachment_max_bytes},
                         {"can_upload", may_attach(*request.principal)}});
             });

  router.add(
      "GET", "/api/v1/tickets/{id}/attachments/{aid}", Permission::tickets_read,
      "Download an attachment (Content-Disposition with its UTF-8 name). Audited.",
      [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
        services(ctx);
        auto id = id_param(request);
        auto viewer = viewer_of(*request.principal);
        auto root = ctx.config.attachments_path();
        auto load = [viewer, id, aid_text = request.params["aid"], root](store::Database& db) {
          require_visible_ticket(db, viewer, id);
          auto aid = attachment_id(aid_text);
          auto found = find_attachment(db, id, aid);
          if (!found) throw Error(Errc::not_found, "no attachment " + std::to_string(aid));
          AttachmentFiles files(root);
          Download d{*found, files.size_of(found->sha256), files.path_of(found->sha256).string()};
          return d;
        };
        auto d = co_await ctx.store.read(std::move(load), use_awaitable);
        const auto& a = d.attachment;
        if (a.deleted_at) co_return HttpResponse::error(410, "gone", "the attachment was deleted");
        if (!d.file_size || *d.file_size != static_cast<std::uint64_t>(a.size)) {
          spdlog::error("event=attachment.file_missing ticket={} attachment={} sha256={}", id, a.id, a.sha256);
          co_return HttpResponse::error(500, "internal", "the attachment's file is missing or damaged");
        }
        if (request.method != "HEAD") {
          json detail = {{"ticket_id", id}, {"name", a.name}, {"size", a.size}, {"sha256", a.sha256}};
          auto entry = audit_by(*request.principal, "ticket.attachment.download", std::to_string(a.id), detail,
                                request.remote_ip);
          auto append = [entry](store::Database& db) { auth::append_audit(db, entry); };
          co_await ctx.store.write(std::move(append), use_awaitable);
        }
        HttpResponse out;
        out.content_type = a.content_type;
        out.file_path = d.file_path;
        out.file_offset = 0;
        out.file_length = a.size;
        out.headers.emplace_back("Content-Disposition", content_disposition(a.name));
        out.headers.emplace_back("Cache-Control", "private, no-store");
        // A file opened from the API origin runs nothing: no scripts, no plugins.
        out.headers.emplace_back("Content-Security-Policy", "sandbox; default-src 'none'");
        co_return out;
      });

  router.add("DELETE", "/api/v1/tickets/{id}/attachments/{aid}", Permission::tickets_read,
             "Delete an attachment (soft: the uploader or an admin; needs the upload permissions). Audited.",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               services(ctx);
               const auto& principal = *request.principal;
               require_may_attach(principal);
               auto id = id_param(request);
               auto viewer = viewer_of(principal);
               auto actor = actor_of(principal);
               bool admin = is_admin(principal);
               auto entry = audit_by(principal, "ticket.attachment.delete", "", nullptr, request.remote_ip);
               auto remove = [viewer, id, aid_text = request.params["aid"], actor, admin, entry](store::Database& db) {
                 require_visible_ticket(db, viewer, id);
                 auto aid = attachment_id(aid_text);
                 auto removed = delete_attachment(db, id, aid, actor, admin, now_ms());
                 auto e = entry;
                 e.target = std::to_string(aid);
                 e.detail = json{{"ticket_id", id}, {"name", removed.name}, {"sha256", removed.sha256}}.dump();
                 auth::append_audit(db, e);
                 return removed;
               };
               auto removed = co_await ctx.store.write(std::move(remove), use_awaitable);
               co_return HttpResponse::json(200, attachment_view(removed, principal));
             });
}

}  // namespace hotline::api
