// The ACD service: the Router on the `acd` strand, its timer, the event logs
// and callbacks written through the store, and the notices for consoles.
#include "hotline/acd/service.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include "hotline/acd/event_log.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/privacy.hpp"
#include "hotline/tickets/personal_data.hpp"

namespace hotline::acd {
namespace asio = boost::asio;

namespace {

constexpr Ms kLocalOffset = 8 * 3600 * 1000;  // the hotline's day: Beijing time (UTC+8, no DST)
constexpr auto kStatsPeriod = std::chrono::seconds(1);

void log_write_error(std::exception_ptr e, const char* what) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("event=acd.write_failed what={} reason=\"{}\"", what, ex.what());
  }
}

}  // namespace

Ms Service::next_local_midnight(Ms now) {
  constexpr Ms day = 24 * 3600 * 1000;
  return ((now + kLocalOffset) / day + 1) * day - kLocalOffset;
}

struct Service::Impl final : Sink {
  Impl(Service& owner, const Config& config, store::Store& store, Metrics& metrics,
       const tickets::PersonalDataKey& key, asio::any_io_executor strand)
      : owner(owner),
        config(config),
        store(store),
        metrics(metrics),
        key(key),
        router(*this, static_cast<std::uint64_t>(now_ms())),
        timer(strand),
        midnight(strand),
        stats_timer(strand),
        events_written(metrics.counter("hotline_acd_queue_events_total", "Queue events logged.")),
        agent_events(metrics.counter("hotline_acd_agent_events_total", "Agent state changes logged.")),
        waiting_gauge(metrics.gauge("hotline_acd_waiting", "Callers waiting in queues (callbacks included).")),
        offers(metrics.counter("hotline_acd_offers_total", "Calls offered to agents.")) {}

  Service& owner;
  const Config& config;
  store::Store& store;
  Metrics& metrics;
  const tickets::PersonalDataKey& key;
  Router router;
  CallControl* calls = nullptr;
  std::function<void(Notice)> notify;
  std::function<void(const Entry&)> given_up;
  asio::steady_timer timer;
  asio::steady_timer midnight;
  asio::steady_timer stats_timer;
  std::optional<Ms> armed_for;
  bool restoring = false;
  bool stats_dirty = true;
  bool stopped = false;
  std::map<std::string, AcdQueueConfig> queues;                      // name -> settings in force
  std::map<std::pair<std::string, std::string>, int> members;        // (queue, agent) -> penalty
  Counter& events_written;
  Counter& agent_events;
  Gauge& waiting_gauge;
  Counter& offers;

  // ---- Sink ----
  void offer(const Offer& o) override {
    offers.inc();
    if (calls) calls->ring_agent(o);
    nlohmann::json params = {{"offer", o.id},
                             {"call", o.entry.id},
                             {"queue", o.entry.queue},
                             {"caller_masked", mask_phone(o.entry.callback ? o.entry.callback_number : o.entry.caller)},
                             {"callback", o.entry.callback},
                             {"priority", o.entry.priority},
                             {"waited_ms", now_ms() - o.entry.entered_at},
                             {"ivr_path", o.entry.ivr_path_json.empty()
                                              ? nlohmann::json::array()
                                              : nlohmann::json::parse(o.entry.ivr_path_json, nullptr, false)}};
    send({"call.ringing", params.dump(), o.agent});
  }
  void cancel_offer(OfferId id, const std::string& agent, const std::string& entry) override {
    if (calls) calls->stop_ringing(id);
    send({"call.offer_cancelled", nlohmann::json{{"offer", id}, {"call", entry}}.dump(), agent});
  }
  void overflow(const Entry& entry, const std::string& target, const std::string& reason) override {
    spdlog::info("event=acd.overflow call={} queue={} target={} reason={}", entry.id, entry.queue, target, reason);
    if (entry.callback) return callback_given_up(entry);
    if (calls) calls->overflow(entry, target, reason);
  }
  void announce(const Entry& entry, int position, Ms estimated_wait) override {
    if (calls) calls->announce(entry, position, estimated_wait);
  }
  void callback_given_up(const Entry& entry) override {
    spdlog::info("event=acd.callback_given_up call={} queue={} attempts={}", entry.id, entry.queue,
                 entry.callback_attempts);
    update_callback(entry.id, "given_up", entry.callback_attempts);
    if (given_up) given_up(entry);
  }
  void agent_changed(const AgentView& agent, const AgentEvent& e) override {
    agent_events.inc();
    stats_dirty = true;
    send({"agent.state", to_json(agent).dump(), ""});
    auto job = [e](store::Database& db) {
      log_agent_event(db, e);
      return 0;
    };
    store.write(std::move(job), [](std::exception_ptr err, int) { log_write_error(err, "agent_event"); });
  }
  void queue_event(const QueueEvent& e) override {
    stats_dirty = true;
    if (restoring && e.kind == QueueEventKind::enter) return;  // a callback put back in line after a restart
    events_written.inc();
    auto job = [e](store::Database& db) {
      log_queue_event(db, e);
      return 0;
    };
    store.write(std::move(job), [](std::exception_ptr err, int) { log_write_error(err, "queue_event"); });
    switch (e.kind) {
      case QueueEventKind::callback_requested:
        return persist_callback(e);
      case QueueEventKind::callback_connected:
        return update_callback(e.call, "connected", -1);
      case QueueEventKind::callback_failed:
        return update_callback(e.call, "waiting", -2);
      default:
        return;
    }
  }

