// hotlined: the Hotline 12345 daemon and its maintenance commands.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon.hpp"
#include "hotline/core/allocator.hpp"
#include "hotline/core/config.hpp"
#include "hotline/core/error.hpp"
#include "hotline/core/logging.hpp"
#include "hotline/core/version.hpp"
#include "hotline/ivr/flow.hpp"
#include "hotline/ivr/schedule.hpp"
#include "hotline/reports/aggregates.hpp"
#include "hotline/store/backup.hpp"
#include "hotline/store/migrations.hpp"
#include "hotline/tickets/rekey.hpp"

namespace {

constexpr const char* kDefaultConfig = "config/hotlined.json";

constexpr const char* kUsage = R"(usage: hotlined [--config FILE] [--data-dir DIR] [COMMAND [ARGS]]

Commands:
  (none)          run the daemon in the foreground until SIGTERM/SIGINT
  check-config    validate the configuration and exit (0 when valid)
  check-flow FILE...
                  validate IVR flow files (ivr-flows/*.yaml) against the
                  configuration; print every problem as file:line:col:
                  message; exit 1 when any file has one
  backup FILE     write an online backup of the database to FILE
  restore FILE    replace the database with FILE (the daemon must be stopped)
  rebuild-aggregates [--check]
                  recompute the report aggregates from the raw logs, day by
                  day, and print every value that differed; --check only
                  compares (the daemon may run) and exits 1 on a difference;
                  without it the differing days are rewritten (the daemon
                  must be stopped) and the result checked again
  rotate-key      replace the caller-data key (DATA_DIR/caller.key) with a
                  new one and re-seal every caller name and number under it
                  (the daemon must be stopped); run it again to finish an
                  interrupted rotation (docs/security.md)
  version         print the version

Options:
  --config FILE   configuration file (default: config/hotlined.json when it
                  exists, else the built-in defaults)
  --data-dir DIR  where the database, logs and recordings live (overrides data_dir)
)";

struct Arguments {
  std::optional<std::string> config_file;
  std::optional<std::string> data_dir;
  std::string command;
  std::vector<std::string> operands;
};

// Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
Arguments parse_arguments(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) {
      if (i + 1 >= argc) throw std::invalid_argument(std::string(name) + " needs a value");
      return std::string(argv[++i]);
    };
    if (arg == "--config") {
      a.config_file = value("--config");
    } else if (arg.rfind("--config=", 0) == 0) {
      a.config_file = arg.substr(9);
    } else if (arg == "--data-dir") {
      a.data_dir = value("--data-dir");
    } else if (arg.rfind("--data-dir=", 0) == 0) {
      a.data_dir = arg.substr(11);
    } else if (arg == "-h" || arg == "--help") {
      a.command = "help";
    } else if (arg == "--version") {
      a.command = "version";
    } else if (!arg.empty() && arg[0] == '-' && a.command.empty()) {
      throw std::invalid_argument("unknown option " + arg);
    } else if (a.command.empty()) {
      a.command = arg;
    } else {
      a.operands.push_back(arg);
    }
  }
  return a;
}

hotline::Config load(const Arguments& a) {
  hotline::Config config;
  if (a.config_file) {
    config = hotline::load_config_file(*a.config_file);
  } else if (std::filesystem::exists(kDefaultConfig)) {
    config = hotline::load_config_file(kDefaultConfig);
  }
  if (a.data_dir) config.data_dir = *a.data_dir;
  return config;
}

void need_operands(const Arguments& a, std::size_t n, const char* usage) {
  if (a.operands.size() != n) throw std::invalid_argument(std::string("usage: hotlined ") + usage);
}

// rebuild-aggregates [--check]: 0 when the aggregates equal the raw logs
// (after repairing them, without --check), 1 otherwise.
int rebuild_aggregates(const hotline::Config& config, bool check_only) {
  namespace store = hotline::store;
  namespace reports = hotline::reports;
  const auto path = config.database_path();
  if (!std::filesystem::exists(path)) throw std::invalid_argument("no database at " + path.string());
  std::optional<store::DataDirLock> lock;
  if (!check_only) lock.emplace(config.data_dir / "hotlined.lock");  // no daemon may write meanwhile
  store::Database db(path, check_only ? store::OpenMode::read_only : store::OpenMode::read_write, 60'000);
  if (store::schema_version(db) < store::latest_schema_version()) {
    if (check_only) throw std::invalid_argument("the database needs its migrations: run rebuild-aggregates first");
    store::migrate(db);
  }
  std::int64_t shown = 0;
  constexpr std::int64_t kShowAtMost = 200;
  reports::CheckOptions options;
  options.repair = !check_only;
  options.on_difference = [&shown](const reports::Difference& d) {
    if (++shown <= kShowAtMost) std::cout << d.describe() << "\n";
  };
  options.on_day = [](std::int64_t day, std::int64_t done, std::int64_t total) {
    if (done % 30 == 0 || done == total) {
      std::cerr << "rebuild-aggregates: " << reports::day_label(day) << " (" << done << "/" << total << " days)\n";
    }
  };
  auto result = reports::check_aggregates(db, options);
  if (shown > kShowAtMost) std::cout << "... " << (shown - kShowAtMost) << " more differences\n";
  std::cout << "compared " << result.days << " days, " << result.rows << " aggregate rows: " << result.differences
            << " differences\n";
  if (check_only) return result.differences == 0 ? 0 : 1;
  std::cout << "rewrote " << result.days_repaired << " days from the raw logs\n";
  auto proof = reports::check_aggregates(db, reports::CheckOptions{});
  std::cout << "check after the rebuild: " << proof.differences << " differences\n";
  return proof.differences == 0 ? 0 : 1;
}

// Tests only (docs/security.md): HOTLINE_REKEY_BATCH_ROWS sets the rows per
// transaction, HOTLINE_REKEY_STOP_AFTER_BATCHES stops as if killed.
std::optional<std::int64_t> positive_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  std::size_t used = 0;
  long long n = -1;
  try {
    n = std::stoll(v, &used);
  } catch (const std::exception&) {
  }
  if (n < 0 || used != std::string_view(v).size()) throw std::invalid_argument(std::string(name) + ": not a number");
  return n;
}

// rotate-key: 0 when the new key is in place, 1 when stopped or failed.
int rotate_key(const hotline::Config& config) {
  namespace tickets = hotline::tickets;
  tickets::RekeyOptions options;
  if (auto n = positive_env("HOTLINE_REKEY_BATCH_ROWS")) options.batch_rows = *n;
  options.stop_after_batches = positive_env("HOTLINE_REKEY_STOP_AFTER_BATCHES");
  options.on_progress = [](const tickets::RekeyProgress& p) {
    std::cout << "rotate-key: " << p.table << " " << p.done << "/" << p.total << " rows\n" << std::flush;
  };
  auto r = tickets::rotate_caller_key(config.data_dir, config.database_path(), options);
  std::cout << "rotate-key: key id " << int(r.from_id) << " -> " << int(r.to_id)
            << (r.resumed ? " (resumed an interrupted rotation)" : "") << "\n";
  for (const auto& t : r.rekey.tables) std::cout << "  " << t.table << ": " << t.rows << " rows re-sealed\n";
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f", r.seconds);
  if (!r.rekey.finished) {
    std::cout << "rotate-key: stopped after " << r.rekey.batches << " batches (HOTLINE_REKEY_STOP_AFTER_BATCHES) in "
              << seconds << " s; run rotate-key again to finish\n";
    return 1;
  }
  std::cout << "rotate-key: done in " << seconds << " s (" << r.rekey.batches << " batches); "
            << (config.data_dir / hotline::tickets::kCallerKeyFile).string() << " now holds key id " << int(r.to_id)
            << ": back it up with the next database backup\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  hotline::keep_freed_memory_for_reuse();
  hotline::init_logging(hotline::LogConfig{}, {}, false);
  Arguments args;
  try {
    args = parse_arguments(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::cerr << "hotlined: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  if (args.command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (args.command == "version") {
    std::cout << "hotlined " << hotline::version() << " (" << hotline::build_type() << ", schema "
              << hotline::store::latest_schema_version() << ")\n";
    return 0;
  }
  hotline::Config config;
  try {
    config = load(args);
  } catch (const hotline::ConfigError& e) {
    std::cerr << "hotlined: configuration error:\n";
    for (const auto& p : e.problems()) std::cerr << "  " << p << "\n";
    return 2;
  }

  try {
    if (args.command == "check-config") {
      need_operands(args, 0, "check-config");
      std::cout << "configuration OK\n";
      return 0;
    }
    if (args.command == "check-flow") {
      if (args.operands.empty()) throw std::invalid_argument("usage: hotlined check-flow FILE...");
      hotline::ivr::ValidationContext context;
      context.prompts_dir = config.prompts_path();
      context.schedules = hotline::ivr::Schedules::from_config(config.ivr, config.tickets).names();
      bool all_good = true;
      for (const auto& file : args.operands) {
        auto result = hotline::ivr::load_flow_file(file, context);
        for (const auto& e : result.errors) std::cout << e.to_string() << "\n";
        if (result.flow)
          std::cout << file << ": OK (" << result.flow->nodes.size() << " nodes)\n";
        else
          all_good = false;
      }
      return all_good ? 0 : 1;
    }
    if (args.command == "backup") {
      need_operands(args, 1, "backup FILE");
      hotline::store::backup_database(config.database_path(), args.operands[0]);
      std::cout << "backup written to " << args.operands[0] << "\n";
      return 0;
    }
    if (args.command == "restore") {
      need_operands(args, 1, "restore FILE");
      hotline::store::restore_database(args.operands[0], config.database_path(), config.data_dir / "hotlined.lock");
      std::cout << "restored " << config.database_path().string() << " from " << args.operands[0] << "\n";
      return 0;
    }
    if (args.command == "rotate-key") {
      need_operands(args, 0, "rotate-key");
      return rotate_key(config);
    }
    if (args.command == "rebuild-aggregates") {
      bool check_only = args.operands.size() == 1 && args.operands[0] == "--check";
      if (!args.operands.empty() && !check_only) {
        throw std::invalid_argument("usage: hotlined rebuild-aggregates [--check]");
      }
      return rebuild_aggregates(config, check_only);
    }
    if (!args.command.empty() && args.command != "run") {
      std::cerr << "hotlined: unknown command " << args.command << "\n\n" << kUsage;
      return 2;
    }
    std::filesystem::create_directories(config.data_dir);
    hotline::init_logging(config.log, config.log_path(), true);
    return hotline::run_daemon(config);
  } catch (const std::invalid_argument& e) {
    std::cerr << "hotlined: " << e.what() << "\n";
    return 2;
  } catch (const hotline::Error& e) {
    spdlog::critical("event=daemon.failed code={} error=\"{}\"", hotline::to_string(e.code()), e.what());
    std::cerr << "hotlined: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    spdlog::critical("event=daemon.failed error=\"{}\"", e.what());
    std::cerr << "hotlined: " << e.what() << "\n";
    return 1;
  }
}
