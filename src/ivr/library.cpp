#include "hotline/ivr/library.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <set>
#include <sstream>

#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"

namespace hotline::ivr {

std::vector<FlowStats::Counter*> FlowStats::resolve(const Flow& flow) {
  std::lock_guard lock(mutex_);
  std::vector<Counter*> out;
  out.reserve(flow.nodes.size());
  for (const auto& n : flow.nodes) {
    auto& slot = by_node_[n.id];
    if (!slot) slot = std::make_unique<Counter>();
    out.push_back(slot.get());
  }
  return out;
}

std::vector<FlowStats::Row> FlowStats::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<Row> out;
  for (const auto& [id, c] : by_node_) {
    out.push_back({id, c->entered.load(std::memory_order_relaxed), c->active.load(std::memory_order_relaxed)});
  }
  return out;
}

namespace {

std::optional<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_atomically(const std::filesystem::path& path, const std::string& text) {
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw Error(Errc::unavailable, "cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error(Errc::unavailable, "cannot replace " + path.string() + ": " + ec.message());
}

constexpr std::size_t kMaxFlowBytes = 1 << 20;

}  // namespace

FlowLibrary::FlowLibrary(std::filesystem::path dir, ValidationContext context)
    : dir_(std::move(dir)), context_(std::move(context)) {}

void FlowLibrary::install_locked(Entry& entry, std::shared_ptr<const Flow> flow, ReloadOutcome& outcome) {
  entry.info.version += 1;
  entry.info.loaded_at = now_ms();
  entry.info.digest = flow->digest;
  entry.info.nodes = flow->nodes.size();
  entry.info.errors.clear();
  entry.flow = std::move(flow);
  entry.stats->resolve(*entry.flow);
  outcome.changed = true;
  spdlog::info("event=ivr.flow_loaded flow={} version={} nodes={} digest={}", entry.info.name, entry.info.version,
               entry.info.nodes, entry.info.digest);
}

ReloadOutcome FlowLibrary::load_locked(const std::string& name) {
  ReloadOutcome outcome;
  outcome.name = name;
  auto& entry = entries_[name];
  entry.info.name = name;
  auto path = dir_ / (name + ".yaml");
  entry.info.file = path.string();
  entry.info.checked_at = now_ms();
  auto text = read_text(path);
  std::error_code ec;
  if (!text && !std::filesystem::exists(path, ec)) {
    outcome.failed = true;
    outcome.errors.push_back({path.string(), {1, 1}, "the file is gone; the running version stays"});
  } else if (!text) {
    outcome.failed = true;
    outcome.errors.push_back({path.string(), {1, 1}, "cannot read the file; the running version stays"});
  } else if (text->size() > kMaxFlowBytes) {
    outcome.failed = true;
    outcome.errors.push_back({path.string(), {1, 1}, "the file is larger than 1 MiB"});
  } else {
    auto result = parse_flow(*text, path.string(), name, context_);
    bool same = entry.flow && result.flow && result.flow->digest == entry.flow->digest;
    if (!result.flow) {
      outcome.failed = true;
      outcome.errors = std::move(result.errors);
    } else {
      if (!same) install_locked(entry, std::move(result.flow), outcome);
      entry.info.errors.clear();
    }
  }
  if (outcome.failed) {
    entry.info.errors = outcome.errors;
    for (const auto& e : outcome.errors)
      spdlog::warn("event=ivr.flow_invalid flow={} running_version={} error=\"{}\"", name, entry.info.version,
                   e.to_string());
  }
  return outcome;
}

std::vector<ReloadOutcome> FlowLibrary::reload_all() {
  std::lock_guard lock(mutex_);
  std::vector<ReloadOutcome> out;
  std::set<std::string> present;
  std::error_code ec;
  if (std::filesystem::is_directory(dir_, ec)) {
    for (const auto& item : std::filesystem::directory_iterator(dir_, ec)) {
      const auto& p = item.path();
      if (p.extension() != ".yaml" || !item.is_regular_file(ec)) continue;
      auto name = p.stem().string();
      if (!valid_flow_name(name)) {
        spdlog::warn("event=ivr.flow_skipped file={} reason=\"name must be letters, digits, _ and -\"", p.string());
        continue;
      }
      present.insert(name);
    }
  } else {
    spdlog::warn("event=ivr.no_flows_dir dir={}", dir_.string());
  }
  for (const auto& name : present) out.push_back(load_locked(name));
  for (auto& [name, entry] : entries_) {
    if (present.count(name)) continue;
    ReloadOutcome gone;
    gone.name = name;
    gone.failed = true;
    gone.errors.push_back({entry.info.file, {1, 1}, "the file is gone; the running version stays"});
    entry.info.errors = gone.errors;
    entry.info.checked_at = now_ms();
    out.push_back(std::move(gone));
  }
  return out;
}

ReloadOutcome FlowLibrary::reload(const std::string& name) {
  if (!valid_flow_name(name)) throw Error(Errc::invalid_argument, "name: letters, digits, _ and - only");
  std::lock_guard lock(mutex_);
  return load_locked(name);
}

ReloadOutcome FlowLibrary::put(const std::string& name, const std::string& text) {
  if (!valid_flow_name(name)) throw Error(Errc::invalid_argument, "name: letters, digits, _ and - only");
  if (text.size() > kMaxFlowBytes) throw Error(Errc::too_large, "a flow file may be at most 1 MiB");
  std::lock_guard lock(mutex_);
  auto path = dir_ / (name + ".yaml");
  ReloadOutcome outcome;
  outcome.name = name;
  auto result = parse_flow(text, name + ".yaml", name, context_);
  if (!result.flow) {
    outcome.failed = true;
    outcome.errors = std::move(result.errors);
    return outcome;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  write_atomically(path, text);
  // As loaded from the file, so messages of later reloads name the file.
  auto flow = std::make_shared<Flow>(*result.flow);
  flow->file = path.string();
  auto& entry = entries_[name];
  entry.info.name = name;
  entry.info.file = path.string();
  entry.info.checked_at = now_ms();
  if (!entry.flow || entry.flow->digest != flow->digest) install_locked(entry, std::move(flow), outcome);
  entry.info.errors.clear();
  return outcome;
}

std::shared_ptr<const Flow> FlowLibrary::get(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.flow;
}

std::optional<FlowInfo> FlowLibrary::info(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return it->second.info;
}

std::vector<FlowInfo> FlowLibrary::list() const {
  std::lock_guard lock(mutex_);
  std::vector<FlowInfo> out;
  for (const auto& [name, e] : entries_) out.push_back(e.info);
  return out;
}

std::shared_ptr<FlowStats> FlowLibrary::stats(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.stats;
}

}  // namespace hotline::ivr
