// The recordings table (migration 0010).
#include <nlohmann/json.hpp>

#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"
#include "hotline/recordings/recordings.hpp"
#include "hotline/tickets/personal_data.hpp"

namespace hotline::recordings {
namespace {

const char* kColumns =
    "id, call_uuid, legs, agent, caller_phone_enc, started_at, duration_ms, size_bytes, sha256, path, state, "
    "ticket_id, indexed_at, purged_at";

Recording row(const store::Statement& s, const tickets::PersonalDataKey& key) {
  Recording r;
  r.id = s.int64(0);
  r.call_uuid = s.text(1);
  auto legs = nlohmann::json::parse(s.text(2), nullptr, false);
  if (legs.is_array()) {
    for (const auto& l : legs) {
      if (l.is_string()) r.legs.push_back(l.get<std::string>());
    }
  }
  r.agent = s.text(3);
  if (!s.is_null(4)) {
    try {
      r.caller_phone = key.open(s.blob(4));
    } catch (const std::exception&) {
      r.caller_phone = std::nullopt;  // sealed with a key no longer loaded
    }
  }
  r.started_at = s.int64(5);
  r.duration_ms = s.int64(6);
  r.size_bytes = s.int64(7);
  r.sha256 = s.text(8);
  r.path = s.text(9);
  r.state = s.text(10);
  r.ticket_id = s.optional_int64(11);
  r.indexed_at = s.int64(12);
  r.purged_at = s.optional_int64(13);
  return r;
}

}  // namespace

std::int64_t upsert_recording(store::Database& db, const NewRecording& n, const tickets::PersonalDataKey& key) {
  std::optional<std::string> sealed, hash;
  if (!n.caller.empty()) {
    try {
      hash = key.phone_hash(n.caller);
      sealed = key.seal(n.caller);
    } catch (const std::exception&) {
      // Not a phone number (anonymous, a SIP name): sealed, but not searchable.
      sealed = key.seal(n.caller);
    }
  }
  auto blob = [&](store::Statement& s, int index, const std::optional<std::string>& v) {
    if (v)
      s.bind_blob(index, v->data(), v->size());
    else
      s.bind(index, std::nullopt);
  };
  auto legs = nlohmann::json(n.legs).dump();
  auto& s = db.prepare(
      "INSERT INTO recordings (call_uuid, legs, agent, caller_phone_enc, caller_phone_hash, started_at, duration_ms, "
      "size_bytes, sha256, path, state, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (path) DO UPDATE SET duration_ms = excluded.duration_ms, size_bytes = excluded.size_bytes, "
      "sha256 = excluded.sha256, state = excluded.state, indexed_at = excluded.indexed_at "
      "RETURNING id");
  s.bind(1, n.call_uuid).bind(2, legs).bind(3, n.agent);
  blob(s, 4, sealed);
  blob(s, 5, hash);
  s.bind(6, n.started_at).bind(7, n.duration_ms).bind(8, n.size_bytes).bind(9, n.sha256).bind(10, n.path);
  s.bind(11, n.state).bind(12, now_ms());
  std::int64_t id = 0;
  if (s.step()) id = s.int64(0);
  while (s.step()) {
  }
  return id;
}

std::optional<Recording> find_recording(store::Database& db, std::int64_t id, const tickets::PersonalDataKey& key) {
  auto& s = db.query(std::string("SELECT ") + kColumns + " FROM recordings WHERE id = ?", id);
  if (!s.step()) return std::nullopt;
  auto r = row(s, key);
  while (s.step()) {
  }
  return r;
}

std::optional<Recording> find_recording_by_path(store::Database& db, const std::string& path,
                                                const tickets::PersonalDataKey& key) {
  auto& s = db.query(std::string("SELECT ") + kColumns + " FROM recordings WHERE path = ?", path);
  if (!s.step()) return std::nullopt;
  auto r = row(s, key);
  while (s.step()) {
  }
  return r;
}

std::vector<Recording> search_recordings(store::Database& db, const RecordingQuery& q,
                                         const tickets::PersonalDataKey& key) {
  // One statement text whatever the filters (each "? IS NULL OR ..."), so it
  // is prepared once per connection.
  auto& s = db.prepare(std::string("SELECT ") + kColumns +
                       " FROM recordings WHERE (?1 IS NULL OR started_at >= ?1) AND (?2 IS NULL OR started_at < ?2) "
                       "AND (?3 IS NULL OR caller_phone_hash = ?3) AND (?4 IS NULL OR agent = ?4) "
                       "AND (?5 IS NULL OR call_uuid = ?5) AND (?6 IS NULL OR ticket_id = ?6) "
                       "AND (?7 IS NULL OR id < ?7) AND (?8 OR state != 'purged') ORDER BY id DESC LIMIT ?9");
  s.bind(1, q.from).bind(2, q.to);
  if (q.caller_hash)
    s.bind_blob(3, q.caller_hash->data(), q.caller_hash->size());
  else
    s.bind(3, std::nullopt);
  s.bind(4, q.agent).bind(5, q.call_uuid).bind(6, q.ticket_id).bind(7, q.before_id).bind(8, q.include_purged);
  s.bind(9, q.limit);
  std::vector<Recording> out;
  while (s.step()) out.push_back(row(s, key));
  return out;
}

std::vector<Recording> expired_recordings(store::Database& db, std::int64_t before, int limit,
                                          const tickets::PersonalDataKey& key) {
  auto& s = db.query(std::string("SELECT ") + kColumns +
                         " FROM recordings WHERE started_at < ? AND state IN ('complete', 'repaired') "
                         "ORDER BY started_at LIMIT ?",
                     before, limit);
  std::vector<Recording> out;
  while (s.step()) out.push_back(row(s, key));
  return out;
}

void mark_purged(store::Database& db, std::int64_t id, std::int64_t at) {
  db.query("UPDATE recordings SET state = 'purged', purged_at = ? WHERE id = ?", at, id).run();
}

void link_ticket(store::Database& db, std::int64_t id, std::optional<std::int64_t> ticket_id) {
  db.query("UPDATE recordings SET ticket_id = ? WHERE id = ?", ticket_id, id).run();
  if (db.changes() == 0) throw Error(Errc::not_found, "no recording " + std::to_string(id));
}

}  // namespace hotline::recordings
