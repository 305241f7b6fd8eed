#pragma once
// The flows of ivr-flows/: loaded and validated at start, reloaded on request
// (SIGHUP, inotify, the admin API). A reload that fails validation keeps the
// running version and records the errors; a valid one replaces it for new
// calls while calls in progress keep the shared_ptr<const Flow> they started
// with. Thread-safe (one mutex; nothing slow happens under it except reading
// and validating one file).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hotline/ivr/flow.hpp"

namespace hotline::ivr {

// Live per-node counters of one flow (all its versions): calls that entered
// a node, and calls there now. Updated lock-free by the interpreters.
class FlowStats {
 public:
  struct Counter {
    std::atomic<std::uint64_t> entered{0};
    std::atomic<std::int64_t> active{0};
  };
  // Counters for the flow's nodes, in the flow's node order (created on first use).
  std::vector<Counter*> resolve(const Flow& flow);
  struct Row {
    std::string node;
    std::uint64_t entered = 0;
    std::int64_t active = 0;
  };
  std::vector<Row> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Counter>> by_node_;
};

struct FlowInfo {
  std::string name;
  std::string file;
  std::uint64_t version = 0;  // 1, 2, ... per name; 0: never loaded successfully
  std::int64_t loaded_at = 0;  // unix ms of the running version
  std::string digest;
  std::size_t nodes = 0;
  std::vector<Diagnostic> errors;  // of the last load attempt; empty when it succeeded
  std::int64_t checked_at = 0;     // unix ms of the last load attempt
};

struct ReloadOutcome {
  std::string name;
  bool changed = false;  // a new version is running
  bool failed = false;   // the file was invalid (or unreadable, or gone); the old version (if any) stays
  std::vector<Diagnostic> errors;
};

class FlowLibrary {
 public:
  FlowLibrary(std::filesystem::path dir, ValidationContext context);

  const std::filesystem::path& dir() const { return dir_; }
  // Loads every NAME.yaml of the folder that is new or changed since the
  // last look; a file that is gone keeps its last version with an error.
  std::vector<ReloadOutcome> reload_all();
  // One flow, by name.
  ReloadOutcome reload(const std::string& name);
  // Validates `text` as flow `name`; when valid, writes the file (through a
  // temporary file and rename) and runs it. Invalid: nothing changes and the
  // errors are returned (not recorded as the flow's load errors).
  ReloadOutcome put(const std::string& name, const std::string& text);

  std::shared_ptr<const Flow> get(const std::string& name) const;  // the running version
  std::optional<FlowInfo> info(const std::string& name) const;
  std::vector<FlowInfo> list() const;
  std::shared_ptr<FlowStats> stats(const std::string& name);

 private:
  struct Entry {
    std::shared_ptr<const Flow> flow;
    FlowInfo info;
    std::shared_ptr<FlowStats> stats = std::make_shared<FlowStats>();
  };
  ReloadOutcome load_locked(const std::string& name);
  void install_locked(Entry& entry, std::shared_ptr<const Flow> flow, ReloadOutcome& outcome);

  std::filesystem::path dir_;
  ValidationContext context_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace hotline::ivr
