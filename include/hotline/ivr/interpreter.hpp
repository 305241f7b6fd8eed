#pragma once
// One IVR flow instance per call. Event-driven and single-threaded: the PBX
// calls start(), on_digit() and on_hangup() on the call's executor, and the
// interpreter answers by calling its Port (play, timer, record, queue,
// transfer, hang up) and its Services (ticket look-up, ...). It owns no
// thread and no timer of its own.
//
// Lifetime: after on_hangup() (or once finished()) the instance makes no
// more port or service calls, and it may be destroyed at any time: the
// callbacks it handed out hold a weak liveness token and do nothing later.
// Service callbacks are re-posted to `executor` first, so they may complete
// on any thread.
//
// Every step is logged as the call's IVR path (node, time, outcome), kept
// for the call record and the agent's screen pop. Digits keyed into collect
// nodes never appear in the path or the log, only their count.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hotline/ivr/flow.hpp"
#include "hotline/ivr/port.hpp"
#include "hotline/ivr/services.hpp"
#include "hotline/ivr/schedule.hpp"

namespace hotline::ivr {

class FlowStats;

struct CallInfo {
  std::string call_id;  // the call's uuid, for tickets and missed calls
  std::string caller;   // caller ID (may be empty: withheld)
  std::string called;   // the number dialled (12345)
  bool repeat_caller = false;
  std::map<std::string, std::string> attributes;  // more caller attributes, seen as ${caller.NAME}
};

struct InterpreterOptions {
  std::map<std::string, std::string> variables;  // the configuration's ivr.variables
  const Schedules* schedules = nullptr;          // the configuration's schedules and calendar
  std::shared_ptr<FlowStats> stats;              // per-node counters of the flow; may be null
  std::function<std::int64_t()> now_ms;          // unix ms; default: the system clock
  int max_steps_without_input = 200;             // a runaway flow is hung up on
};

struct PathStep {
  std::int64_t at_ms = 0;  // unix ms when the node was entered
  std::string node;
  std::string outcome;  // how it was left: "2", "timeout", "invalid", "found", "queued human", ...
};

enum class Ending { running, queued, transferred, flow_hangup, caller_hangup, failed };
std::string_view to_string(Ending ending);

class Interpreter {
 public:
  Interpreter(std::shared_ptr<const Flow> flow, Port& port, Services& services, boost::asio::any_io_executor executor,
              CallInfo call, InterpreterOptions options = {});
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  void start();
  // A key from the caller (0-9 * # A-D), however it came.
  void on_digit(char digit);
  // The caller hung up (or the call is being torn down): cancels the timer,
  // playback and recording, records a missed call when the flow asks for it.
  void on_hangup();

  bool finished() const { return ending_ != Ending::running; }
  Ending ending() const { return ending_; }
  const std::vector<PathStep>& path() const { return path_; }
  // [{"t":1764300000000,"node":"welcome","out":"2"},...]
  std::string path_json() const;
  const std::shared_ptr<const Flow>& flow() const { return flow_; }
  const std::string& current_node() const;
  // Variables as the flow sees them now (tests, debugging).
  std::string variable(const std::string& name) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<const Flow> flow_;
  Ending ending_ = Ending::running;
  std::vector<PathStep> path_;
  friend struct Impl;
};

// "${caller} 你好" with the values of `vars`; unknown names become "".
std::string substitute(std::string_view text, const std::map<std::string, std::string>& vars);

}  // namespace hotline::ivr
