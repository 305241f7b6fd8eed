// The flow interpreter: a small state machine per call. Each node kind has a
// run_* function that starts it and handlers for what can happen while it
// runs (a key, the timer, the end of a prompt, a recording or a service
// answer). Every callback handed out carries the generation of the step it
// belongs to and a weak liveness token, so late or stale callbacks are
// dropped instead of acting on a node the call has already left.
#include "hotline/ivr/interpreter.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include <tuple>

#include "hotline/core/clock.hpp"
#include "hotline/ivr/library.hpp"

namespace hotline::ivr {

namespace {
constexpr std::size_t kNone = static_cast<std::size_t>(-1);
constexpr std::size_t kMaxPathSteps = 500;

bool dialable(const std::string& number) {
  if (number.empty() || number.size() > 32) return false;
  for (char c : number) {
    if (!((c >= '0' && c <= '9') || c == '*' || c == '#' || c == '+')) return false;
  }
  return true;
}
}  // namespace

std::string_view to_string(Ending ending) {
  switch (ending) {
    case Ending::running:
      return "running";
    case Ending::queued:
      return "queued";
    case Ending::transferred:
      return "transferred";
    case Ending::flow_hangup:
      return "flow_hangup";
    case Ending::caller_hangup:
      return "caller_hangup";
    case Ending::failed:
      return "failed";
  }
  return "running";
}

std::string_view to_string(RecordEnd end) {
  switch (end) {
    case RecordEnd::digit:
      return "digit";
    case RecordEnd::silence:
      return "silence";
    case RecordEnd::max_length:
      return "max_length";
    case RecordEnd::hangup:
      return "hangup";
    case RecordEnd::failed:
      return "failed";
  }
  return "failed";
}

std::string substitute(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    auto start = text.find("${", i);
    if (start == std::string_view::npos) break;
    auto end = text.find('}', start + 2);
    if (end == std::string_view::npos) break;
    out.append(text.substr(i, start - i));
    auto it = vars.find(std::string(text.substr(start + 2, end - start - 2)));
    if (it != vars.end()) out += it->second;
    i = end + 1;
  }
  out.append(text.substr(i));
  return out;
}

struct Interpreter::Impl {
  enum class Wait { none, prompt, digits, recording, service, handoff, article, question, goodbye };

  Interpreter& self;
  const Flow& flow;
  Port& port;
  Services& services;
  boost::asio::any_io_executor executor;
  CallInfo call;
  InterpreterOptions options;
  std::shared_ptr<char> alive = std::make_shared<char>(0);
  std::map<std::string, std::string> vars;
  std::vector<FlowStats::Counter*> counters;

  std::size_t current = kNone;
  std::vector<std::size_t> menus;  // the menus the caller came through, for "back"
  std::vector<bool> visited;
  Wait wait = Wait::none;
  std::uint64_t step = 0;  // generation of the node visit; stale callbacks compare it
  std::uint64_t play_id = 0;
  std::uint64_t timer_id = 0;
  bool playing = false;
  bool timer_armed = false;
  bool recording = false;
  int tries = 0;
  int steps_without_input = 0;
  std::string buffer;
  std::vector<KbItem> articles;
  std::size_t article = 0;
  std::optional<Survey> survey;
  std::size_t question = 0;

  Impl(Interpreter& s, const Flow& f, Port& p, Services& svc, boost::asio::any_io_executor ex, CallInfo c,
       InterpreterOptions o)
      : self(s), flow(f), port(p), services(svc), executor(std::move(ex)), call(std::move(c)), options(std::move(o)) {
    if (!options.now_ms) options.now_ms = [] { return now_ms(); };
    vars = flow.variables;
    for (const auto& [k, v] : options.variables) vars[k] = v;
    vars["caller"] = call.caller;
    std::string digits;
    for (char ch : call.caller) {
      if (ch >= '0' && ch <= '9') digits += ch;
    }
    vars["caller.last4"] = digits.size() >= 4 ? digits.substr(digits.size() - 4) : digits;
    vars["caller.repeat"] = call.repeat_caller ? "true" : "false";
    for (const auto& [k, v] : call.attributes) vars["caller." + k] = v;
    vars["called"] = call.called;
    vars["call.id"] = call.call_id;
    vars["flow"] = flow.name;
    if (!vars.count("lang") || vars["lang"].empty()) vars["lang"] = "zh-CN";
    visited.assign(flow.nodes.size(), false);
    if (options.stats) counters = options.stats->resolve(flow);
  }

