#pragma once
// The vocabulary of work orders (工单): types, channels, urgencies, states and
// actions, with their stable English names (stored in SQLite and used by the
// API) and the Chinese labels the console and the IVR show.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hotline::tickets {

enum class TicketType { consultation, help, complaint, report, suggestion, praise, mailbox, other };
enum class Channel { phone, ivr_message, letter, fax, email, web, api };
enum class Urgency { normal, urgent, extra_urgent };  // 一般, 紧急, 特急

enum class State {
  created,              // 受理
  closed_on_spot,       // 直办办结: answered during the call
  rejected,             // 不予受理
  referred,             // 转 110/119/120/122
  dispatched,           // 派单: waiting for the lead unit to sign
  signed_for,           // 签收: the lead unit is handling it
  returned,             // 退回: "not our remit", waiting for the hotline's review
  extension_requested,  // 延期申请 pending
  replied,              // 答复: waiting for the hotline's review
  reviewed,             // 审核通过: waiting for the callback
  called_back,          // 回访 done, satisfaction recorded
  closed,               // 办结
  merged,               // 并单: a repeat request pointing to its master
  archived,             // 归档
};

enum class Action {
  close_on_spot,
  reject,
  refer,
  dispatch,
  sign,
  return_to_hotline,  // 退回
  redispatch,         // 改派
  request_extension,
  approve_extension,
  refuse_extension,
  reply,
  accept_reply,  // 审核通过
  send_back,     // 重办
  record_callback,
  reopen,  // after an unsatisfied callback
  close,
  merge,
  archive,
};

enum class Satisfaction { satisfied, basically_satisfied, unsatisfied };

std::string_view to_string(TicketType v);
std::string_view to_string(Channel v);
std::string_view to_string(Urgency v);
std::string_view to_string(State v);
std::string_view to_string(Action v);
std::string_view to_string(Satisfaction v);

// Chinese labels, e.g. label(State::signed_for) == "已签收".
std::string_view label(TicketType v);
std::string_view label(Urgency v);
std::string_view label(State v);

std::optional<TicketType> parse_ticket_type(std::string_view s);
std::optional<Channel> parse_channel(std::string_view s);
std::optional<Urgency> parse_urgency(std::string_view s);
std::optional<State> parse_state(std::string_view s);
std::optional<Action> parse_action(std::string_view s);
std::optional<Satisfaction> parse_satisfaction(std::string_view s);

// Who did something: a user, or a named system part ("ivr", "citizen-web").
struct Actor {
  std::optional<std::int64_t> user_id;
  std::string name;
};

}  // namespace hotline::tickets
