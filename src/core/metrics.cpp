#include "hotline/core/metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "hotline/core/clock.hpp"

namespace hotline {
namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

struct ProcessStats {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double threads = 0;
  double open_fds = 0;
};

ProcessStats read_process_stats() {
  ProcessStats s;
  std::string line;
  {
    std::ifstream stat("/proc/self/stat");
    std::getline(stat, line);
  }
  if (!line.empty()) {
    // Fields after the parenthesised command name; utime is field 14.
    auto close = line.rfind(')');
    std::istringstream rest(line.substr(close + 2));
    std::vector<std::string> f;
    std::string tok;
    while (rest >> tok) f.push_back(tok);
    if (f.size() > 22) {
      double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      s.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      s.threads = std::stod(f[17]);
      s.virtual_bytes = std::stod(f[20]);
      s.resident_bytes = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
    }
  }
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) s.open_fds += 1;
    closedir(d);
    s.open_fds -= 3;  // ".", ".." and the directory itself
  }
  return s;
}

}  // namespace

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
  }
  return out + "}";
}

Metrics::Metrics() : start_time_ms_(now_ms()) {}

Metrics::Family& Metrics::family(const std::string& name, const std::string& help, const char* type) {
  auto& f = families_[name];
  if (f.type.empty()) {
    f.help = help;
    f.type = type;
  }
  return f;
}

Counter& Metrics::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, "counter").counters[render_labels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Metrics::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, "gauge").gauges[render_labels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

void Metrics::gauge_fn(const std::string& name, const std::string& help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  family(name, help, "gauge").read = std::move(read);
}

std::string Metrics::render() const {
  std::ostringstream out;
  auto p = read_process_stats();
  auto emit = [&out](const char* name, const char* help, const char* type, double v) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n" << name << " " << v << "\n";
  };
  out.precision(15);
  emit("process_cpu_seconds_total", "User and system CPU time spent in seconds.", "counter", p.cpu_seconds);
  emit("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", p.resident_bytes);
  emit("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", p.virtual_bytes);
  emit("process_open_fds", "Number of open file descriptors.", "gauge", p.open_fds);
  emit("process_threads", "Number of OS threads.", "gauge", p.threads);
  emit("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds.", "gauge",
       static_cast<double>(start_time_ms_) / 1000.0);

  std::lock_guard lock(mutex_);
  for (const auto& [name, f] : families_) {
    out << "# HELP " << name << " " << f.help << "\n# TYPE " << name << " " << f.type << "\n";
    for (const auto& [labels, c] : f.counters) out << name << labels << " " << c->value() << "\n";
    for (const auto& [labels, g] : f.gauges) out << name << labels << " " << g->value() << "\n";
    if (f.read) out << name << " " << f.read() << "\n";
  }
  return out.str();
}

}  // namespace hotline
