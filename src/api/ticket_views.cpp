#include "ticket_views.hpp"

#include "hotline/api/tickets.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/privacy.hpp"
#include "rpc.hpp"

namespace hotline::api {

using nlohmann::json;
using namespace hotline::tickets;

namespace {

template <class T>
json optional_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

json optional_time(const std::optional<std::int64_t>& unix_ms) {
  return unix_ms ? json(format_utc(*unix_ms)) : json(nullptr);
}

TicketViewer viewer_of(const auth::Principal& p) {
  TicketViewer v;
  v.user_id = p.user_id;
  bool broader = false;
  for (auto r : p.roles) broader = broader || r != auth::Role::department_staff;
  v.scoped = p.roles.count(auth::Role::department_staff) && !broader;
  v.department_id = p.department_id;
  v.full_caller = auth::roles_have(p.roles, auth::Permission::tickets_caller);
  v.sees_all_alerts = p.roles.count(auth::Role::supervisor) || p.roles.count(auth::Role::admin);
  return v;
}

bool can_see(const TicketViewer& v, const Ticket& t) {
  if (!v.scoped) return true;
  if (!v.department_id) return false;
  if (t.lead_department_id == v.department_id) return true;
  for (auto id : t.assisting_department_ids) {
    if (id == *v.department_id) return true;
  }
  return false;
}

void require_visible(const TicketViewer& v, const Ticket& t) {
  if (!can_see(v, t)) throw Error(Errc::not_found, "no ticket " + std::to_string(t.id));
}

Services& services(ApiContext& context) {
  if (!context.tickets) throw Error(Errc::unavailable, "work orders are not enabled in this process");
  return *context.tickets;
}

std::string mask_name(const std::string& name) {
  // Keep the first UTF-8 character (the family name), star the rest.
  std::size_t first = 1;
  while (first < name.size() && (static_cast<unsigned char>(name[first]) & 0xC0) == 0x80) ++first;
  std::size_t rest = 0;
  for (std::size_t i = first; i < name.size(); ++i) rest += (static_cast<unsigned char>(name[i]) & 0xC0) != 0x80;
  return name.substr(0, std::min(first, name.size())) + std::string(std::max<std::size_t>(rest, 1), '*');
}

json caller_view(const TicketViewer& v, const Ticket& t, const Caller& c) {
  if (v.scoped && t.confidential) return nullptr;
  if (!c.name && !c.phone) return nullptr;
  json out;
  if (v.full_caller) {
    out["name"] = optional_json(c.name);
    out["phone"] = optional_json(c.phone);
  } else {
    out["name"] = c.name ? json(mask_name(*c.name)) : json(nullptr);
    out["phone"] = c.phone ? json(mask_phone(*c.phone)) : json(nullptr);
  }
  out["masked"] = !v.full_caller;
  return out;
}

json ticket_view(const Ticket& t, const Services& services, std::int64_t now) {
  const auto* category = services.rules.categories.find(t.category_code);
  auto deadline = current_deadline(t);
  std::string level = "none";
  if (deadline) {
    switch (escalation(t.phase_started_at, *deadline, now, services.yellow_fraction)) {
      case Escalation::yellow:
        level = "yellow";
        break;
      case Escalation::red:
        level = "red";
        break;
      case Escalation::none:
        break;
    }
  }
  return {{"id", t.id},
          {"number", t.number},
          {"type", to_string(t.type)},
          {"type_label", label(t.type)},
          {"channel", to_string(t.channel)},
          {"category_code", t.category_code},
          {"category", category ? json(services.rules.categories.path(t.category_code)) : json(nullptr)},
          {"urgency", to_string(t.urgency)},
          {"urgency_label", label(t.urgency)},
          {"complex", t.complex},
          {"location", t.location},
          {"summary", t.summary},
          {"content", t.content},
          {"has_caller_name", t.has_caller_name},
          {"has_caller_phone", t.has_caller_phone},
          {"confidential", t.confidential},
          {"state", to_string(t.state)},
          {"state_label", label(t.state)},
          {"lead_department_id", optional_json(t.lead_department_id)},
          {"assisting_department_ids", t.assisting_department_ids},
          {"referred_to", optional_json(t.referred_to)},
          {"reply", optional_json(t.reply)},
          {"satisfaction", t.satisfaction ? json(to_string(*t.satisfaction)) : json(nullptr)},
          {"version", t.version},
          {"sign_due", optional_time(t.sign_due)},
          {"reply_due", optional_time(t.reply_due)},
          {"close_due", optional_time(t.close_due)},
          {"current_deadline", optional_time(deadline)},
          {"escalation", level},
          {"created_by", optional_json(t.created_by)},
          {"created_at", format_utc(t.created_at)},
          {"updated_at", format_utc(t.updated_at)},
          {"merged_into", optional_json(t.merged_into)},
          {"kb_article_id", optional_json(t.kb_article_id)}};
}

json history_view(const HistoryEntry& h) {
  json changes = json::parse(h.changes.empty() ? "{}" : h.changes, nullptr, false);
  if (changes.is_discarded()) changes = h.changes;
  return {{"id", h.id},
          {"at", format_utc(h.at)},
          {"actor_id", optional_json(h.actor.user_id)},
          {"actor", h.actor.name},
          {"action", h.action},
          {"from_state", h.from_state ? json(to_string(*h.from_state)) : json(nullptr)},
          {"to_state", h.to_state ? json(to_string(*h.to_state)) : json(nullptr)},
          {"reason", h.reason},
          {"changes", changes}};
}

json alert_view(const Alert& a) {
  json out = {{"kind", a.kind},
              {"ticket",
               {{"id", a.ticket_id},
                {"number", a.number},
                {"summary", a.summary},
                {"state", to_string(a.state)},
                {"state_label", label(a.state)},
                {"lead_department_id", optional_json(a.lead_department_id)}}},
              {"due_at", format_utc(a.due_at)},
              {"due_at_ms", a.due_at},
              {"fired_at", format_utc(a.fired_at)}};
  if (a.kind == "reminder") {
    out["reminder_id"] = optional_json(a.reminder_id);
    out["note"] = a.note;
    out["set_by"] = optional_json(a.set_by);
  } else {
    out["level"] = a.level;
    out["deadline"] = a.deadline;
  }
  return out;
}

std::size_t push_alerts(WsHub& hub, const std::vector<Alert>& alerts) {
  std::size_t n = 0;
  for (const auto& a : alerts) {
    auto message = std::make_shared<const std::string>(rpc_event("reminder.due", alert_view(a)));
    for (auto user : a.recipients) n += hub.send_to_user(user, message);
  }
  return n;
}

}  // namespace hotline::api
