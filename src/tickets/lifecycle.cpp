#include "hotline/tickets/lifecycle.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"
#include "rows.hpp"

namespace hotline::tickets {
namespace {

using store::Database;

struct Rule {
  Action action;
  std::vector<State> from;
  State to;
  bool reason;  // must the user say why?
};

// The whole state machine. Anything not listed here is refused.
const std::array<Rule, 18> kRules{{
    {Action::close_on_spot, {State::created}, State::closed_on_spot, false},
    {Action::reject, {State::created}, State::rejected, true},
    {Action::refer, {State::created}, State::referred, false},
    {Action::dispatch, {State::created}, State::dispatched, false},
    {Action::sign, {State::dispatched}, State::signed_for, false},
    {Action::return_to_hotline, {State::dispatched, State::signed_for}, State::returned, true},
    {Action::redispatch, {State::returned}, State::dispatched, false},
    {Action::request_extension, {State::signed_for}, State::extension_requested, true},
    {Action::approve_extension, {State::extension_requested}, State::signed_for, false},
    {Action::refuse_extension, {State::extension_requested}, State::signed_for, true},
    {Action::reply, {State::signed_for}, State::replied, false},
    {Action::accept_reply, {State::replied}, State::reviewed, false},
    {Action::send_back, {State::replied}, State::signed_for, true},
    {Action::record_callback, {State::reviewed}, State::called_back, false},
    {Action::reopen, {State::called_back}, State::dispatched, true},
    {Action::close, {State::reviewed, State::called_back}, State::closed, false},
    {Action::merge,
     {State::created, State::dispatched, State::signed_for, State::returned, State::extension_requested},
     State::merged,
     false},
    {Action::archive,
     {State::closed_on_spot, State::rejected, State::referred, State::closed, State::merged},
     State::archived,
     false},
}};

const Rule& rule_of(Action action) {
  for (const auto& r : kRules) {
    if (r.action == action) return r;
  }
  throw Error(Errc::internal, "no lifecycle rule for " + std::string(to_string(action)));
}

[[noreturn]] void missing(const char* field, Action action) {
  throw Error(Errc::invalid_argument, std::string(field) + ": required to " + std::string(to_string(action)));
}

[[noreturn]] void refuse(const Ticket& t, const std::string& why) {
  throw Error(Errc::conflict, "ticket " + t.number + ": " + why);
}

bool is_blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// Lead first, assisting units without duplicates and without the lead.
void set_departments(Ticket& t, std::optional<std::int64_t> lead, std::vector<std::int64_t> assisting) {
  std::sort(assisting.begin(), assisting.end());
  assisting.erase(std::unique(assisting.begin(), assisting.end()), assisting.end());
  if (lead) assisting.erase(std::remove(assisting.begin(), assisting.end(), *lead), assisting.end());
  t.lead_department_id = lead;
  t.assisting_department_ids = std::move(assisting);
}

void require_master(Database& db, const Ticket& t, const ActionArgs& args) {
  if (!args.master_id) missing("master_id", Action::merge);
  if (*args.master_id == t.id) refuse(t, "cannot be merged into itself");
  auto master = detail::load_ticket(db, *args.master_id);
  if (!master) throw Error(Errc::invalid_argument, "master_id: no ticket " + std::to_string(*args.master_id));
  if (master->state == State::merged || master->state == State::archived) {
    refuse(t, "cannot merge into ticket " + master->number + ", which is " + std::string(to_string(master->state)));
  }
}

// The date asked for by the latest extension request, kept in its history entry.
std::optional<std::int64_t> requested_reply_due(Database& db, std::int64_t ticket_id) {
  auto& s = db.query(
      "SELECT changes FROM ticket_history WHERE ticket_id = ? AND action = 'request_extension' ORDER BY id DESC "
      "LIMIT 1",
      ticket_id);
  if (!s.step()) return std::nullopt;
  auto changes = nlohmann::json::parse(s.text(0), nullptr, false);
  s.run();
  auto it = changes.is_object() ? changes.find("requested_reply_due") : changes.end();
  if (it == changes.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

// Fills in what the action changes besides the state; validates its arguments.
void apply_effects(Database& db, Ticket& t, Action action, const ActionArgs& args, std::int64_t now) {
  switch (action) {
    case Action::close_on_spot:
      if (!args.reply || is_blank(*args.reply)) missing("reply", action);
      t.reply = args.reply;
      t.kb_article_id = args.kb_article_id;
      break;
    case Action::refer: {
      static constexpr std::array<std::string_view, 4> kNumbers{"110", "119", "120", "122"};
      if (!args.referred_to) missing("referred_to", action);
      if (std::find(kNumbers.begin(), kNumbers.end(), *args.referred_to) == kNumbers.end()) {
        throw Error(Errc::invalid_argument, "referred_to: must be 110, 119, 120 or 122");
      }
      t.referred_to = args.referred_to;
      break;
    }
    case Action::dispatch:
    case Action::redispatch:
      if (!args.lead_department_id) missing("lead_department_id", action);
      set_departments(t, args.lead_department_id, args.assisting_department_ids);
      if (args.sign_due) t.sign_due = args.sign_due;
      if (args.reply_due) t.reply_due = args.reply_due;
      break;
    case Action::reopen:
      if (t.satisfaction != Satisfaction::unsatisfied) refuse(t, "only an unsatisfied callback can reopen it");
      set_departments(t, args.lead_department_id ? args.lead_department_id : t.lead_department_id,
                      args.lead_department_id ? args.assisting_department_ids : t.assisting_department_ids);
      if (!t.lead_department_id) missing("lead_department_id", action);
      t.satisfaction.reset();
      if (args.sign_due) t.sign_due = args.sign_due;
      if (args.reply_due) t.reply_due = args.reply_due;
      break;
    case Action::request_extension:
      if (!args.reply_due) missing("reply_due", action);
      if (t.reply_due && now >= *t.reply_due) refuse(t, "an extension must be requested before the reply deadline");
      if (t.reply_due && *args.reply_due <= *t.reply_due) {
        throw Error(Errc::invalid_argument, "reply_due: must be later than the current deadline");
      }
      break;
    case Action::approve_extension: {
      // Granted as asked unless the hotline names another date.
      auto granted = args.reply_due ? args.reply_due : requested_reply_due(db, t.id);
      if (!granted) missing("reply_due", action);
      if (t.reply_due && *granted <= *t.reply_due) {
        throw Error(Errc::invalid_argument, "reply_due: must be later than the current deadline");
      }
      // The callback window moves with the reply deadline.
      if (t.close_due && t.reply_due) *t.close_due += *granted - *t.reply_due;
      t.reply_due = granted;
      break;
    }
    case Action::reply:
      if (!args.reply || is_blank(*args.reply)) missing("reply", action);
      t.reply = args.reply;
      break;
    case Action::record_callback:
      if (!args.satisfaction) missing("satisfaction", action);
      t.satisfaction = args.satisfaction;
      break;
    case Action::merge:
      require_master(db, t, args);
      t.merged_into = args.master_id;
      set_departments(t, std::nullopt, {});
      break;
    default:
      break;
  }
}

bool changes_departments(Action action) {
  return action == Action::dispatch || action == Action::redispatch || action == Action::reopen ||
         action == Action::merge;
}

}  // namespace

std::optional<State> next_state(State from, Action action) {
  const Rule& r = rule_of(action);
  if (std::find(r.from.begin(), r.from.end(), from) == r.from.end()) return std::nullopt;
  return r.to;
}

State transition(const std::string& number, State from, Action action) {
  auto next = next_state(from, action);
  if (!next) {
    throw Error(Errc::conflict, "ticket " + number + ": cannot " + std::string(to_string(action)) + " a " +
                                    std::string(to_string(from)) + " ticket");
  }
  return *next;
}

bool needs_reason(Action action) { return rule_of(action).reason; }

Ticket apply_action(Database& db, std::int64_t ticket_id, std::int64_t expected_version, Action action,
                    const Actor& actor, const ActionArgs& args) {
  const std::int64_t now = args.now.value_or(now_ms());
  const Ticket before = detail::require_ticket(db, ticket_id);
  if (before.version != expected_version) {
    throw Error(Errc::conflict, detail::conflict_message(before, expected_version));
  }
  Ticket after = before;
  after.state = transition(before.number, before.state, action);
  if (needs_reason(action) && is_blank(args.reason)) missing("reason", action);
  apply_effects(db, after, action, args, now);
  if (changes_departments(action)) {
    detail::reassign(db, ticket_id, after.lead_department_id, after.assisting_department_ids, now);
  }
  auto changes = detail::save_ticket(db, before, after, now);
  if (action == Action::request_extension) changes["requested_reply_due"] = *args.reply_due;
  detail::append_history(db, ticket_id, now, actor, to_string(action), before.state, after.state, args.reason, changes);
  after.phase_started_at = detail::phase_started_at(db, ticket_id);  // the history just written may start a phase
  return after;
}

}  // namespace hotline::tickets