  bool live() const { return self.ending_ == Ending::running; }
  const Node& node() const { return flow.nodes[current]; }

  // ---- callbacks ----
  // For port callbacks (same thread): dropped when the interpreter is gone
  // or has moved on to another step.
  template <class F>
  auto guard(F f) {
    return [w = std::weak_ptr<char>(alive), this, at = step, f = std::move(f)](auto&&... args) mutable {
      if (w.expired() || at != step || !live()) return;
      f(std::forward<decltype(args)>(args)...);
    };
  }
  // For service callbacks (any thread): re-posted to the call's executor first.
  template <class F>
  auto from_service(F f) {
    return [w = std::weak_ptr<char>(alive), this, at = step, ex = executor, f = std::move(f)](auto... args) mutable {
      boost::asio::post(ex, [w, this, at, f = std::move(f), values = std::make_tuple(std::move(args)...)]() mutable {
        if (w.expired() || at != step || !live()) return;
        std::apply(f, std::move(values));
      });
    };
  }

  // ---- port helpers ----
  std::vector<PromptItem> items(const Prompt& prompt) const {
    std::vector<PromptItem> out;
    bool english = vars.at("lang") == "en";
    for (const auto& p : prompt) {
      PromptItem item;
      item.kind = p.kind;
      item.lang = english ? "en" : "zh-CN";
      switch (p.kind) {
        case PromptSpec::Kind::speech:
          item.key = p.key;
          if (english && !p.text_en.empty()) {
            item.text = substitute(p.text_en, vars);
          } else {
            item.text = substitute(p.text, vars);
            item.lang = "zh-CN";
          }
          break;
        case PromptSpec::Kind::file:
          item.file = substitute(p.file, vars);
          break;
        case PromptSpec::Kind::say:
          item.say = p.say;
          item.value = substitute(p.value, vars);
          break;
      }
      out.push_back(std::move(item));
    }
    return out;
  }

  template <class F>
  void play(std::vector<PromptItem> list, bool barge_in, Wait w, F on_end) {
    stop_timer();
    wait = w;
    if (list.empty()) {
      on_end(PlayEnd::finished);
      return;
    }
    playing = true;
    auto id = ++play_id;
    port.play(std::move(list), barge_in, guard([this, id, on_end = std::move(on_end)](PlayEnd end) mutable {
                if (id != play_id) return;
                playing = false;
                on_end(end);
              }));
  }

  void stop_play() {
    if (!playing) return;
    playing = false;
    ++play_id;
    port.stop_playing();
  }

  template <class F>
  void start_timer(std::chrono::milliseconds after, F fired) {
    timer_armed = true;
    auto id = ++timer_id;
    port.start_timer(after, guard([this, id, fired = std::move(fired)]() mutable {
                       if (id != timer_id) return;
                       timer_armed = false;
                       fired();
                     }));
  }

  void stop_timer() {
    if (!timer_armed) return;
    timer_armed = false;
    ++timer_id;
    port.cancel_timer();
  }

  // ---- the path ----
  void note(const std::string& what) {
    if (self.path_.empty() || what.empty()) return;
    auto& out = self.path_.back().outcome;
    if (out.size() > 200) return;
    out += (out.empty() ? "" : ",") + what;
  }

  void leave(const std::string& outcome) {
    if (current == kNone) return;
    note(outcome);
    if (!counters.empty()) counters[current]->active.fetch_sub(1, std::memory_order_relaxed);
    spdlog::debug("event=ivr.step call={} flow={} node={} outcome=\"{}\"", call.call_id, flow.name, node().id,
                  self.path_.empty() ? "" : self.path_.back().outcome);
    stop_play();
    stop_timer();
  }

