// Call recordings (search, metadata, audio with Range requests) and the
// prompts that replace TTS. Every audio answer is audited (recording.play,
// or recording.download with ?download=1).
#include <boost/asio/use_awaitable.hpp>

#include "audit_trail.hpp"
#include "hotline/api/api.hpp"
#include "hotline/core/async.hpp"
#include "hotline/core/privacy.hpp"
#include "hotline/media/prompts.hpp"
#include "hotline/recordings/recordings.hpp"
#include "hotline/tickets/services.hpp"
#include "json_body.hpp"
#include "views.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;

namespace {

recordings::Service& service_of(ApiContext& ctx) {
  if (!ctx.recordings || !ctx.tickets) throw Error(Errc::unavailable, "recordings are not available");
  return *ctx.recordings;
}

media::PromptLibrary& prompts_of(ApiContext& ctx) {
  if (!ctx.prompts) throw Error(Errc::unavailable, "prompts are not available");
  return *ctx.prompts;
}

nlohmann::json recording_view(const recordings::Recording& r, bool full_caller) {
  nlohmann::json caller = nullptr;
  if (r.caller_phone) caller = full_caller ? *r.caller_phone : mask_phone(*r.caller_phone);
  return {{"id", r.id},
          {"call_id", r.call_uuid},
          {"legs", r.legs},
          {"agent", r.agent},
          {"caller", caller},
          {"started_at", format_utc(r.started_at)},
          {"started_at_ms", r.started_at},
          {"duration_ms", r.duration_ms},
          {"size_bytes", r.size_bytes},
          {"sha256", r.sha256},
          {"state", r.state},
          {"ticket_id", r.ticket_id ? nlohmann::json(*r.ticket_id) : nlohmann::json(nullptr)},
          {"format", {{"container", "wav"}, {"sample_rate", 8000}, {"channels", 2}, {"bits", 16},
                      {"left", "citizen"}, {"right", "agent"}}},
          {"audio_url", "/api/v1/recordings/" + std::to_string(r.id) + "/audio"}};
}

nlohmann::json prompt_view(const media::PromptFile& p) {
  return {{"key", p.key},
          {"size_bytes", p.size_bytes},
          {"duration_ms", p.duration_ms},
          {"modified_at", p.modified_at_ms ? nlohmann::json(format_utc(p.modified_at_ms)) : nlohmann::json(nullptr)},
          {"playable", p.playable},
          {"problem", p.problem.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.problem)}};
}

awaitable<recordings::Recording> load_recording(ApiContext& ctx, std::int64_t id) {
  const auto& key = ctx.tickets->key;
  auto find = [id, &key](store::Database& db) { return recordings::find_recording(db, id, key); };
  auto found = co_await ctx.store.read(std::move(find), use_awaitable);
  if (!found) throw Error(Errc::not_found, "no recording " + std::to_string(id));
  co_return std::move(*found);
}

}  // namespace

