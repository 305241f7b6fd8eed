#pragma once
// JSON views of domain values, shared by the routes.
#include <nlohmann/json.hpp>

#include "hotline/auth/audit.hpp"
#include "hotline/auth/users.hpp"
#include "hotline/core/clock.hpp"

namespace hotline::api {

inline nlohmann::json user_view(const auth::User& u) {
  nlohmann::json roles = nlohmann::json::array();
  for (auto r : u.roles) roles.push_back(auth::to_string(r));
  bool locked = u.locked_until && *u.locked_until > now_ms();
  return {{"id", u.id},
          {"job_number", u.job_number},
          {"display_name", u.display_name},
          {"roles", roles},
          {"enabled", u.enabled},
          {"department_id", u.department_id ? nlohmann::json(*u.department_id) : nlohmann::json(nullptr)},
          {"locked", locked},
          {"locked_until", locked ? nlohmann::json(format_utc(*u.locked_until)) : nlohmann::json(nullptr)},
          {"created_at", format_utc(u.created_at)},
          {"updated_at", format_utc(u.updated_at)}};
}

inline nlohmann::json audit_view(const auth::AuditRow& r) {
  nlohmann::json detail =
      r.entry.detail.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(r.entry.detail, nullptr, false);
  if (detail.is_discarded()) detail = r.entry.detail;
  return {{"id", r.id},
          {"at", format_utc(r.at)},
          {"actor_id", r.entry.actor_id ? nlohmann::json(*r.entry.actor_id) : nlohmann::json(nullptr)},
          {"actor", r.entry.actor},
          {"action", r.entry.action},
          {"target", r.entry.target},
          {"detail", detail},
          {"remote_ip", r.entry.remote_ip}};
}

inline auth::AuditEntry audit_by(const auth::Principal& p, std::string action, std::string target,
                                 const nlohmann::json& detail, const std::string& remote_ip) {
  return {
      p.user_id, p.job_number, std::move(action), std::move(target), detail.is_null() ? std::string() : detail.dump(),
      remote_ip};
}

}  // namespace hotline::api
