#include "hotline/tickets/types.hpp"

#include <array>
#include <utility>

namespace hotline::tickets {
namespace {

// One table per enum, in declaration order: {name, label}.
template <class E, std::size_t N>
using Names = std::array<std::pair<std::string_view, std::string_view>, N>;  // E: documents the enum

constexpr Names<TicketType, 8> kTypes{{{"consultation", "咨询"},
                                       {"help", "求助"},
                                       {"complaint", "投诉"},
                                       {"report", "举报"},
                                       {"suggestion", "建议"},
                                       {"praise", "表扬"},
                                       {"mailbox", "信箱"},
                                       {"other", "其他"}}};
constexpr Names<Channel, 7> kChannels{{{"phone", "电话"},
                                       {"ivr_message", "语音留言"},
                                       {"letter", "来信"},
                                       {"fax", "传真"},
                                       {"email", "电子邮件"},
                                       {"web", "网站"},
                                       {"api", "接口"}}};
constexpr Names<Urgency, 3> kUrgencies{{{"normal", "一般"}, {"urgent", "紧急"}, {"extra_urgent", "特急"}}};
constexpr Names<State, 14> kStates{{{"created", "已受理"},
                                    {"closed_on_spot", "直办办结"},
                                    {"rejected", "不予受理"},
                                    {"referred", "已转办"},
                                    {"dispatched", "已派单"},
                                    {"signed", "已签收"},
                                    {"returned", "已退回"},
                                    {"extension_requested", "延期申请中"},
                                    {"replied", "已答复"},
                                    {"reviewed", "审核通过"},
                                    {"called_back", "已回访"},
                                    {"closed", "已办结"},
                                    {"merged", "已并单"},
                                    {"archived", "已归档"}}};
constexpr Names<Action, 18> kActions{{{"close_on_spot", "直办"},
                                      {"reject", "不予受理"},
                                      {"refer", "转办"},
                                      {"dispatch", "派单"},
                                      {"sign", "签收"},
                                      {"return_to_hotline", "退回"},
                                      {"redispatch", "改派"},
                                      {"request_extension", "延期申请"},
                                      {"approve_extension", "同意延期"},
                                      {"refuse_extension", "拒绝延期"},
                                      {"reply", "答复"},
                                      {"accept_reply", "审核通过"},
                                      {"send_back", "重办"},
                                      {"record_callback", "回访"},
                                      {"reopen", "重新派单"},
                                      {"close", "办结"},
                                      {"merge", "并单"},
                                      {"archive", "归档"}}};
constexpr Names<Satisfaction, 3> kSatisfaction{
    {{"satisfied", "满意"}, {"basically_satisfied", "基本满意"}, {"unsatisfied", "不满意"}}};

template <class E, std::size_t N>
std::optional<E> parse(const std::array<std::pair<std::string_view, std::string_view>, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i].first == s) return static_cast<E>(i);
  }
  return std::nullopt;
}

template <class E, std::size_t N>
std::string_view name(const std::array<std::pair<std::string_view, std::string_view>, N>& names, E v) {
  return names.at(static_cast<std::size_t>(v)).first;
}

template <class E, std::size_t N>
std::string_view chinese(const std::array<std::pair<std::string_view, std::string_view>, N>& names, E v) {
  return names.at(static_cast<std::size_t>(v)).second;
}

}  // namespace

std::string_view to_string(TicketType v) { return name(kTypes, v); }
std::string_view to_string(Channel v) { return name(kChannels, v); }
std::string_view to_string(Urgency v) { return name(kUrgencies, v); }
std::string_view to_string(State v) { return name(kStates, v); }
std::string_view to_string(Action v) { return name(kActions, v); }
std::string_view to_string(Satisfaction v) { return name(kSatisfaction, v); }

std::string_view label(TicketType v) { return chinese(kTypes, v); }
std::string_view label(Urgency v) { return chinese(kUrgencies, v); }
std::string_view label(State v) { return chinese(kStates, v); }

std::optional<TicketType> parse_ticket_type(std::string_view s) { return parse<TicketType>(kTypes, s); }
std::optional<Channel> parse_channel(std::string_view s) { return parse<Channel>(kChannels, s); }
std::optional<Urgency> parse_urgency(std::string_view s) { return parse<Urgency>(kUrgencies, s); }
std::optional<State> parse_state(std::string_view s) { return parse<State>(kStates, s); }
std::optional<Action> parse_action(std::string_view s) { return parse<Action>(kActions, s); }
std::optional<Satisfaction> parse_satisfaction(std::string_view s) { return parse<Satisfaction>(kSatisfaction, s); }

}  // namespace hotline::tickets