void add_recording_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  router.add(
      "GET", "/api/v1/recordings", Permission::recordings_read,
      "Search call recordings, newest first (?from=&to= ms, ?caller=, ?agent=, ?ticket_id=, ?call_id=, "
      "?before_id=, ?limit= 1..500)",
      [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
        service_of(ctx);
        recordings::RecordingQuery q;
        q.from = int_query(request, "from");
        q.to = int_query(request, "to");
        q.agent = string_query(request, "agent");
        q.call_uuid = string_query(request, "call_id");
        q.ticket_id = int_query(request, "ticket_id");
        q.before_id = int_query(request, "before_id");
        auto include_purged = string_query(request, "include_purged");
        q.include_purged = include_purged && (*include_purged == "1" || *include_purged == "true");
        if (auto caller = string_query(request, "caller")) q.caller_hash = ctx.tickets->key.phone_hash(*caller);
        auto limit = int_query(request, "limit").value_or(50);
        if (limit < 1 || limit > 500) throw Error(Errc::invalid_argument, "limit: must be 1 to 500");
        q.limit = static_cast<int>(limit);
        const auto& key = ctx.tickets->key;
        auto search = [q, &key](store::Database& db) { return recordings::search_recordings(db, q, key); };
        auto rows = co_await ctx.store.read(std::move(search), use_awaitable);
        bool full = auth::roles_have(request.principal->roles, Permission::tickets_caller);
        nlohmann::json items = nlohmann::json::array();
        for (const auto& r : rows) items.push_back(recording_view(r, full));
        nlohmann::json next = nullptr;
        if (static_cast<std::int64_t>(rows.size()) == limit) next = rows.back().id;
        co_return HttpResponse::json(200, {{"items", items}, {"next_before_id", next}});
      });

  router.add("GET", "/api/v1/recordings/{id}", Permission::recordings_read, "One recording's metadata",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               service_of(ctx);
               auto id = id_param(request);
               auto r = co_await load_recording(ctx, id);
               bool full = auth::roles_have(request.principal->roles, Permission::tickets_caller);
               co_return HttpResponse::json(200, recording_view(r, full));
             });

  router.add(
      "GET", "/api/v1/recordings/{id}/audio", Permission::recordings_read,
      "The recording's WAV file, with Range requests (206); ?download=1 as an attachment. Audited.",
      [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
        auto& service = service_of(ctx);
        auto id = id_param(request);
        auto r = co_await load_recording(ctx, id);
        if (r.state == "purged") co_return HttpResponse::error(410, "gone", "the recording was purged (retention)");
        auto file = service.file_of(r);
        std::error_code ec;
        std::uint64_t size = file ? std::filesystem::file_size(*file, ec) : 0;
        if (!file || ec) co_return HttpResponse::error(404, "not_found", "the recording's file is missing");
        auto download = string_query(request, "download");
        bool as_attachment = download && (*download == "1" || *download == "true");
        auto range = parse_range(request.range, size);
        if (range.kind == ByteRange::unsatisfiable) {
          auto refusal = HttpResponse::error(416, "range_not_satisfiable",
                                             "the range is outside the file (" + std::to_string(size) + " bytes)");
          refusal.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
          co_return refusal;
        }
        if (request.method != "HEAD") {
          nlohmann::json detail = {{"id", r.id}, {"call_id", r.call_uuid}};
          if (range.kind == ByteRange::satisfiable)
            detail["range"] = std::to_string(range.first) + "-" + std::to_string(range.last);
          auto entry = audit_by(*request.principal, as_attachment ? "recording.download" : "recording.play",
                                std::to_string(r.id), detail, request.remote_ip);
          co_await record_audit(ctx, std::move(entry));
        }
        HttpResponse out;
        out.content_type = "audio/wav";
        out.file_path = file->string();
        out.headers.emplace_back("Accept-Ranges", "bytes");
        out.headers.emplace_back("Cache-Control", "no-store");
        if (range.kind == ByteRange::satisfiable) {
          out.status = 206;
          out.file_offset = range.first;
          out.file_length = static_cast<std::int64_t>(range.last - range.first + 1);
          out.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                        std::to_string(range.last) + "/" + std::to_string(size));
        } else {
          out.file_offset = 0;
          out.file_length = static_cast<std::int64_t>(size);
        }
        if (as_attachment) {
          auto name = std::filesystem::path(r.path).filename().string();
          out.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
        }
        co_return out;
      });

  router.add("GET", "/api/v1/prompts", Permission::system_read,
             "Prompts recorded by an admin (they replace the TTS of the same key)",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto& prompts = prompts_of(ctx);
               auto list = [&prompts](CpuContext&) { return prompts.list(); };
               auto files = co_await run_on(ctx.cpu, std::move(list), use_awaitable);
               nlohmann::json items = nlohmann::json::array();
               for (const auto& p : files) items.push_back(prompt_view(p));
               co_return HttpResponse::json(200, {{"items", items}, {"directory", prompts.directory().string()}});
             });

  router.add("PUT", "/api/v1/prompts/{key}", Permission::prompts_manage,
             "Upload a prompt (a WAV file: 8/16 kHz mono PCM16, A-law or µ-law), stored as 8 kHz PCM16",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto& prompts = prompts_of(ctx);
               auto key = request.params["key"];
               if (!media::PromptLibrary::valid_key(key))
                 throw Error(Errc::invalid_argument, "key: 1 to 64 of a-z 0-9 _ - . (not starting with a dot)");
               if (request.body.empty()) throw Error(Errc::invalid_argument, "the body must be a WAV file");
               auto bytes = std::make_shared<std::string>(std::move(request.body));
               auto store_it = [&prompts, key, bytes](CpuContext&) {
                 return prompts.store(
                     key, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes->data()),
                                                        bytes->size()));
               };
               auto stored = co_await run_on(ctx.cpu, std::move(store_it), use_awaitable);
               if (!stored) throw Error(Errc::invalid_argument, "not a playable WAV file: " + stored.error().reason);
               auto view = prompt_view(stored.value());
               nlohmann::json detail = nlohmann::json::object();
               detail["bytes"] = bytes->size();
               detail["duration_ms"] = stored->duration_ms;
               auto entry = audit_by(*request.principal, "prompt.upload", key, detail, request.remote_ip);
               co_await record_audit(ctx, std::move(entry));
               co_return HttpResponse::json(200, view);
             });
}

}  // namespace hotline::api