  // ---- callbacks kept across restarts ----
  void persist_callback(const QueueEvent& e) {
    for (const auto& entry : router.waiting(e.queue)) {
      if (entry.id != e.call) continue;
      std::string sealed = key.seal(entry.callback_number);
      auto job = [entry, sealed, at = e.at](store::Database& db) {
        db.prepare(
              "INSERT INTO acd_callbacks (call, queue, priority, number_enc, entered_at, requested_at, attempts, "
              "state, ivr_path, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, 'waiting', ?, ?) "
              "ON CONFLICT(call) DO UPDATE SET state = 'waiting', number_enc = excluded.number_enc, "
              "updated_at = excluded.updated_at")
            .bind(1, entry.id)
            .bind(2, entry.queue)
            .bind(3, entry.priority)
            .bind_blob(4, sealed.data(), sealed.size())
            .bind(5, entry.entered_at)
            .bind(6, at)
            .bind(7, entry.ivr_path_json)
            .bind(8, at)
            .run();
        return 0;
      };
      store.write(std::move(job), [](std::exception_ptr err, int) { log_write_error(err, "callback"); });
      return;
    }
  }
  // attempts: -1 keep, -2 one more, else the number.
  void update_callback(const std::string& call, const std::string& state, int attempts) {
    auto job = [call, state, attempts, at = now_ms()](store::Database& db) {
      db.query(
            "UPDATE acd_callbacks SET state = ?, attempts = CASE ? WHEN -1 THEN attempts WHEN -2 THEN attempts + 1 "
            "ELSE ? END, updated_at = ? WHERE call = ?",
            state, attempts, attempts, at, call)
          .run();
      return 0;
    };
    store.write(std::move(job), [](std::exception_ptr err, int) { log_write_error(err, "callback_update"); });
  }

  void send(Notice n) {
    if (notify) notify(std::move(n));
  }