  // ---- moving ----
  void go(const std::string& target, const std::string& outcome) {
    if (!live()) return;
    leave(outcome);
    auto i = flow.index_of(target);
    if (target.empty() || i == kNone) {
      current = kNone;
      goodbye("no next node");
      return;
    }
    enter(i);
  }

  void enter(std::size_t i) {
    if (++steps_without_input > options.max_steps_without_input) {
      spdlog::warn("event=ivr.runaway call={} flow={} node={}", call.call_id, flow.name, flow.nodes[i].id);
      current = kNone;
      fail("runaway flow");
      return;
    }
    ++step;
    current = i;
    tries = 0;
    buffer.clear();
    wait = Wait::none;
    visited[i] = true;
    if (!counters.empty()) {
      counters[i]->entered.fetch_add(1, std::memory_order_relaxed);
      counters[i]->active.fetch_add(1, std::memory_order_relaxed);
    }
    if (self.path_.size() < kMaxPathSteps) self.path_.push_back({options.now_ms(), node().id, ""});
    if (node().type == NodeType::menu) {
      auto it = std::find(menus.begin(), menus.end(), i);
      if (it != menus.end())
        menus.erase(it + 1, menus.end());
      else
        menus.push_back(i);
    }
    switch (node().type) {
      case NodeType::play:
        return run_play();
      case NodeType::menu:
        return run_menu(nullptr);
      case NodeType::collect:
        return run_collect(nullptr);
      case NodeType::record:
        return run_record();
      case NodeType::queue:
        return run_queue();
      case NodeType::transfer:
        return run_transfer();
      case NodeType::condition:
        return run_condition();
      case NodeType::set:
        return run_set();
      case NodeType::goto_node:
        return go(node().as<GotoNode>().target, "");
      case NodeType::action:
        return run_action();
      case NodeType::hangup:
        return run_hangup(node().as<HangupNode>().prompt, "hangup");
    }
  }

  void finish(Ending ending, const std::string& outcome) {
    if (!live()) return;
    leave(outcome);
    self.ending_ = ending;
    alive.reset();  // every callback handed out is dead from here on
    spdlog::info("event=ivr.finished call={} flow={} ending={} steps={}", call.call_id, flow.name, to_string(ending),
                 self.path_.size());
  }

  void fail(const std::string& why) {
    bool was_live = live();
    finish(Ending::failed, why);
    if (was_live) port.hangup();
  }

  void run_hangup(const Prompt& prompt, const std::string& outcome) {
    play(items(prompt), false, Wait::goodbye, [this, outcome](PlayEnd) {
      finish(Ending::flow_hangup, outcome);
      port.hangup();
    });
  }

  // Retries ran out with no fallback, or nowhere to go.
  void goodbye(const std::string& why) {
    note(why);
    run_hangup(flow.globals.goodbye, why);
  }

  // ---- globals: back and operator ----
  bool global_key(char d) {
    const auto& g = flow.globals;
    if (g.operator_digit && *g.operator_digit == d && !g.operator_target.empty() &&
        (current == kNone || node().id != g.operator_target)) {
      go(g.operator_target, "operator");
      return true;
    }
    if (g.back && *g.back == d) {
      std::size_t target = kNone;
      if (current != kNone && node().type == NodeType::menu) {
        target = menus.size() >= 2 ? menus[menus.size() - 2] : current;
      } else if (!menus.empty()) {
        target = menus.back();
      }
      if (target == kNone) return false;
      go(flow.nodes[target].id, "back");
      return true;
    }
    return false;
  }

  // ---- play ----
  void run_play() {
    const auto& n = node().as<PlayNode>();
    play(items(n.prompt), n.barge_in, Wait::prompt, [this, next = n.next](PlayEnd end) {
      go(next, end == PlayEnd::interrupted ? "interrupted" : "");
    });
  }

