#include "hotline/auth/audit.hpp"

#include <sodium.h>

#include <cstring>

#include "hotline/core/clock.hpp"

namespace hotline::auth {
namespace {

using store::Database;

class ChainHasher {
 public:
  explicit ChainHasher(const std::string& prev) {
    crypto_generichash_init(&state_, nullptr, 0, 32);
    field(prev);
  }
  void field(std::string_view v) {
    std::uint64_t n = v.size();
    crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(&n), sizeof n);
    crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(v.data()), v.size());
  }
  void field(std::int64_t v) { field(std::string_view(std::to_string(v))); }
  std::string finish() {
    std::string out(32, '\0');
    crypto_generichash_final(&state_, reinterpret_cast<unsigned char*>(out.data()), out.size());
    return out;
  }

 private:
  crypto_generichash_state state_;
};

std::string row_hash(const std::string& prev, std::int64_t id, std::int64_t at, const AuditEntry& e) {
  ChainHasher h(prev);
  h.field(id);
  h.field(at);
  h.field(e.actor_id ? std::to_string(*e.actor_id) : std::string("-"));
  h.field(e.actor);
  h.field(e.action);
  h.field(e.target);
  h.field(e.detail);
  h.field(e.remote_ip);
  return h.finish();
}

AuditRow read_row(store::Statement& s) {
  AuditRow r;
  r.id = s.int64(0);
  r.at = s.int64(1);
  r.entry.actor_id = s.optional_int64(2);
  r.entry.actor = s.text(3);
  r.entry.action = s.text(4);
  r.entry.target = s.text(5);
  r.entry.detail = s.text(6);
  r.entry.remote_ip = s.text(7);
  return r;
}

constexpr const char* kColumns = "SELECT id, at, actor_id, actor, action, target, detail, remote_ip";

}  // namespace

void append_audit(Database& db, const AuditEntry& entry) {
  std::string prev(32, '\0');
  std::int64_t last_id = 0;
  auto& last = db.prepare("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
  if (last.step()) {
    last_id = last.int64(0);
    prev = last.blob(1);
  }
  last.run();
  std::int64_t id = last_id + 1;
  std::int64_t at = now_ms();
  std::string hash = row_hash(prev, id, at, entry);
  auto& s = db.prepare(
      "INSERT INTO audit_log (id, at, actor_id, actor, action, target, detail, remote_ip, prev_hash, hash) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, id).bind(2, at).bind(3, entry.actor_id).bind(4, entry.actor).bind(5, entry.action).bind(6, entry.target);
  s.bind(7, entry.detail).bind(8, entry.remote_ip).bind_blob(9, prev.data(), prev.size());
  s.bind_blob(10, hash.data(), hash.size());
  s.run();
}

std::vector<AuditRow> list_audit(Database& db, const AuditFilter& f) {
  auto& s = db.prepare(std::string(kColumns) +
                       " FROM audit_log WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)"
                       " AND (?3 IS NULL OR actor = ?3) AND (?4 IS NULL OR action = ?4) AND (?5 IS NULL OR id < ?5)"
                       " ORDER BY id DESC LIMIT ?6");
  s.bind(1, f.from).bind(2, f.to).bind(3, f.actor).bind(4, f.action).bind(5, f.before_id).bind(6, f.limit);
  std::vector<AuditRow> rows;
  while (s.step()) rows.push_back(read_row(s));
  return rows;
}

AuditVerification verify_audit(Database& db) {
  AuditVerification v;
  std::string prev(32, '\0');
  std::int64_t expected_id = 1;
  auto& s = db.prepare(std::string(kColumns) + ", prev_hash, hash FROM audit_log ORDER BY id");
  while (s.step()) {
    AuditRow r = read_row(s);
    ++v.rows;
    bool ok = r.id == expected_id && s.blob(8) == prev && row_hash(prev, r.id, r.at, r.entry) == s.blob(9);
    if (!ok && v.intact) {
      v.intact = false;
      v.first_bad_id = r.id;
    }
    prev = s.blob(9);
    expected_id = r.id + 1;
  }
  return v;
}

}  // namespace hotline::auth