  // ---- time ----
  void rearm() {
    if (stopped) return;
    auto next = router.next_deadline();
    if (next == armed_for) return;
    armed_for = next;
    if (!next) {
      timer.cancel();
      return;
    }
    timer.expires_after(std::chrono::milliseconds(std::max<Ms>(0, *next - now_ms())));
    timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      armed_for.reset();
      router.tick(now_ms());
      rearm();
    });
  }

  void arm_midnight() {
    auto now = now_ms();
    midnight.expires_after(std::chrono::milliseconds(next_local_midnight(now) - now));
    midnight.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      router.reset_day(now_ms());
      stats_dirty = true;
      arm_midnight();
    });
  }

  // queue.stats at most once a second, only when something changed or callers wait (their wait grows).
  void arm_stats() {
    stats_timer.expires_after(kStatsPeriod);
    stats_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      auto views = router.queues(now_ms());
      std::size_t waiting = 0;
      for (const auto& q : views) waiting += q.waiting;
      waiting_gauge.set(static_cast<std::int64_t>(waiting));
      if (stats_dirty || waiting > 0) {
        stats_dirty = false;
        nlohmann::json items = nlohmann::json::array();
        for (const auto& q : views) items.push_back(to_json(q));
        send({"queue.stats", nlohmann::json{{"queues", items}, {"at", now_ms()}}.dump(), ""});
      }
      arm_stats();
    });
  }

  void reconfigure(Ms now) {
    std::vector<QueueSettings> settings;
    for (const auto& [name, q] : queues) settings.push_back(settings_from(q));
    std::vector<Membership> list;
    for (const auto& [key, penalty] : members) list.push_back({key.first, key.second, penalty});
    router.configure(std::move(settings), std::move(list), now);
  }
};

Service::Service(const Config& config, asio::any_io_executor io, store::Store& store, Metrics& metrics,
                 const tickets::PersonalDataKey& key)
    : strand_(asio::make_strand(io)) {
  impl_ = std::make_unique<Impl>(*this, config, store, metrics, key, strand_);
}

Service::~Service() = default;

void Service::attach(CallControl& calls) { impl_->calls = &calls; }
void Service::on_notice(std::function<void(Notice)> notify) { impl_->notify = std::move(notify); }
void Service::on_callback_given_up(std::function<void(const Entry&)> make_ticket) {
  impl_->given_up = std::move(make_ticket);
}

void Service::post(std::function<void(Router&, Ms)> fn) {
  asio::post(strand_, [impl = impl_.get(), fn = std::move(fn)] {
    if (impl->stopped) return;
    fn(impl->router, now_ms());
    impl->rearm();
  });
}

void Service::set_queue(AcdQueueConfig queue) {
  asio::post(strand_, [impl = impl_.get(), queue = std::move(queue)] {
    impl->queues[queue.name] = queue;
    impl->reconfigure(now_ms());
    impl->rearm();
  });
}

void Service::remove_queue(std::string name) {
  asio::post(strand_, [impl = impl_.get(), name = std::move(name)] {
    impl->queues.erase(name);
    std::erase_if(impl->members, [&](const auto& m) { return m.first.first == name; });
    impl->reconfigure(now_ms());
    impl->rearm();
  });
}

void Service::set_member(AcdMemberConfig member) {
  asio::post(strand_, [impl = impl_.get(), member = std::move(member)] {
    impl->members[{member.queue, member.agent}] = member.penalty;
    impl->router.set_membership({member.queue, member.agent, member.penalty}, now_ms());
    impl->rearm();
  });
}

void Service::remove_member(std::string queue, std::string agent) {
  asio::post(strand_, [impl = impl_.get(), queue = std::move(queue), agent = std::move(agent)] {
    impl->members.erase({queue, agent});
    impl->router.remove_membership(queue, agent, now_ms());
    impl->rearm();
  });
}

Router& Service::router_for_strand() { return impl_->router; }

std::vector<AcdQueueConfig> Service::queue_settings() const {
  std::vector<AcdQueueConfig> out;
  for (const auto& [name, q] : impl_->queues) out.push_back(q);
  return out;
}

namespace {

struct Loaded {
  std::vector<std::pair<std::string, std::string>> queue_rows;  // name, settings JSON ("" when deleted)
  std::vector<AcdMemberConfig> member_rows;
  std::vector<std::pair<std::string, std::string>> logged_in;  // agent, last state
  std::vector<Entry> callbacks;
  std::vector<std::string> sealed_numbers;
};

}  // namespace

