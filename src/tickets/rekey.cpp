#include "hotline/tickets/rekey.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "hotline/core/error.hpp"
#include "hotline/store/backup.hpp"
#include "hotline/store/migrations.hpp"

namespace hotline::tickets {
namespace {

// A table holding sealed values (migrations 0005, 0010, 0011, 0013): the
// sealed columns, and the keyed hash recomputed from the plain value of one.
struct SealedTable {
  const char* table;
  std::vector<const char*> sealed;
  const char* hash = nullptr;       // or nullptr
  std::size_t hash_from = 0;        // index into sealed
};

const std::vector<SealedTable>& sealed_tables() {
  static const std::vector<SealedTable> tables = {
      {"tickets", {"caller_name_enc", "caller_phone_enc"}, "caller_phone_hash", 1},
      {"recordings", {"caller_phone_enc"}, "caller_phone_hash", 0},
      {"ivr_missed_calls", {"caller_phone_enc"}, "caller_phone_hash", 0},
      {"acd_callbacks", {"number_enc"}, nullptr, 0},
  };
  return tables;
}

// SQL true when a row has a sealed value not carrying key id `id`.
std::string not_sealed_with(const SealedTable& t, std::uint8_t id) {
  char hex[3];
  std::snprintf(hex, sizeof hex, "%02X", id);
  std::string out;
  for (const char* column : t.sealed) {
    if (!out.empty()) out += " OR ";
    out += std::string("(") + column + " IS NOT NULL AND hex(substr(" + column + ", 1, 1)) <> '" + hex + "')";
  }
  return "(" + out + ")";
}

// Zeroes a plain value when it goes out of scope.
struct Plain {
  std::string value;
  ~Plain() { sodium_memzero(value.data(), value.size()); }
};

void bind_optional_blob(store::Statement& s, int index, const std::optional<std::string>& v) {
  if (v)
    s.bind_blob(index, v->data(), v->size());
  else
    s.bind(index, std::nullopt);
}

struct Row {
  std::int64_t rowid = 0;
  std::vector<std::optional<std::string>> sealed;
  bool has_hash = false;
};

// One transaction: up to batch_rows rows after `after`; returns how many, and
// moves `after` to the last.
std::int64_t reseal_batch(store::Database& db, const PersonalDataKey& key, const SealedTable& t,
                          std::int64_t batch_rows, std::int64_t& after) {
  std::string columns;
  for (const char* c : t.sealed) columns += std::string(", ") + c;
  if (t.hash) columns += std::string(", ") + t.hash + " IS NOT NULL";
  const std::string select = std::string("SELECT rowid") + columns + " FROM " + t.table +
                             " WHERE rowid > ? AND " + not_sealed_with(t, key.current_id()) +
                             " ORDER BY rowid LIMIT ?";
  std::string update = std::string("UPDATE ") + t.table + " SET ";
  for (std::size_t i = 0; i < t.sealed.size(); ++i) update += std::string(i ? ", " : "") + t.sealed[i] + " = ?";
  if (t.hash) update += std::string(", ") + t.hash + " = ?";
  update += " WHERE rowid = ?";

  return store::in_transaction(db, [&] {
    std::vector<Row> rows;
    auto& s = db.query(select, after, batch_rows);
    while (s.step()) {
      Row r;
      r.rowid = s.int64(0);
      for (std::size_t i = 0; i < t.sealed.size(); ++i) {
        int column = static_cast<int>(i) + 1;
        if (!s.is_null(column)) r.sealed.emplace_back(s.blob(column));
        else r.sealed.emplace_back(std::nullopt);
      }
      r.has_hash = t.hash && s.int64(static_cast<int>(t.sealed.size()) + 1) != 0;
      rows.push_back(std::move(r));
    }
    for (auto& r : rows) {
      auto& u = db.prepare(update);
      std::optional<std::string> hash;
      int index = 1;
      for (std::size_t i = 0; i < r.sealed.size(); ++i) {
        std::optional<std::string> resealed;
        if (r.sealed[i]) {
          Plain plain;
          try {
            plain.value = key.open(*r.sealed[i]);
          } catch (const Error& e) {
            throw Error(Errc::internal, std::string(t.table) + " row " + std::to_string(r.rowid) + ", " +
                                            t.sealed[i] + ": " + e.what());
          }
          resealed = key.seal(plain.value);
          if (i == t.hash_from && r.has_hash) hash = key.phone_hash(plain.value);
        }
        bind_optional_blob(u, index++, resealed);
      }
      if (t.hash) bind_optional_blob(u, index++, r.has_hash ? hash : std::nullopt);
      u.bind(index, r.rowid);
      u.run();
    }
    if (!rows.empty()) after = rows.back().rowid;
    return static_cast<std::int64_t>(rows.size());
  });
}

std::int64_t count_pending(store::Database& db, const SealedTable& t, std::uint8_t id) {
  auto& s = db.query(std::string("SELECT COUNT(*) FROM ") + t.table + " WHERE " + not_sealed_with(t, id));
  s.step();
  auto n = s.int64(0);
  s.run();
  return n;
}

// survey_answers keeps only a hash (no sealed number): it is recomputed from
// the call record's caller, which is idempotent, so every run redoes it all.
std::int64_t survey_batch(store::Database& db, const PersonalDataKey& key, std::int64_t batch_rows,
                          std::int64_t& after) {
  return store::in_transaction(db, [&] {
    struct Answer {
      std::int64_t rowid;
      std::optional<std::string> caller;
    };
    std::vector<Answer> answers;
    auto& s = db.query(
        "SELECT a.rowid, (SELECT c.caller FROM calls c WHERE c.uuid = a.call_uuid) FROM survey_answers a "
        "WHERE a.rowid > ? AND a.caller_phone_hash IS NOT NULL ORDER BY a.rowid LIMIT ?",
        after, batch_rows);
    while (s.step()) answers.push_back({s.int64(0), s.optional_text(1)});
    for (auto& a : answers) {
      std::optional<std::string> hash;
      if (a.caller) {
        try {
          hash = key.phone_hash(*a.caller);
        } catch (const Error&) {
          // Not a phone number (a SIP name): the answer keeps no caller link.
        }
        sodium_memzero(a.caller->data(), a.caller->size());
      }
      auto& u = db.prepare("UPDATE survey_answers SET caller_phone_hash = ? WHERE rowid = ?");
      bind_optional_blob(u, 1, hash);
      u.bind(2, a.rowid);
      u.run();
    }
    if (!answers.empty()) after = answers.back().rowid;
    return static_cast<std::int64_t>(answers.size());
  });
}

}  // namespace

std::int64_t count_rows_not_sealed_with(store::Database& db, std::uint8_t id) {
  std::int64_t n = 0;
  for (const auto& t : sealed_tables()) n += count_pending(db, t, id);
  return n;
}

RekeyResult reseal_all(store::Database& db, const PersonalDataKey& key, const RekeyOptions& options) {
  if (options.batch_rows < 1) throw Error(Errc::invalid_argument, "rotate-key: batch size must be at least 1");
  RekeyResult result;
  auto may_continue = [&] { return !options.stop_after_batches || result.batches < *options.stop_after_batches; };
  auto report = [&](const RekeyProgress& p) {
    if (options.on_progress) options.on_progress(p);
  };
  for (const auto& t : sealed_tables()) {
    RekeyProgress progress{t.table, 0, count_pending(db, t, key.current_id())};
    std::int64_t after = 0;
    while (progress.done < progress.total || progress.total == 0) {
      if (!may_continue()) {
        result.tables.push_back({t.table, progress.done});
        return result;
      }
      std::int64_t n = reseal_batch(db, key, t, options.batch_rows, after);
      if (n == 0) break;
      ++result.batches;
      progress.done += n;
      report(progress);
    }
    result.tables.push_back({t.table, progress.done});
  }
  {
    auto& s = db.query("SELECT COUNT(*) FROM survey_answers WHERE caller_phone_hash IS NOT NULL");
    s.step();
    RekeyProgress progress{"survey_answers", 0, s.int64(0)};
    s.run();
    std::int64_t after = 0;
    while (true) {
      if (!may_continue()) {
        result.tables.push_back({progress.table, progress.done});
        return result;
      }
      std::int64_t n = survey_batch(db, key, options.batch_rows, after);
      if (n == 0) break;
      ++result.batches;
      progress.done += n;
      report(progress);
    }
    result.tables.push_back({progress.table, progress.done});
  }
  if (auto left = count_rows_not_sealed_with(db, key.current_id()); left != 0) {
    throw Error(Errc::internal, "rotate-key: " + std::to_string(left) + " rows still carry another key id");
  }
  result.finished = true;
  return result;
}

RotationResult rotate_caller_key(const std::filesystem::path& data_dir, const std::filesystem::path& database,
                                 const RekeyOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  store::DataDirLock lock(data_dir / "hotlined.lock");  // no daemon may seal with the old key meanwhile
  const auto current_path = data_dir / kCallerKeyFile;
  const auto next_path = data_dir / kNextCallerKeyFile;
  auto current = read_key_file(current_path);
  if (!current) {
    throw Error(Errc::not_found, "no " + current_path.string() + ": there is no caller-data key to rotate");
  }
  RotationResult out;
  auto next = read_key_file(next_path);
  out.resumed = next.has_value();
  if (!next) {
    next = generate_master_key(next_key_id(current->id));
    write_key_file(next_path, *next);
  }
  if (next->id == current->id) {
    throw Error(Errc::invalid_argument, next_path.string() + " carries the same key id as " + current_path.string());
  }
  out.from_id = current->id;
  out.to_id = next->id;
  {
    PersonalDataKey key(*next, {*current});
    sodium_memzero(current->bytes.data(), current->bytes.size());
    sodium_memzero(next->bytes.data(), next->bytes.size());
    if (std::filesystem::exists(database)) {
      store::Database db(database, store::OpenMode::read_write, 60'000);
      if (store::schema_version(db) < store::latest_schema_version()) store::migrate(db);
      // Overwritten sealed values (readable with the old key) must not linger in free space.
      db.exec("PRAGMA secure_delete = ON");
      out.rekey = reseal_all(db, key, options);
      if (!out.rekey.finished) {
        out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return out;
      }
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } else {
      out.rekey.finished = true;
    }
  }
  if (::rename(next_path.c_str(), current_path.c_str()) != 0) {
    throw Error(Errc::internal, "cannot rename " + next_path.string() + " to " + current_path.string() + ": " +
                                    std::strerror(errno));
  }
  int dir = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  bool synced = dir >= 0 && ::fsync(dir) == 0;
  if (dir >= 0) ::close(dir);
  if (!synced) throw Error(Errc::internal, "cannot sync " + data_dir.string() + ": " + std::strerror(errno));
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace hotline::tickets
