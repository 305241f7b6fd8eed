#pragma once
// What the IVR's built-in actions need from the rest of the daemon: ticket
// look-up and creation, knowledge-base articles, surveys, missed calls. The
// interface is asynchronous: every call returns at once and completes its
// callback exactly once, from any thread (the interpreter re-posts it to the
// call's executor and drops it when the call is gone).
//
// StoreServices implements it over the store and the tickets module; the
// functions below it are the synchronous store-job halves, usable in tests
// and by other parts of the daemon (surveys, the call-back list).
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hotline/store/database.hpp"

namespace hotline::store {
class Store;
}
namespace hotline::tickets {
struct Services;
}

namespace hotline::ivr {

// A failed call: ok false and a reason for the log. Flows branch to `error`.
struct ServiceStatus {
  bool ok = true;
  std::string error;
};

struct TicketStatusQuery {
  std::string number;       // as keyed
  std::string phone_last4;  // the last four digits of the phone given when filing
};

// What a caller may hear about a ticket (tickets::CitizenView).
struct TicketStatus {
  std::string number;
  std::string state;        // e.g. "signed_for"
  std::string state_label;  // e.g. "已签收"
  std::string department;   // empty before dispatch
  std::string reply;        // empty before the reply was accepted
};

struct IvrTicket {
  std::string type = "complaint";  // a tickets::TicketType name: complaint, mailbox, report, ...
  std::string caller_phone;        // caller ID; empty: unknown
  std::string summary;
  std::string recording_path;
  std::int64_t recording_ms = 0;
  std::string call_id;
  std::string flow;
};

struct CreatedTicket {
  std::int64_t id = 0;
  std::string number;
};

struct KbItem {
  std::int64_t id = 0;
  std::string title;
  std::string body;
};

struct SurveyQuestion {
  std::int64_t id = 0;
  std::string text;
  int max_answer = 5;  // keys 1..max_answer
};

struct Survey {
  std::int64_t id = 0;
  std::string title;
  std::vector<SurveyQuestion> questions;
};

struct SurveyAnswer {
  std::int64_t survey_id = 0;
  std::int64_t question_id = 0;
  int answer = 0;
  std::string caller_phone;
  std::string call_id;
};

struct MissedCall {
  std::string caller_phone;
  std::string call_id;
  std::string flow;
  std::string node;    // where the caller was
  std::string reason;  // "hangup" (hung up in the IVR), "requested" (asked for a call-back), ...
};

class Services {
 public:
  virtual ~Services() = default;
  // nullopt: no such ticket, or the digits do not match (the caller cannot tell which).
  virtual void lookup_ticket(TicketStatusQuery query,
                             std::function<void(ServiceStatus, std::optional<TicketStatus>)> done) = 0;
  virtual void create_ticket(IvrTicket ticket, std::function<void(ServiceStatus, CreatedTicket)> done) = 0;
  // Published articles of a knowledge-base section valid now, by title, at most `limit`.
  virtual void kb_articles(std::string section, int limit,
                           std::function<void(ServiceStatus, std::vector<KbItem>)> done) = 0;
  virtual void active_survey(std::function<void(ServiceStatus, std::optional<Survey>)> done) = 0;
  virtual void survey_answer(SurveyAnswer answer, std::function<void(ServiceStatus)> done) = 0;
  virtual void missed_call(MissedCall call, std::function<void(ServiceStatus)> done) = 0;
};

// Services over the store: reads on the reader threads, writes as store
// write jobs (inside the writer's transaction, never their own). Callbacks
// run on `completions` (e.g. the io_context). The references must outlive
// every call in flight.
class StoreServices : public Services {
 public:
  StoreServices(store::Store& store, const tickets::Services& tickets, boost::asio::any_io_executor completions);

  void lookup_ticket(TicketStatusQuery query,
                     std::function<void(ServiceStatus, std::optional<TicketStatus>)> done) override;
  void create_ticket(IvrTicket ticket, std::function<void(ServiceStatus, CreatedTicket)> done) override;
  void kb_articles(std::string section, int limit,
                   std::function<void(ServiceStatus, std::vector<KbItem>)> done) override;
  void active_survey(std::function<void(ServiceStatus, std::optional<Survey>)> done) override;
  void survey_answer(SurveyAnswer answer, std::function<void(ServiceStatus)> done) override;
  void missed_call(MissedCall call, std::function<void(ServiceStatus)> done) override;

 private:
  store::Store& store_;
  const tickets::Services& tickets_;
  boost::asio::any_io_executor completions_;
};

// ---- store jobs (synchronous, inside a store job) ----

// Writes the ticket (channel ivr_message, category "99", actor "ivr") and its
// recording row (ivr_messages), returns its number.
CreatedTicket insert_ivr_ticket(store::Database& db, const tickets::Services& tickets, const IvrTicket& ticket,
                                std::int64_t now);
std::int64_t insert_missed_call(store::Database& db, const tickets::Services& tickets, const MissedCall& call,
                                std::int64_t now);

struct MissedCallRow {
  std::int64_t id = 0;
  std::string caller_phone;  // decrypted
  std::string flow;
  std::string node;
  std::string reason;
  std::int64_t at = 0;
};
// Not yet called back, oldest first.
std::vector<MissedCallRow> open_missed_calls(store::Database& db, const tickets::Services& tickets, int limit = 100);

struct NewSurveyQuestion {
  std::string text;
  int max_answer = 5;
};
// Adds a survey; `activate` makes it the one the IVR asks (the previous active one is deactivated).
std::int64_t add_survey(store::Database& db, const std::string& title, const std::vector<NewSurveyQuestion>& questions,
                        bool activate, std::int64_t now);
std::optional<Survey> active_survey(store::Database& db);
void insert_survey_answer(store::Database& db, const tickets::Services& tickets, const SurveyAnswer& answer,
                          std::int64_t now);

}  // namespace hotline::ivr
