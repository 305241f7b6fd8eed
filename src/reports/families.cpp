#include "hotline/reports/families.hpp"

#include <algorithm>

#include "hotline/core/error.hpp"

namespace hotline::reports {
namespace {

std::vector<std::string_view> queue_measures() {
  std::vector<std::string_view> m{"offered",
                                  "refused",
                                  "answered",
                                  "abandoned",
                                  "overflowed",
                                  "overflowed_queue",
                                  "callback_requested",
                                  "callback_placed",
                                  "callback_connected",
                                  "callback_failed",
                                  "offers",
                                  "ring_no_answer",
                                  "offer_failed",
                                  "handled",
                                  "transferred",
                                  "talk_ms",
                                  "hold_ms",
                                  "wrap_ms",
                                  "wait_answered_ms",
                                  "wait_abandoned_ms",
                                  "max_wait_ms"};
  // Names of the threshold columns: string literals, so the views stay valid.
  static constexpr std::array<std::string_view, 8> answered{"ans_le_10", "ans_le_15", "ans_le_20", "ans_le_30",
                                                            "ans_le_45", "ans_le_60", "ans_le_90", "ans_le_120"};
  static constexpr std::array<std::string_view, 8> abandoned{"ab_le_10", "ab_le_15", "ab_le_20", "ab_le_30",
                                                             "ab_le_45", "ab_le_60", "ab_le_90", "ab_le_120"};
  static constexpr std::array<std::string_view, 6> short_abandoned{"ab_lt_3",  "ab_lt_5",  "ab_lt_10",
                                                                   "ab_lt_15", "ab_lt_20", "ab_lt_30"};
  m.insert(m.end(), answered.begin(), answered.end());
  m.insert(m.end(), abandoned.begin(), abandoned.end());
  m.insert(m.end(), short_abandoned.begin(), short_abandoned.end());
  return m;
}

FamilySpec make(Family f, std::string_view name, std::vector<std::string_view> dims, std::size_t hourly_dims,
                std::vector<std::string_view> measures, std::vector<Rollup> rollups = {}) {
  std::vector<bool> is_max(measures.size(), false);
  for (std::size_t i = 0; i < measures.size(); ++i) is_max[i] = measures[i].starts_with("max_");
  return {f, name, std::move(dims), hourly_dims, std::move(measures), std::move(is_max), std::move(rollups)};
}

const std::array<FamilySpec, 5>& all_specs() {
  static const std::array<FamilySpec, 5> specs{
      make(Family::queue, "queue", {"queue"}, 1, queue_measures()),
      make(Family::agent, "agent", {"agent"}, 1,
           {"offers",           "ring_no_answer", "offer_failed",    "answered",
            "handled",          "transferred",    "talk_ms",         "hold_ms",
            "logins",           "ready_ms",       "not_ready_ms",    "ringing_ms",
            "on_call_ms",       "on_hold_ms",     "wrap_up_ms",      "busy_elsewhere_ms",
            "tickets_created",  "rated",          "rated_satisfied", "rated_basic",
            "rated_unsatisfied"}),
      make(Family::reason, "reason", {"agent", "reason"}, 2, {"not_ready_ms", "not_ready_count"}),
      make(Family::ticket, "ticket", {"type", "channel", "category", "department"}, 2,
           {"created",
            "closed_on_spot",
            "rejected",
            "referred",
            "dispatched",
            "redispatched",
            "reopened",
            "signed",
            "signed_on_time",
            "returned",
            "extension_requested",
            "extension_approved",
            "replied",
            "replied_on_time",
            "reworked",
            "reviewed",
            "callbacks",
            "satisfied",
            "basically_satisfied",
            "unsatisfied",
            "closed",
            "closed_on_time",
            "closed_first_pass",
            "merged"},
           {{"all", {}, {Level::hourly, Level::daily, Level::monthly}},
            {"by_type_channel", {"type", "channel"}, {Level::daily, Level::monthly}},
            {"by_category", {"category"}, {Level::daily, Level::monthly}},
            {"by_department", {"department"}, {Level::daily, Level::monthly}}}),
      make(Family::call, "call", {"direction"}, 1, {"calls", "answered", "talk_ms", "duration_ms", "via_ivr"}),
  };
  return specs;
}

}  // namespace

std::string FamilySpec::table(Level level) const {
  return "report_" + std::string(name) +
         (level == Level::hourly  ? "_hourly"
          : level == Level::daily ? "_daily"
                                  : "_monthly");
}

std::optional<std::size_t> FamilySpec::measure(std::string_view n) const {
  auto it = std::find(measures.begin(), measures.end(), n);
  if (it == measures.end()) return std::nullopt;
  return static_cast<std::size_t>(it - measures.begin());
}

std::optional<std::size_t> FamilySpec::dim(std::string_view n) const {
  auto it = std::find(dims.begin(), dims.end(), n);
  if (it == dims.end()) return std::nullopt;
  return static_cast<std::size_t>(it - dims.begin());
}

std::size_t FamilySpec::at(std::string_view n) const {
  auto i = measure(n);
  if (!i) throw Error(Errc::internal, "the " + std::string(name) + " family has no measure " + std::string(n));
  return *i;
}

const FamilySpec& spec(Family family) { return all_specs().at(static_cast<std::size_t>(family)); }

namespace {
std::string_view level_suffix(Level level) {
  return level == Level::hourly ? "_hourly" : level == Level::daily ? "_daily" : "_monthly";
}
}  // namespace

std::string TableRef::name() const {
  const auto& s = spec(family);
  if (rollup == kBase) return s.table(level);
  if (rollup == kEveryDimension) throw Error(Errc::internal, "facts with every dimension have no table");
  return "report_" + std::string(s.name) + "_" + std::string(s.rollups.at(static_cast<std::size_t>(rollup)).name) +
         std::string(level_suffix(level));
}

std::string_view TableRef::time_column() const { return spec(family).time_column(level); }

std::vector<std::string_view> TableRef::dims() const {
  const auto& s = spec(family);
  if (rollup == kEveryDimension) return s.dims;
  if (rollup == kBase) return {s.dims.begin(), s.dims.begin() + static_cast<std::ptrdiff_t>(s.dim_count(level))};
  return s.rollups.at(static_cast<std::size_t>(rollup)).dims;
}

std::vector<std::size_t> TableRef::dim_indexes() const {
  std::vector<std::size_t> out;
  for (auto d : dims()) out.push_back(*spec(family).dim(d));
  return out;
}

std::vector<TableRef> tables_of(Family family) {
  std::vector<TableRef> out;
  for (Level level : kAllLevels) out.push_back({family, level, TableRef::kBase});
  const auto& rollups = spec(family).rollups;
  for (std::size_t r = 0; r < rollups.size(); ++r) {
    for (Level level : rollups[r].levels) out.push_back({family, level, static_cast<int>(r)});
  }
  return out;
}

std::string_view to_string(Family family) { return spec(family).name; }

std::optional<Family> family_from(std::string_view name) {
  for (const auto& s : all_specs()) {
    if (s.name == name) return s.family;
  }
  return std::nullopt;
}

}  // namespace hotline::reports
