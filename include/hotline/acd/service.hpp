#pragma once
// The ACD in the daemon: runs the Router on its own strand (`acd`), keeps
// its timer, persists the queue event log, the agent state log and
// callbacks through the store's writer (never blocking the strand), and
// hands offers, overflows and announcements to calls through CallControl.
//
// Threading: every Router access happens on strand(). Others reach it with
// post(fn): fn(Router&, now) runs on the strand, and whatever it must
// answer it posts back to its caller's executor itself. CallControl methods
// are called on the strand; implementations post to their own executor.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "hotline/acd/router.hpp"
#include "hotline/acd/settings.hpp"
#include "hotline/core/config.hpp"
#include "hotline/core/metrics.hpp"
#include "hotline/store/store.hpp"

namespace hotline::tickets {
class PersonalDataKey;
}

namespace hotline::acd {

// What the ACD asks of calls (the PBX implements it).
class CallControl {
 public:
  virtual ~CallControl() = default;
  virtual void ring_agent(const Offer& offer) = 0;
  virtual void stop_ringing(OfferId offer) = 0;
  virtual void overflow(const Entry& entry, const std::string& target, const std::string& reason) = 0;
  virtual void announce(const Entry& entry, int position, Ms estimated_wait) = 0;
};

// Something consoles should hear about (pushed over the WebSocket).
struct Notice {
  std::string method;     // agent.state, queue.stats, call.ringing
  std::string params;     // JSON object text
  std::string to_agent;   // job number: only that agent's consoles; empty: everyone
};

class Service {
 public:
  Service(const Config& config, boost::asio::any_io_executor io, store::Store& store, Metrics& metrics,
          const tickets::PersonalDataKey& key);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Before start().
  void attach(CallControl& calls);
  void on_notice(std::function<void(Notice)> notify);
  // A callback that failed for the last time becomes a missed-call ticket through this.
  void on_callback_given_up(std::function<void(const Entry&)> make_ticket);

  // Reads API-managed queues and members, logs out (cause daemon_restart)
  // every agent the log shows logged in, puts waiting callbacks back in line.
  // Blocks the calling thread on the store: call it before the io threads run.
  void start();
  void stop();

  boost::asio::any_io_executor strand() const { return strand_; }
  void post(std::function<void(Router&, Ms now)> fn);

  // API-managed queues and members, after the caller wrote them to the store.
  // Thread-safe (posted to the strand).
  void set_queue(AcdQueueConfig queue);
  void remove_queue(std::string name);
  void set_member(AcdMemberConfig member);
  void remove_member(std::string queue, std::string agent);
  // On the strand only: the router itself (API questions run through run_in(strand(), ...)).
  Router& router_for_strand();
  // On the strand only: the queue settings in force.
  std::vector<AcdQueueConfig> queue_settings() const;

  // Day counters and today's figures restart at local midnight (UTC+8).
  static Ms next_local_midnight(Ms now);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  boost::asio::any_io_executor strand_;
};

}  // namespace hotline::acd
