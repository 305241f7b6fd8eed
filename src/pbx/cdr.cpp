#include "hotline/pbx/cdr.hpp"

#include "hotline/core/clock.hpp"

namespace hotline::pbx {
namespace {

std::optional<std::int64_t> optional_time(std::int64_t ms) {
  return ms ? std::optional<std::int64_t>(ms) : std::nullopt;
}

std::int64_t u(std::uint64_t v) { return static_cast<std::int64_t>(v); }

}  // namespace

std::int64_t insert_call_record(store::Database& db, const CallRecord& r) {
  db.query(
        "INSERT INTO calls (uuid, caller, dialled, source, route, started_at, answered_at, ended_at, duration_ms, "
        "talk_ms, status, hangup_cause, hangup_side, ivr_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        r.uuid, r.caller, r.dialled, r.source, r.route, r.started_at, optional_time(r.answered_at), r.ended_at,
        r.ended_at - r.started_at, r.answered_at ? r.ended_at - r.answered_at : std::int64_t{0}, r.status,
        r.hangup_cause, r.hangup_side, r.ivr_path.empty() ? std::optional<std::string>() : std::optional(r.ivr_path))
      .run();
  auto call_id = db.last_insert_id();
  for (const auto& l : r.legs) {
    db.query(
          "INSERT INTO call_legs (call_id, leg_index, role, sip_call_id, from_uri, to_uri, endpoint, started_at, "
          "answered_at, ended_at, duration_ms, status, hangup_cause, hangup_side, codec, media_address, packets_in, "
          "packets_out, bytes_in, bytes_out, lost_in, jitter_in_ms, lost_out, jitter_out_ms) VALUES (?, ?, ?, ?, "
          "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          call_id, l.index, l.role, l.sip_call_id, l.from_uri, l.to_uri, l.endpoint, l.started_at,
          optional_time(l.answered_at), l.ended_at, l.ended_at - l.started_at, l.status, l.hangup_cause, l.hangup_side,
          l.codec, l.media_address, u(l.packets_in), u(l.packets_out), u(l.bytes_in), u(l.bytes_out), u(l.lost_in),
          l.jitter_in_ms, u(l.lost_out), l.jitter_out_ms)
        .run();
  }
  return call_id;
}

std::vector<CallRecord> find_call_records(store::Database& db, const CallQuery& q) {
  std::vector<CallRecord> out;
  std::vector<std::int64_t> ids;
  auto to = q.to_ms ? q.to_ms : now_ms() + 1;
  auto& s = db.query(
      "SELECT id, uuid, caller, dialled, source, route, started_at, COALESCE(answered_at, 0), ended_at, status, "
      "hangup_cause, hangup_side FROM calls WHERE started_at >= ? AND started_at < ? AND (? = '' OR caller = ?) "
      "ORDER BY started_at DESC, id DESC LIMIT ?",
      q.from_ms, to, q.caller, q.caller, q.limit);
  while (s.step()) {
    ids.push_back(s.int64(0));
    CallRecord r;
    r.uuid = s.text(1);
    r.caller = s.text(2);
    r.dialled = s.text(3);
    r.source = s.text(4);
    r.route = s.text(5);
    r.started_at = s.int64(6);
    r.answered_at = s.int64(7);
    r.ended_at = s.int64(8);
    r.status = static_cast<int>(s.int64(9));
    r.hangup_cause = s.text(10);
    r.hangup_side = s.text(11);
    out.push_back(std::move(r));
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto& l = db.query(
        "SELECT leg_index, role, sip_call_id, from_uri, to_uri, endpoint, started_at, COALESCE(answered_at, 0), "
        "ended_at, status, hangup_cause, hangup_side, codec, media_address, packets_in, packets_out, bytes_in, "
        "bytes_out, lost_in, jitter_in_ms, lost_out, jitter_out_ms FROM call_legs WHERE call_id = ? ORDER BY "
        "leg_index",
        ids[i]);
    while (l.step()) {
      LegRecord leg;
      leg.index = static_cast<int>(l.int64(0));
      leg.role = l.text(1);
      leg.sip_call_id = l.text(2);
      leg.from_uri = l.text(3);
      leg.to_uri = l.text(4);
      leg.endpoint = l.text(5);
      leg.started_at = l.int64(6);
      leg.answered_at = l.int64(7);
      leg.ended_at = l.int64(8);
      leg.status = static_cast<int>(l.int64(9));
      leg.hangup_cause = l.text(10);
      leg.hangup_side = l.text(11);
      leg.codec = l.text(12);
      leg.media_address = l.text(13);
      leg.packets_in = static_cast<std::uint64_t>(l.int64(14));
      leg.packets_out = static_cast<std::uint64_t>(l.int64(15));
      leg.bytes_in = static_cast<std::uint64_t>(l.int64(16));
      leg.bytes_out = static_cast<std::uint64_t>(l.int64(17));
      leg.lost_in = static_cast<std::uint64_t>(l.int64(18));
      leg.jitter_in_ms = l.real(19);
      leg.lost_out = static_cast<std::uint64_t>(l.int64(20));
      leg.jitter_out_ms = l.real(21);
      out[i].legs.push_back(std::move(leg));
    }
  }
  return out;
}

}  // namespace hotline::pbx