  // ---- retries shared by menu, collect ----
  const RetryRules& rules() const {
    if (node().type == NodeType::menu) return node().as<MenuNode>().retry;
    if (node().type == NodeType::collect) return node().as<CollectNode>().retry;
    if (node().type == NodeType::record) return node().as<RecordNode>().retry;
    return node().as<ActionNode>().retry;
  }

  // The notice to play before the prompt again; false when retries ran out (and the caller was moved on).
  bool retry(bool timed_out, Prompt& notice) {
    const auto& r = rules();
    note(timed_out ? "timeout" : "invalid");
    if (++tries > r.retries) {
      if (!r.fallback.empty())
        go(r.fallback, "fallback");
      else
        goodbye("retries");
      return false;
    }
    const Prompt& own = timed_out ? r.timeout_prompt : r.invalid_prompt;
    const Prompt& global = timed_out ? flow.globals.timeout_prompt : flow.globals.invalid_prompt;
    notice = !own.empty() ? own : global;  // a timeout with neither just says the prompt again
    return true;
  }

  // ---- menu ----
  void run_menu(const Prompt* notice) {
    const auto& n = node().as<MenuNode>();
    auto list = notice ? items(*notice) : std::vector<PromptItem>{};
    auto prompt = items(n.prompt);
    list.insert(list.end(), prompt.begin(), prompt.end());
    play(std::move(list), n.barge_in, Wait::prompt, [this, timeout = n.retry.timeout](PlayEnd end) {
      if (end == PlayEnd::interrupted || end == PlayEnd::stopped) return;  // the key comes through on_digit
      wait = Wait::digits;
      start_timer(timeout, [this] { menu_retry(true); });
    });
  }

  void menu_retry(bool timed_out) {
    Prompt notice;
    if (!retry(timed_out, notice)) return;
    run_menu(&notice);
  }

  void menu_key(char d) {
    const auto& n = node().as<MenuNode>();
    if (wait == Wait::prompt && !n.barge_in && !is_global(d)) return;
    auto it = n.choices.find(d);
    if (it != n.choices.end()) {
      vars["digits"] = std::string(1, d);
      go(it->second, std::string(1, d));
      return;
    }
    if (global_key(d)) return;
    stop_play();
    stop_timer();
    menu_retry(false);
  }

  bool is_global(char d) const {
    const auto& g = flow.globals;
    return (g.back && *g.back == d) || (g.operator_digit && *g.operator_digit == d);
  }

  // ---- collect ----
  void run_collect(const Prompt* notice) {
    const auto& n = node().as<CollectNode>();
    buffer.clear();
    auto list = notice ? items(*notice) : std::vector<PromptItem>{};
    auto prompt = items(n.prompt);
    list.insert(list.end(), prompt.begin(), prompt.end());
    play(std::move(list), n.barge_in, Wait::prompt, [this, timeout = n.retry.timeout](PlayEnd end) {
      if (end == PlayEnd::interrupted || end == PlayEnd::stopped) return;
      wait = Wait::digits;
      if (buffer.empty()) start_timer(timeout, [this] { collect_timeout(); });
    });
  }

  void collect_key(char d) {
    const auto& n = node().as<CollectNode>();
    if (wait == Wait::prompt && !n.barge_in) return;
    auto& g = flow.globals;
    if (buffer.empty() && g.back && *g.back == d && n.terminator != d) {
      if (global_key(d)) return;
    }
    stop_play();
    stop_timer();
    wait = Wait::digits;
    if (n.terminator && d == *n.terminator) return collect_done();
    if (d < '0' || d > '9') {
      Prompt notice;
      if (retry(false, notice)) run_collect(&notice);
      return;
    }
    buffer += d;
    if (static_cast<int>(buffer.size()) >= n.max_digits) return collect_done();
    start_timer(n.inter_digit_timeout, [this] { collect_timeout(); });
  }

  void collect_timeout() {
    const auto& n = node().as<CollectNode>();
    if (!buffer.empty() && static_cast<int>(buffer.size()) >= n.min_digits) return collect_done();
    Prompt notice;
    if (retry(buffer.empty(), notice)) run_collect(&notice);
  }

