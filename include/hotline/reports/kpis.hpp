#pragma once
// The KPIs, each a function of a family's summed measures (docs/kpis.md has
// the written definitions; these functions are their only implementation, so
// a report, its subtotal and its total all follow them). A rate whose
// denominator is zero is nullopt ("—"), never 0 or 100 %.
#include <cstdint>
#include <optional>

#include "hotline/reports/facts.hpp"

namespace hotline::reports {

struct KpiParams {
  int service_level_seconds = 20;  // T: one of kServiceLevelSeconds
  int short_abandon_seconds = 5;   // S: 0 (count every abandon) or one of kShortAbandonSeconds
  // Checks both against the thresholds the aggregates keep; Error(invalid_argument) otherwise.
  void validate() const;
};

// Queue family: callers, by the hour they entered the queue.
struct CallKpis {
  std::int64_t offered = 0;              // callers who entered the queue
  std::int64_t refused = 0;              // callers the queue could not take (full, no agents)
  std::int64_t answered = 0;             // connected live to an agent
  std::int64_t callback_requested = 0;   // pressed 1 to be called back
  std::int64_t callback_connected = 0;   // called back and connected
  std::int64_t connected = 0;            // answered + callback_connected
  std::int64_t abandoned = 0;            // hung up while waiting, short abandons excluded
  std::int64_t short_abandoned = 0;      // hung up before S seconds
  std::int64_t overflowed = 0;           // sent elsewhere (another queue, voicemail, IVR)
  std::int64_t overflowed_to_queue = 0;  // of which to another queue (offered again there)
  std::int64_t handled = 0;              // calls completed by an agent
  std::int64_t transferred = 0;          // completed by a transfer
  std::int64_t answered_within = 0;      // answered with wait <= T
  std::int64_t abandoned_within = 0;     // abandoned with S <= wait <= T
  std::optional<double> answer_rate;  // 接通率 connected / (offered + refused − overflowed_to_queue − short_abandoned)
  std::optional<double> abandon_rate;                 // abandoned / (answered + abandoned)
  std::optional<double> service_level;                // answered_within / answered
  std::optional<double> service_level_with_abandons;  // (answered_within + abandoned_within) / (answered + abandoned)
  std::optional<double> asa_seconds;                  // wait of answered callers / answered
  std::optional<double> avg_abandon_wait_seconds;     // wait of every abandon (short ones too) / those abandons
  double max_wait_seconds = 0;                        // longest wait of an answered or abandoned caller
  std::optional<double> aht_seconds;                  // (talk + hold + wrap-up) / handled
  std::optional<double> avg_talk_seconds, avg_hold_seconds, avg_wrap_seconds;  // per handled call
  std::optional<double> transfer_rate;                                         // transferred / handled
  std::optional<double> callback_success;  // callback_connected / callback_requested
};
CallKpis call_kpis(const Values& queue, const KpiParams& params);

// Agent family: an agent's work, by the hour it happened.
struct AgentKpis {
  std::int64_t offers = 0, missed = 0, answered = 0, handled = 0, transferred = 0, logins = 0, tickets_created = 0;
  double talk_seconds = 0, hold_seconds = 0, wrap_seconds = 0;
  double logged_in_seconds = 0;  // every state but logged out
  double ready_seconds = 0, not_ready_seconds = 0, ringing_seconds = 0, on_call_seconds = 0, on_hold_seconds = 0,
         busy_elsewhere_seconds = 0;
  std::optional<double> aht_seconds;   // (talk + hold + wrap-up time) / handled
  std::optional<double> occupancy;     // (on call + on hold + wrap-up + busy elsewhere) / (logged in − not ready)
  std::optional<double> answer_ratio;  // answered / offers
  std::int64_t rated = 0, rated_satisfied = 0, rated_basic = 0, rated_unsatisfied = 0;
  std::optional<double> satisfaction_rate;  // (satisfied + basically satisfied) / rated
};
AgentKpis agent_kpis(const Values& agent);

// Ticket family: ticket actions, by the hour they were done.
struct TicketKpis {
  std::int64_t created = 0, closed_on_spot = 0, rejected = 0, referred = 0, dispatched = 0, redispatched = 0,
               reopened = 0, signed_for = 0, signed_on_time = 0, returned = 0, extensions = 0, replied = 0,
               replied_on_time = 0, reworked = 0, callbacks = 0, satisfied = 0, basically_satisfied = 0,
               unsatisfied = 0, closed = 0, closed_on_time = 0, merged = 0;
  std::int64_t finished = 0;                   // closed_on_spot + closed
  std::optional<double> signed_on_time_rate;   // 按时签收率 signed_on_time / signed
  std::optional<double> replied_on_time_rate;  // 按时答复率 replied_on_time / replied
  std::optional<double> closed_on_time_rate;   // 按时办结率 (closed_on_spot + closed_on_time) / finished
  std::optional<double> first_contact_rate;    // 一次办结率 (closed_on_spot + closed_first_pass) / finished
  std::optional<double> satisfaction_rate;     // 满意率 (satisfied + basically_satisfied) / callbacks
  std::optional<double> return_rate;           // 退回率 returned / dispatched
  std::optional<double> rework_rate;           // 重办率 reworked / replied
};
TicketKpis ticket_kpis(const Values& ticket);

std::optional<double> ratio(double numerator, double denominator);

}  // namespace hotline::reports
