#include "hotline/acd/types.hpp"

#include <array>
#include <utility>

namespace hotline::acd {
namespace {

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view s) {
  for (const auto& [value, name] : table) {
    if (name == s) return value;
  }
  return std::nullopt;
}

template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "?";
}

constexpr std::array<std::pair<AgentState, std::string_view>, 8> kStates{{
    {AgentState::logged_out, "logged_out"},
    {AgentState::ready, "ready"},
    {AgentState::not_ready, "not_ready"},
    {AgentState::ringing, "ringing"},
    {AgentState::on_call, "on_call"},
    {AgentState::on_hold, "on_hold"},
    {AgentState::wrap_up, "wrap_up"},
    {AgentState::busy_elsewhere, "busy_elsewhere"},
}};

constexpr std::array<std::pair<Strategy, std::string_view>, 6> kStrategies{{
    {Strategy::longest_idle, "longest_idle"},
    {Strategy::round_robin, "round_robin"},
    {Strategy::fewest_calls, "fewest_calls"},
    {Strategy::ring_all, "ring_all"},
    {Strategy::random, "random"},
    {Strategy::skills, "skills"},
}};

constexpr std::array<std::pair<QueueEventKind, std::string_view>, 14> kEvents{{
    {QueueEventKind::enter, "enter"},
    {QueueEventKind::refused, "refused"},
    {QueueEventKind::offer, "offer"},
    {QueueEventKind::ring_no_answer, "ring_no_answer"},
    {QueueEventKind::offer_failed, "offer_failed"},
    {QueueEventKind::connect, "connect"},
    {QueueEventKind::transfer, "transfer"},
    {QueueEventKind::abandon, "abandon"},
    {QueueEventKind::overflow, "overflow"},
    {QueueEventKind::callback_requested, "callback_requested"},
    {QueueEventKind::callback_placed, "callback_placed"},
    {QueueEventKind::callback_connected, "callback_connected"},
    {QueueEventKind::callback_failed, "callback_failed"},
    {QueueEventKind::complete, "complete"},
}};

}  // namespace

std::string_view to_string(AgentState s) { return name_of(kStates, s); }
std::optional<AgentState> agent_state_from(std::string_view s) { return lookup(kStates, s); }
std::string_view to_string(Strategy s) { return name_of(kStrategies, s); }
std::optional<Strategy> strategy_from(std::string_view s) { return lookup(kStrategies, s); }
std::string_view to_string(QueueEventKind k) { return name_of(kEvents, k); }

}  // namespace hotline::acd