  void collect_done() {
    const auto& n = node().as<CollectNode>();
    if (static_cast<int>(buffer.size()) < n.min_digits) {
      Prompt notice;
      if (retry(false, notice)) run_collect(&notice);
      return;
    }
    vars[n.into] = buffer;
    auto count = buffer.size();
    buffer.clear();
    steps_without_input = 0;
    go(n.next, std::to_string(count) + " digits");
  }

  // ---- record ----
  void run_record() {
    const auto& n = node().as<RecordNode>();
    auto list = items(n.prompt);
    if (tries > 0) {
      const Prompt& notice = !n.retry.invalid_prompt.empty() ? n.retry.invalid_prompt : flow.globals.invalid_prompt;
      auto before = items(notice);
      list.insert(list.begin(), before.begin(), before.end());
    }
    play(std::move(list), false, Wait::prompt, [this](PlayEnd end) {
      if (end == PlayEnd::stopped) return;
      start_recording();
    });
  }

  void start_recording() {
    const auto& n = node().as<RecordNode>();
    RecordOptions o;
    o.max_seconds = n.max_seconds;
    o.silence_seconds = n.silence_seconds;
    o.end_digits = n.end_digits;
    o.beep = n.beep;
    o.store_as = n.store_as;
    wait = Wait::recording;
    recording = true;
    port.record(std::move(o), guard([this](RecordResult r) {
                  recording = false;
                  record_done(std::move(r));
                }));
  }

  void record_done(RecordResult r) {
    const auto& n = node().as<RecordNode>();
    if (r.ended_by == RecordEnd::hangup) return;  // on_hangup follows
    steps_without_input = 0;
    if (r.ended_by == RecordEnd::failed || r.path.empty() || r.duration_ms < std::int64_t{n.min_seconds} * 1000) {
      note(r.ended_by == RecordEnd::failed ? "record failed" : "too short");
      if (++tries > n.retry.retries) {
        if (!n.retry.fallback.empty())
          go(n.retry.fallback, "fallback");
        else
          goodbye("retries");
        return;
      }
      run_record();
      return;
    }
    vars["recording.path"] = r.path;
    vars["recording.ms"] = std::to_string(r.duration_ms);
    vars["recording.seconds"] = std::to_string((r.duration_ms + 500) / 1000);
    go(n.next, "recorded " + vars["recording.seconds"] + "s by " + std::string(to_string(r.ended_by)));
  }

  // ---- queue, transfer ----
  void run_queue() {
    const auto& n = node().as<QueueNode>();
    QueueRequest q;
    q.queue = substitute(n.queue, vars);
    auto priority = substitute(n.priority, vars);
    q.priority = std::atoi(priority.c_str());
    if (q.priority < 0) q.priority = 0;
    if (q.priority > 100) q.priority = 100;
    q.announcements = items(n.announcements);
    wait = Wait::handoff;
    note("queue " + q.queue);
    q.ivr_path_json = self.path_json();
    port.to_queue(std::move(q), guard([this](HandOff h) { handed_off(h, Ending::queued, node().as<QueueNode>().on_failure); }));
  }

  void handed_off(const HandOff& h, Ending ending, const std::string& on_failure) {
    if (h.accepted) return finish(ending, "accepted");
    note("refused " + h.reason);
    if (!on_failure.empty())
      go(on_failure, "on_failure");
    else
      goodbye("refused");
  }

  void run_transfer() {
    const auto& n = node().as<TransferNode>();
    play(items(n.prompt), false, Wait::prompt, [this](PlayEnd end) {
      if (end == PlayEnd::stopped) return;
      const auto& t = node().as<TransferNode>();
      TransferRequest r;
      r.number = substitute(t.number, vars);
      r.trunk = substitute(t.trunk, vars);
      r.mode = t.mode;
      if (!dialable(r.number)) {
        spdlog::warn("event=ivr.transfer_bad_number call={} flow={} node={}", call.call_id, flow.name, node().id);
        return handed_off(HandOff{false, "not a number"}, Ending::transferred, t.on_failure);
      }
      wait = Wait::handoff;
      note("transfer " + r.number);
      port.transfer(std::move(r), guard([this](HandOff h) {
                      handed_off(h, Ending::transferred, node().as<TransferNode>().on_failure);
                    }));
    });
  }

