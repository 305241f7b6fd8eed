// inotify on the flows folder: see include/hotline/ivr/watcher.hpp for who
// owns what. One poll() loop: inotify events note flow names, the debounce
// deadline turns the noted names into FlowLibrary::reload calls.
#include "hotline/ivr/watcher.hpp"

#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <string>

namespace hotline::ivr {
namespace {

using Clock = std::chrono::steady_clock;

// The events that mean "a flow file may have new contents or be gone".
// IN_CLOSE_WRITE rather than IN_MODIFY: a file written in place is read
// once its writer closed it, never half-written.
constexpr std::uint32_t kFileEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;
constexpr std::uint32_t kFolderGone = IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT;

// "12345.yaml" -> "12345"; editors' swap and backup files ("12345.yaml~",
// ".12345.yaml.swp", "4913") and our own "NAME.yaml.tmp" are not flows.
std::optional<std::string> flow_of(std::string_view file) {
  constexpr std::string_view ext = ".yaml";
  if (file.size() <= ext.size() || file.substr(file.size() - ext.size()) != ext) return std::nullopt;
  std::string name(file.substr(0, file.size() - ext.size()));
  if (!valid_flow_name(name)) return std::nullopt;
  return name;
}

}  // namespace

FlowWatcher::FlowWatcher(FlowLibrary& library, std::chrono::milliseconds debounce, Reloaded reloaded)
    : library_(library), debounce_(debounce), reloaded_(std::move(reloaded)) {
  const auto& dir = library_.dir();
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (inotify_fd_ < 0 || stop_fd_ < 0) {
    spdlog::warn("event=ivr.watch_unavailable dir={} reason=\"{}\"", dir.string(), std::strerror(errno));
    return;
  }
  if (inotify_add_watch(inotify_fd_, dir.c_str(), kFileEvents | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR) < 0) {
    spdlog::warn("event=ivr.watch_unavailable dir={} reason=\"{}\"", dir.string(), std::strerror(errno));
    return;
  }
  watching_ = true;
  spdlog::info("event=ivr.watching dir={} debounce_ms={}", dir.string(), debounce_.count());
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ivr-watch");
    run();
  });
}

FlowWatcher::~FlowWatcher() {
  if (thread_.joinable()) {
    std::uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof one) < 0) spdlog::error("event=ivr.watch_stop_failed errno={}", errno);
    thread_.join();
  }
  if (inotify_fd_ >= 0) close(inotify_fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
}

void FlowWatcher::run() {
  std::set<std::string> noted;
  bool overflowed = false;  // the kernel dropped events: look at every file
  std::optional<Clock::time_point> due;
  alignas(inotify_event) char buffer[16 * 1024];

  auto reload_noted = [&] {
    std::vector<ReloadOutcome> outcomes;
    try {
      if (overflowed) {
        outcomes = library_.reload_all();
      } else {
        for (const auto& name : noted) outcomes.push_back(library_.reload(name));
      }
    } catch (const std::exception& e) {
      spdlog::error("event=ivr.watch_reload_failed reason=\"{}\"", e.what());
    }
    for (const auto& o : outcomes)
      spdlog::info("event=ivr.flow_file_changed flow={} changed={} failed={} errors={}", o.name, o.changed, o.failed,
                   o.errors.size());
    noted.clear();
    overflowed = false;
    due.reset();
    if (reloaded_) reloaded_(outcomes);
  };

  while (watching_) {
    int timeout = -1;
    if (due) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*due - Clock::now()).count();
      timeout = static_cast<int>(std::max<std::int64_t>(0, left));
    }
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int ready = poll(fds, 2, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      spdlog::error("event=ivr.watch_stopped reason=\"poll: {}\"", std::strerror(errno));
      watching_ = false;
      break;
    }
    if (fds[1].revents) break;  // the destructor
    if (fds[0].revents & POLLIN) {
      for (;;) {
        auto n = read(inotify_fd_, buffer, sizeof buffer);
        if (n <= 0) break;  // EAGAIN: all read
        for (char* p = buffer; p < buffer + n;) {
          const auto* event = reinterpret_cast<const inotify_event*>(p);
          p += sizeof(inotify_event) + event->len;
          if (event->mask & IN_Q_OVERFLOW) overflowed = true;
          if (event->mask & kFolderGone) {
            spdlog::warn("event=ivr.watch_stopped dir={} reason=\"the folder was removed or moved\"",
                         library_.dir().string());
            watching_ = false;
          }
          if (event->len == 0 || (event->mask & IN_ISDIR) || !(event->mask & kFileEvents)) continue;
          if (auto name = flow_of(event->name)) noted.insert(*name);
        }
      }
      // Every event pushes the deadline: a burst of writes is one reload.
      if (!noted.empty() || overflowed) due = Clock::now() + debounce_;
    }
    if (due && Clock::now() >= *due) reload_noted();
  }
  if (!noted.empty() || overflowed) reload_noted();  // what came before the folder went
}

}  // namespace hotline::ivr
