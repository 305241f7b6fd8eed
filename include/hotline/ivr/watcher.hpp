#pragma once
// Reloads IVR flows when their files change on disk (Linux inotify), so an
// admin who edits ivr-flows/NAME.yaml needs neither SIGHUP nor the API.
//
// Thread ownership: a FlowWatcher owns one thread, "ivr-watch", and the
// inotify descriptor; nothing else reads them. The thread waits in poll()
// on the inotify descriptor and on an eventfd that the destructor signals.
// When a NAME.yaml of the folder is written and closed, moved in or out,
// created or deleted, its name is noted and, once the folder has been
// quiet for the debounce interval (editors write a file several times, or
// write a temporary and rename it), the thread calls FlowLibrary::reload
// for each noted name. The library validates (an invalid, unreadable or
// vanished file keeps its running version and records the errors, as a
// SIGHUP reload does) and is thread-safe, so the reload runs on the
// watcher's thread, never on the io or SIP threads. The library must
// outlive the watcher; the destructor joins the thread.
//
// If the folder does not exist when the watcher starts, or is deleted or
// moved away later, watching stops (event=ivr.watch_stopped) and SIGHUP or
// POST /api/v1/ivr/reload remain the ways to reload.
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "hotline/ivr/library.hpp"

namespace hotline::ivr {

class FlowWatcher {
 public:
  // Called on the watcher's thread after each debounced batch (tests, logs).
  using Reloaded = std::function<void(const std::vector<ReloadOutcome>&)>;

  explicit FlowWatcher(FlowLibrary& library, std::chrono::milliseconds debounce = std::chrono::milliseconds(200),
                       Reloaded reloaded = {});
  ~FlowWatcher();
  FlowWatcher(const FlowWatcher&) = delete;
  FlowWatcher& operator=(const FlowWatcher&) = delete;

  // True while the folder is being watched.
  bool watching() const { return watching_.load(); }

 private:
  void run();

  FlowLibrary& library_;
  std::chrono::milliseconds debounce_;
  Reloaded reloaded_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // eventfd: the destructor wakes the thread with it
  std::atomic<bool> watching_{false};
  std::thread thread_;
};

}  // namespace hotline::ivr