  // ---- condition, set ----
  bool test(const ConditionTest& t) const {
    auto now = options.now_ms();
    if (t.schedule) {
      if (!options.schedules || !options.schedules->open(*t.schedule, now)) return false;
    }
    if (!t.times.empty() || t.weekdays || t.holiday || t.working_day) {
      auto lt = local_time(now);
      if (!t.times.empty() && !in_hours(t.times, lt.minute)) return false;
      if (t.weekdays && !t.weekdays->count(lt.weekday)) return false;
      tickets::WorkCalendar none;
      const auto& cal = options.schedules ? options.schedules->calendar : none;
      if (t.holiday && is_holiday(cal, lt.day) != *t.holiday) return false;
      if (t.working_day && cal.is_working_day(lt.day) != *t.working_day) return false;
    }
    if (t.repeat_caller && call.repeat_caller != *t.repeat_caller) return false;
    if (t.var) {
      auto it = vars.find(*t.var);
      std::string value = it == vars.end() ? "" : it->second;
      if (t.equals && value != substitute(*t.equals, vars)) return false;
      if (t.not_equals && value == substitute(*t.not_equals, vars)) return false;
      if (t.in && std::find(t.in->begin(), t.in->end(), value) == t.in->end()) return false;
      if (t.empty && value.empty() != *t.empty) return false;
    }
    return true;
  }

  void run_condition() {
    const auto& n = node().as<ConditionNode>();
    for (std::size_t i = 0; i < n.branches.size(); ++i) {
      if (test(n.branches[i].test)) return go(n.branches[i].target, "branch " + std::to_string(i + 1));
    }
    go(n.otherwise, "otherwise");
  }

  void run_set() {
    const auto& n = node().as<SetNode>();
    for (const auto& [name, value] : n.values) vars[name] = substitute(value, vars);
    go(n.next, "");
  }

  // ---- actions ----
  std::string arg(const ActionNode& a, const std::string& name, const std::string& fallback = {}) const {
    auto it = a.args.find(name);
    return substitute(it == a.args.end() ? fallback : it->second, vars);
  }

  void result(const std::string& r) {
    const auto& a = node().as<ActionNode>();
    go(a.target_of(r), r);
  }

