#include "hotline/reports/kpis.hpp"

#include <algorithm>
#include <string>

#include "hotline/core/error.hpp"

namespace hotline::reports {
namespace {

// A measure of a family by name: the value in v.
struct Reader {
  const FamilySpec& spec;
  const Values& v;
  std::int64_t operator()(std::string_view name) const { return v.at(spec.at(name)); }
};

double seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

}  // namespace

void KpiParams::validate() const {
  if (std::find(kServiceLevelSeconds.begin(), kServiceLevelSeconds.end(), service_level_seconds) ==
      kServiceLevelSeconds.end()) {
    throw Error(Errc::invalid_argument, "sl: must be one of 10, 15, 20, 30, 45, 60, 90, 120 (seconds)");
  }
  if (short_abandon_seconds != 0 && std::find(kShortAbandonSeconds.begin(), kShortAbandonSeconds.end(),
                                              short_abandon_seconds) == kShortAbandonSeconds.end()) {
    throw Error(Errc::invalid_argument, "short_abandon: must be 0, 3, 5, 10, 15, 20 or 30 (seconds)");
  }
}

std::optional<double> ratio(double numerator, double denominator) {
  if (denominator <= 0) return std::nullopt;
  return numerator / denominator;
}

CallKpis call_kpis(const Values& values, const KpiParams& p) {
  p.validate();
  Reader m{spec(Family::queue), values};
  CallKpis k;
  const std::string t = std::to_string(p.service_level_seconds);
  const std::int64_t all_abandoned = m("abandoned");
  k.short_abandoned = p.short_abandon_seconds == 0 ? 0 : m("ab_lt_" + std::to_string(p.short_abandon_seconds));
  k.offered = m("offered");
  k.refused = m("refused");
  k.answered = m("answered");
  k.callback_requested = m("callback_requested");
  k.callback_connected = m("callback_connected");
  k.connected = k.answered + k.callback_connected;
  k.abandoned = all_abandoned - k.short_abandoned;
  k.overflowed = m("overflowed");
  k.overflowed_to_queue = m("overflowed_queue");
  k.handled = m("handled");
  k.transferred = m("transferred");
  k.answered_within = m("ans_le_" + t);
  // Abandoned within T, short ones excluded: wait <= T minus wait < S (none when S > T).
  k.abandoned_within = std::max<std::int64_t>(0, m("ab_le_" + t) - k.short_abandoned);
  k.answer_rate = ratio(k.connected, k.offered + k.refused - k.overflowed_to_queue - k.short_abandoned);
  k.abandon_rate = ratio(k.abandoned, k.answered + k.abandoned);
  k.service_level = ratio(k.answered_within, k.answered);
  k.service_level_with_abandons = ratio(k.answered_within + k.abandoned_within, k.answered + k.abandoned);
  k.asa_seconds = ratio(seconds(m("wait_answered_ms")), k.answered);
  k.avg_abandon_wait_seconds = ratio(seconds(m("wait_abandoned_ms")), all_abandoned);
  k.max_wait_seconds = seconds(m("max_wait_ms"));
  k.aht_seconds = ratio(seconds(m("talk_ms") + m("hold_ms") + m("wrap_ms")), k.handled);
  k.avg_talk_seconds = ratio(seconds(m("talk_ms")), k.handled);
  k.avg_hold_seconds = ratio(seconds(m("hold_ms")), k.handled);
  k.avg_wrap_seconds = ratio(seconds(m("wrap_ms")), k.handled);
  k.transfer_rate = ratio(k.transferred, k.handled);
  k.callback_success = ratio(k.callback_connected, k.callback_requested);
  return k;
}

AgentKpis agent_kpis(const Values& values) {
  Reader m{spec(Family::agent), values};
  AgentKpis k;
  k.offers = m("offers");
  k.missed = m("ring_no_answer");
  k.answered = m("answered");
  k.handled = m("handled");
  k.transferred = m("transferred");
  k.logins = m("logins");
  k.tickets_created = m("tickets_created");
  k.talk_seconds = seconds(m("talk_ms"));
  k.hold_seconds = seconds(m("hold_ms"));
  k.wrap_seconds = seconds(m("wrap_up_ms"));
  k.ready_seconds = seconds(m("ready_ms"));
  k.not_ready_seconds = seconds(m("not_ready_ms"));
  k.ringing_seconds = seconds(m("ringing_ms"));
  k.on_call_seconds = seconds(m("on_call_ms"));
  k.on_hold_seconds = seconds(m("on_hold_ms"));
  k.busy_elsewhere_seconds = seconds(m("busy_elsewhere_ms"));
  k.logged_in_seconds = k.ready_seconds + k.not_ready_seconds + k.ringing_seconds + k.on_call_seconds +
                        k.on_hold_seconds + k.wrap_seconds + k.busy_elsewhere_seconds;
  k.aht_seconds = ratio(k.talk_seconds + k.hold_seconds + k.wrap_seconds, k.handled);
  k.occupancy = ratio(k.on_call_seconds + k.on_hold_seconds + k.wrap_seconds + k.busy_elsewhere_seconds,
                      k.logged_in_seconds - k.not_ready_seconds);
  k.answer_ratio = ratio(k.answered, k.offers);
  k.rated = m("rated");
  k.rated_satisfied = m("rated_satisfied");
  k.rated_basic = m("rated_basic");
  k.rated_unsatisfied = m("rated_unsatisfied");
  k.satisfaction_rate = ratio(k.rated_satisfied + k.rated_basic, k.rated);
  return k;
}

TicketKpis ticket_kpis(const Values& values) {
  Reader m{spec(Family::ticket), values};
  TicketKpis k;
  k.created = m("created");
  k.closed_on_spot = m("closed_on_spot");
  k.rejected = m("rejected");
  k.referred = m("referred");
  k.dispatched = m("dispatched");
  k.redispatched = m("redispatched");
  k.reopened = m("reopened");
  k.signed_for = m("signed");
  k.signed_on_time = m("signed_on_time");
  k.returned = m("returned");
  k.extensions = m("extension_requested");
  k.replied = m("replied");
  k.replied_on_time = m("replied_on_time");
  k.reworked = m("reworked");
  k.callbacks = m("callbacks");
  k.satisfied = m("satisfied");
  k.basically_satisfied = m("basically_satisfied");
  k.unsatisfied = m("unsatisfied");
  k.closed = m("closed");
  k.closed_on_time = m("closed_on_time");
  k.merged = m("merged");
  k.finished = k.closed_on_spot + k.closed;
  k.signed_on_time_rate = ratio(k.signed_on_time, k.signed_for);
  k.replied_on_time_rate = ratio(k.replied_on_time, k.replied);
  k.closed_on_time_rate = ratio(k.closed_on_spot + k.closed_on_time, k.finished);
  k.first_contact_rate = ratio(k.closed_on_spot + m("closed_first_pass"), k.finished);
  k.satisfaction_rate = ratio(k.satisfied + k.basically_satisfied, k.callbacks);
  k.return_rate = ratio(k.returned, k.dispatched);
  k.rework_rate = ratio(k.reworked, k.replied);
  return k;
}

}  // namespace hotline::reports