void Service::start() {
  auto& impl = *impl_;
  const Ms now = now_ms();
  auto read = [](store::Database& db) {
    Loaded out;
    auto& q = db.prepare("SELECT name, settings, deleted FROM acd_queues ORDER BY name");
    while (q.step()) out.queue_rows.emplace_back(q.text(0), q.int64(2) ? std::string() : q.text(1));
    auto& m = db.prepare("SELECT queue, agent, penalty FROM acd_members ORDER BY queue, agent");
    while (m.step()) out.member_rows.push_back({m.text(0), m.text(1), static_cast<int>(m.int64(2))});
    auto& a = db.prepare(
        "SELECT agent, to_state FROM acd_agent_events WHERE id IN (SELECT MAX(id) FROM acd_agent_events GROUP BY "
        "agent)");
    while (a.step()) {
      if (a.text(1) != "logged_out") out.logged_in.emplace_back(a.text(0), a.text(1));
    }
    auto& c = db.prepare(
        "SELECT call, queue, priority, number_enc, entered_at, attempts, COALESCE(ivr_path, '') FROM acd_callbacks "
        "WHERE state = 'waiting' ORDER BY entered_at");
    while (c.step()) {
      Entry e;
      e.id = c.text(0);
      e.queue = c.text(1);
      e.priority = static_cast<int>(c.int64(2));
      e.entered_at = c.int64(4);
      e.callback = true;
      e.callback_attempts = static_cast<int>(c.int64(5));
      e.ivr_path_json = c.text(6);
      out.callbacks.push_back(std::move(e));
      out.sealed_numbers.push_back(c.blob(3));
    }
    return out;
  };
  Loaded loaded = impl.store.read(std::move(read), asio::use_future).get();

  for (const auto& q : impl.config.acd.queues) impl.queues[q.name] = q;
  for (const auto& [name, settings] : loaded.queue_rows) {
    if (settings.empty()) {
      impl.queues.erase(name);
      continue;
    }
    try {
      AcdQueueConfig base;
      base.name = name;
      impl.queues[name] = queue_config_from_json(nlohmann::json::parse(settings), base);
    } catch (const std::exception& e) {
      spdlog::error("event=acd.queue_row_invalid queue={} reason=\"{}\"", name, e.what());
    }
  }
  for (const auto& m : impl.config.acd.members) impl.members[{m.queue, m.agent}] = m.penalty;
  for (const auto& m : loaded.member_rows) impl.members[{m.queue, m.agent}] = m.penalty;

  // Agents the log shows logged in were cut off by the restart: they come back logged out, and the log says why.
  if (!loaded.logged_in.empty()) {
    auto job = [rows = loaded.logged_in, now](store::Database& db) {
      for (const auto& [agent, state] : rows) {
        db.query(
              "INSERT INTO acd_agent_events (at, agent, from_state, to_state, reason) VALUES (?, ?, ?, 'logged_out', "
              "'daemon_restart')",
              now, agent, state)
            .run();
      }
      return static_cast<int>(rows.size());
    };
    int n = impl.store.write(std::move(job), asio::use_future).get();
    spdlog::info("event=acd.agents_logged_out_by_restart count={}", n);
  }

  auto setup = [&impl, loaded = std::move(loaded), now]() mutable {
    impl.reconfigure(now);
    impl.restoring = true;
    for (std::size_t i = 0; i < loaded.callbacks.size(); ++i) {
      Entry e = std::move(loaded.callbacks[i]);
      try {
        e.callback_number = impl.key.open(loaded.sealed_numbers[i]);
      } catch (const std::exception&) {
        spdlog::error("event=acd.callback_unreadable call={}", e.id);
        continue;
      }
      auto admitted = impl.router.enter(e, now);
      if (!admitted.accepted) spdlog::warn("event=acd.callback_not_restored call={} reason={}", e.id, admitted.reason);
    }
    impl.restoring = false;
    if (!loaded.callbacks.empty()) spdlog::info("event=acd.callbacks_restored count={}", loaded.callbacks.size());
    impl.arm_midnight();
    impl.arm_stats();
    impl.rearm();
  };
  asio::post(strand_, std::move(setup));
  spdlog::info("event=acd.ready queues={} members={}", impl.queues.size(), impl.members.size());
}

void Service::stop() {
  asio::post(strand_, [impl = impl_.get()] {
    impl->stopped = true;
    impl->timer.cancel();
    impl->midnight.cancel();
    impl->stats_timer.cancel();
  });
}

}  // namespace hotline::acd