  void run_action() {
    const auto& a = node().as<ActionNode>();
    wait = Wait::service;
    switch (a.action) {
      case ActionKind::ticket_lookup: {
        TicketStatusQuery q{arg(a, "number"), arg(a, "phone_last4", "${caller.last4}")};
        services.lookup_ticket(std::move(q), from_service([this](ServiceStatus s, std::optional<TicketStatus> t) {
                                 if (!s.ok) return service_error(s);
                                 if (!t) return result("not_found");
                                 vars["ticket.number"] = t->number;
                                 vars["ticket.state"] = t->state;
                                 vars["ticket.state_label"] = t->state_label;
                                 vars["ticket.department"] = t->department;
                                 vars["ticket.reply"] = t->reply;
                                 result("found");
                               }));
        return;
      }
      case ActionKind::create_ticket: {
        IvrTicket t;
        t.type = arg(a, "type");
        t.caller_phone = call.caller;
        t.summary = arg(a, "summary");
        t.recording_path = arg(a, "recording", "${recording.path}");
        t.recording_ms = std::atoll(arg(a, "recording_ms", "${recording.ms}").c_str());
        t.call_id = call.call_id;
        t.flow = flow.name;
        services.create_ticket(std::move(t), from_service([this](ServiceStatus s, CreatedTicket c) {
                                 if (!s.ok) return service_error(s);
                                 vars["ticket.number"] = c.number;
                                 result("created");
                               }));
        return;
      }
      case ActionKind::kb_playback: {
        int limit = std::atoi(arg(a, "limit", "5").c_str());
        services.kb_articles(arg(a, "section"), limit < 1 ? 5 : limit,
                             from_service([this](ServiceStatus s, std::vector<KbItem> list) {
                               if (!s.ok) return service_error(s);
                               vars["kb.count"] = std::to_string(list.size());
                               if (list.empty()) return result("empty");
                               articles = std::move(list);
                               article = 0;
                               play_article();
                             }));
        return;
      }
      case ActionKind::survey: {
        services.active_survey(from_service([this](ServiceStatus s, std::optional<Survey> found) {
          if (!s.ok) return service_error(s);
          if (!found || found->questions.empty()) return result("none");
          survey = std::move(found);
          question = 0;
          tries = 0;
          ask_question(nullptr);
        }));
        return;
      }
      case ActionKind::survey_answer: {
        SurveyAnswer ans;
        ans.survey_id = std::atoll(arg(a, "survey").c_str());
        ans.question_id = std::atoll(arg(a, "question").c_str());
        ans.answer = std::atoi(arg(a, "answer").c_str());
        ans.caller_phone = call.caller;
        ans.call_id = call.call_id;
        services.survey_answer(std::move(ans), from_service([this](ServiceStatus s) {
                                 if (!s.ok) return service_error(s);
                                 result("stored");
                               }));
        return;
      }
      case ActionKind::missed_call: {
        MissedCall m{call.caller, call.call_id, flow.name, node().id, arg(a, "reason", "requested")};
        services.missed_call(std::move(m), from_service([this](ServiceStatus s) {
                               if (!s.ok) return service_error(s);
                               result("recorded");
                             }));
        return;
      }
    }
  }

  void service_error(const ServiceStatus& s) {
    spdlog::warn("event=ivr.service_failed call={} flow={} node={} error=\"{}\"", call.call_id, flow.name, node().id,
                 s.error);
    result("error");
  }

  void play_article() {
    if (article >= articles.size()) return result("done");
    const auto& a = articles[article];
    std::vector<PromptItem> list(2);
    list[0].text = a.title;
    list[1].text = a.body;
    note("article " + std::to_string(a.id));
    play(std::move(list), true, Wait::article, [this](PlayEnd end) {
      if (end == PlayEnd::interrupted || end == PlayEnd::stopped) return;  // a key decides
      ++article;
      play_article();
    });
  }

  void article_key(char d) {
    if (global_key(d)) return;
    if (d == '#') {  // the next article
      stop_play();
      steps_without_input = 0;
      ++article;
      play_article();
    }
  }

  void ask_question(const Prompt* notice) {
    if (question >= survey->questions.size()) return result("done");
    const auto& q = survey->questions[question];
    auto list = notice ? items(*notice) : std::vector<PromptItem>{};
    PromptItem text;
    text.text = q.text;
    list.push_back(std::move(text));
    play(std::move(list), true, Wait::question, [this](PlayEnd end) {
      if (end == PlayEnd::interrupted || end == PlayEnd::stopped) return;
      start_timer(node().as<ActionNode>().retry.timeout, [this] { question_retry(true); });
    });
  }

  void question_retry(bool timed_out) {
    const auto& r = node().as<ActionNode>().retry;
    note(timed_out ? "timeout" : "invalid");
    if (++tries > r.retries) {
      note("skipped");
      tries = 0;
      ++question;
      ask_question(nullptr);
      return;
    }
    const Prompt& own = timed_out ? r.timeout_prompt : r.invalid_prompt;
    Prompt notice = !own.empty() ? own : flow.globals.invalid_prompt;
    ask_question(&notice);
  }

