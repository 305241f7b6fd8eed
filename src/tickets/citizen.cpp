#include <sodium.h>

#include "hotline/core/error.hpp"
#include "hotline/tickets/tickets.hpp"

namespace hotline::tickets {
namespace {

// A reply is shown to the citizen only once the hotline has accepted it.
bool reply_is_public(State s) {
  return s == State::closed_on_spot || s == State::reviewed || s == State::called_back || s == State::closed ||
         s == State::archived;
}

}  // namespace

std::optional<CitizenView> citizen_lookup(store::Database& db, const PersonalDataKey& key, const std::string& number,
                                          const std::string& phone_last4) {
  bool four_digits = phone_last4.size() == 4 && phone_last4.find_first_not_of("0123456789") == std::string::npos;
  if (!four_digits) throw Error(Errc::invalid_argument, "phone_last4: must be the last 4 digits of the phone");
  auto& s = db.query("SELECT caller_phone_enc, merged_into FROM tickets WHERE number = ?", number);
  if (!s.step()) return std::nullopt;
  std::optional<std::string> sealed;
  if (!s.is_null(0)) sealed = s.blob(0);
  std::optional<std::int64_t> master = s.optional_int64(1);
  s.run();
  if (!sealed) return std::nullopt;
  std::string phone = key.open(*sealed);
  if (phone.size() < 4 || sodium_memcmp(phone.data() + phone.size() - 4, phone_last4.data(), 4) != 0) {
    return std::nullopt;
  }
  // A merged repeat request shows the progress of its master (并单).
  auto t = master ? get_ticket(db, *master) : find_by_number(db, number);
  if (!t) return std::nullopt;
  CitizenView v;
  v.state = t->state;
  if (t->lead_department_id) {
    auto& d = db.query("SELECT name FROM departments WHERE id = ?", *t->lead_department_id);
    if (d.step()) v.department_name = d.text(0);
    d.run();
  }
  if (reply_is_public(t->state) && t->reply) v.reply = *t->reply;
  return v;
}

}  // namespace hotline::tickets