  void question_key(char d) {
    const auto& q = survey->questions[question];
    if (d >= '1' && d - '0' <= q.max_answer) {
      stop_play();
      stop_timer();
      SurveyAnswer ans{survey->id, q.id, d - '0', call.caller, call.call_id};
      // Stored on its own; the caller goes on to the next question meanwhile.
      services.survey_answer(std::move(ans), [id = call.call_id](ServiceStatus s) {
        if (!s.ok) spdlog::warn("event=ivr.survey_answer_failed call={} error=\"{}\"", id, s.error);
      });
      note("answered");
      tries = 0;
      ++question;
      ask_question(nullptr);
      return;
    }
    if (global_key(d)) return;
    stop_play();
    stop_timer();
    question_retry(false);
  }

  // ---- events ----
  void digit(char d) {
    if (!live() || current == kNone || wait == Wait::goodbye || wait == Wait::handoff) return;
    steps_without_input = 0;
    switch (node().type) {
      case NodeType::menu:
        return menu_key(d);
      case NodeType::collect:
        return collect_key(d);
      case NodeType::action:
        if (wait == Wait::article) return article_key(d);
        if (wait == Wait::question) return question_key(d);
        if (wait == Wait::service) global_key(d);
        return;
      case NodeType::play:
      case NodeType::record:
      case NodeType::transfer:
        if (wait == Wait::prompt) global_key(d);
        return;
      default:
        return;
    }
  }

  void hangup() {
    if (!live()) return;
    bool was_recording = recording;
    std::string where = current == kNone ? "" : node().id;
    if (!self.path_.empty()) note("caller hung up");
    if (current != kNone && !counters.empty()) counters[current]->active.fetch_sub(1, std::memory_order_relaxed);
    self.ending_ = Ending::caller_hangup;
    alive.reset();
    if (playing) port.stop_playing();
    if (timer_armed) port.cancel_timer();
    if (was_recording) port.stop_recording();
    playing = timer_armed = recording = false;
    const auto& g = flow.globals;
    bool reached = false;
    for (const auto& id : g.missed_unless) {
      auto i = flow.index_of(id);
      if (i != kNone && visited[i]) reached = true;
    }
    if (g.missed_call && !reached && !call.caller.empty()) {
      MissedCall m{call.caller, call.call_id, flow.name, where, "hangup"};
      services.missed_call(std::move(m), [id = call.call_id](ServiceStatus s) {
        if (!s.ok) spdlog::warn("event=ivr.missed_call_failed call={} error=\"{}\"", id, s.error);
      });
    }
    spdlog::info("event=ivr.finished call={} flow={} ending=caller_hangup node={} steps={}", call.call_id, flow.name,
                 where, self.path_.size());
  }
};

Interpreter::Interpreter(std::shared_ptr<const Flow> flow, Port& port, Services& services,
                         boost::asio::any_io_executor executor, CallInfo call, InterpreterOptions options)
    : flow_(std::move(flow)) {
  impl_ = std::make_unique<Impl>(*this, *flow_, port, services, std::move(executor), std::move(call),
                                 std::move(options));
}

Interpreter::~Interpreter() {
  // A call torn down without on_hangup(): the counters still drop the call.
  if (ending_ == Ending::running && impl_->current != kNone && !impl_->counters.empty())
    impl_->counters[impl_->current]->active.fetch_sub(1, std::memory_order_relaxed);
}

void Interpreter::start() {
  if (impl_->current != kNone || finished()) return;
  auto i = flow_->index_of(flow_->start);
  if (i == kNone) return impl_->fail("no start node");
  spdlog::info("event=ivr.started call={} flow={} digest={}", impl_->call.call_id, flow_->name, flow_->digest);
  impl_->enter(i);
}

void Interpreter::on_digit(char digit) { impl_->digit(digit); }

void Interpreter::on_hangup() { impl_->hangup(); }

const std::string& Interpreter::current_node() const {
  static const std::string none;
  return impl_->current == kNone ? none : flow_->nodes[impl_->current].id;
}

std::string Interpreter::variable(const std::string& name) const {
  auto it = impl_->vars.find(name);
  return it == impl_->vars.end() ? std::string() : it->second;
}

std::string Interpreter::path_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : path_) out.push_back({{"t", s.at_ms}, {"node", s.node}, {"out", s.outcome}});
  return out.dump();
}

}  // namespace hotline::ivr
