// The IVR's services over the store and the tickets module. Reads run on the
// reader threads, writes are store write jobs (each inside the writer's
// savepoint; never a BEGIN of their own). Completions are bound to the
// executor given at construction.
#include "hotline/ivr/services.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <variant>

#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"
#include "hotline/store/store.hpp"
#include "hotline/tickets/kb.hpp"
#include "hotline/tickets/services.hpp"
#include "hotline/tickets/tickets.hpp"

namespace hotline::ivr {
namespace {

const tickets::Actor kIvrActor{std::nullopt, "ivr"};

ServiceStatus failed(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return {false, x.what()};
  } catch (...) {
    return {false, "unknown error"};
  }
}

std::string seconds_text(std::int64_t ms) { return std::to_string((ms + 500) / 1000); }

}  // namespace

CreatedTicket insert_ivr_ticket(store::Database& db, const tickets::Services& svc, const IvrTicket& t,
                                std::int64_t now) {
  auto type = tickets::parse_ticket_type(t.type);
  if (!type) throw Error(Errc::invalid_argument, "type: unknown ticket type " + t.type);
  tickets::NewTicket n;
  n.type = *type;
  n.channel = tickets::Channel::ivr_message;
  n.category_code = "99";
  if (!t.caller_phone.empty()) {
    try {
      n.caller_phone = tickets::normalise_phone(t.caller_phone);
    } catch (const Error&) {
      // A caller ID that is not a number (anonymous, a SIP name) is not kept.
    }
  }
  std::string label(tickets::label(*type));
  n.summary = !t.summary.empty() ? t.summary : "自动语音" + label + "留言";
  n.content = "来电者通过自动语音服务留言（" + label + "），录音 " + seconds_text(t.recording_ms) + " 秒：" +
              t.recording_path + "。请收听录音后补充内容。";
  auto created = tickets::create_ticket(db, svc.key, svc.rules, n, kIvrActor, now);
  if (!t.recording_path.empty()) {
    db.query(
          "INSERT INTO ivr_messages (ticket_id, kind, path, duration_ms, call_uuid, flow, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
          created.id, t.type, t.recording_path, t.recording_ms, t.call_id, t.flow, now)
        .run();
  }
  return {created.id, created.number};
}

std::int64_t insert_missed_call(store::Database& db, const tickets::Services& svc, const MissedCall& call,
                                std::int64_t now) {
  auto phone = tickets::normalise_phone(call.caller_phone);
  auto sealed = svc.key.seal(phone);
  auto hash = svc.key.phone_hash(phone);
  auto& s = db.prepare(
      "INSERT INTO ivr_missed_calls (caller_phone_enc, caller_phone_hash, call_uuid, flow, node, reason, at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  s.bind_blob(1, sealed.data(), sealed.size()).bind_blob(2, hash.data(), hash.size());
  s.bind(3, call.call_id).bind(4, call.flow).bind(5, call.node).bind(6, call.reason).bind(7, now);
  s.run();
  return db.last_insert_id();
}

std::vector<MissedCallRow> open_missed_calls(store::Database& db, const tickets::Services& svc, int limit) {
  std::vector<MissedCallRow> out;
  auto& s = db.query(
      "SELECT id, caller_phone_enc, flow, node, reason, at FROM ivr_missed_calls WHERE called_back_at IS NULL "
      "ORDER BY at LIMIT ?",
      std::clamp(limit, 1, 1000));
  while (s.step()) {
    MissedCallRow r;
    r.id = s.int64(0);
    r.caller_phone = svc.key.open(s.blob(1));
    r.flow = s.text(2);
    r.node = s.text(3);
    r.reason = s.text(4);
    r.at = s.int64(5);
    out.push_back(std::move(r));
  }
  return out;
}

std::int64_t add_survey(store::Database& db, const std::string& title, const std::vector<NewSurveyQuestion>& questions,
                        bool activate, std::int64_t now) {
  if (title.empty()) throw Error(Errc::invalid_argument, "title: required");
  if (questions.empty()) throw Error(Errc::invalid_argument, "questions: at least one");
  if (activate) db.query("UPDATE surveys SET active = 0 WHERE active = 1").run();
  db.query("INSERT INTO surveys (title, active, created_at) VALUES (?, ?, ?)", title, activate, now).run();
  auto id = db.last_insert_id();
  int position = 0;
  for (const auto& q : questions) {
    if (q.text.empty() || q.max_answer < 1 || q.max_answer > 9)
      throw Error(Errc::invalid_argument, "questions: each needs a text and max_answer 1..9");
    db.query("INSERT INTO survey_questions (survey_id, position, text, max_answer) VALUES (?, ?, ?, ?)", id,
             ++position, q.text, q.max_answer)
        .run();
  }
  return id;
}

std::optional<Survey> active_survey(store::Database& db) {
  auto& s = db.query("SELECT id, title FROM surveys WHERE active = 1");
  if (!s.step()) return std::nullopt;
  Survey out;
  out.id = s.int64(0);
  out.title = s.text(1);
  s.run();
  auto& q = db.query("SELECT id, text, max_answer FROM survey_questions WHERE survey_id = ? ORDER BY position", out.id);
  while (q.step()) out.questions.push_back({q.int64(0), q.text(1), static_cast<int>(q.int64(2))});
  return out;
}

void insert_survey_answer(store::Database& db, const tickets::Services& svc, const SurveyAnswer& a, std::int64_t now) {
  auto& check = db.query("SELECT max_answer FROM survey_questions WHERE id = ? AND survey_id = ?", a.question_id,
                         a.survey_id);
  if (!check.step()) throw Error(Errc::not_found, "no such survey question");
  int max = static_cast<int>(check.int64(0));
  check.run();
  if (a.answer < 1 || a.answer > max) throw Error(Errc::invalid_argument, "answer: out of range");
  std::optional<std::string> hash;
  if (!a.caller_phone.empty()) {
    try {
      hash = svc.key.phone_hash(tickets::normalise_phone(a.caller_phone));
    } catch (const Error&) {
    }
  }
  auto& s = db.prepare(
      "INSERT INTO survey_answers (survey_id, question_id, answer, caller_phone_hash, call_uuid, answered_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, a.survey_id).bind(2, a.question_id).bind(3, a.answer);
  if (hash)
    s.bind_blob(4, hash->data(), hash->size());
  else
    s.bind(4, std::nullopt);
  s.bind(5, a.call_id).bind(6, now);
  s.run();
}

StoreServices::StoreServices(store::Store& store, const tickets::Services& tickets,
                             boost::asio::any_io_executor completions)
    : store_(store), tickets_(tickets), completions_(std::move(completions)) {}

void StoreServices::lookup_ticket(TicketStatusQuery query,
                                  std::function<void(ServiceStatus, std::optional<TicketStatus>)> done) {
  auto job = [&svc = tickets_, query](store::Database& db) -> std::optional<TicketStatus> {
    std::optional<tickets::CitizenView> view;
    try {
      view = tickets::citizen_lookup(db, svc.key, query.number, query.phone_last4);
    } catch (const Error& e) {
      if (e.code() != Errc::invalid_argument) throw;
      return std::nullopt;  // not four digits: the same answer as a wrong number
    }
    if (!view) return std::nullopt;
    TicketStatus t;
    t.number = query.number;
    t.state = std::string(tickets::to_string(view->state));
    t.state_label = std::string(tickets::label(view->state));
    t.department = view->department_name;
    t.reply = view->reply;
    return t;
  };
  store_.read(std::move(job), boost::asio::bind_executor(completions_, [done = std::move(done)](
                                                                           std::exception_ptr e,
                                                                           std::optional<TicketStatus> t) {
                if (e) return done(failed(e), std::nullopt);
                done({}, std::move(t));
              }));
}

void StoreServices::create_ticket(IvrTicket ticket, std::function<void(ServiceStatus, CreatedTicket)> done) {
  auto job = [&svc = tickets_, ticket](store::Database& db) { return insert_ivr_ticket(db, svc, ticket, now_ms()); };
  store_.write(std::move(job), boost::asio::bind_executor(
                                   completions_, [done = std::move(done)](std::exception_ptr e, CreatedTicket c) {
                                     if (e) return done(failed(e), CreatedTicket{});
                                     spdlog::info("event=ivr.ticket_created number={}", c.number);
                                     done({}, std::move(c));
                                   }));
}

void StoreServices::kb_articles(std::string section, int limit,
                                std::function<void(ServiceStatus, std::vector<KbItem>)> done) {
  auto parsed = tickets::parse_kb_section(section);
  if (!parsed) {
    done({false, "unknown section " + section}, {});
    return;
  }
  auto job = [s = *parsed, limit](store::Database& db) {
    std::vector<KbItem> out;
    for (const auto& a : tickets::articles_in_section(db, s, now_ms())) {
      if (static_cast<int>(out.size()) >= limit) break;
      out.push_back({a.id, a.title, a.body});
    }
    return out;
  };
  store_.read(std::move(job), boost::asio::bind_executor(completions_, [done = std::move(done)](
                                                                           std::exception_ptr e,
                                                                           std::vector<KbItem> list) {
                if (e) return done(failed(e), {});
                done({}, std::move(list));
              }));
}

void StoreServices::active_survey(std::function<void(ServiceStatus, std::optional<Survey>)> done) {
  auto job = [](store::Database& db) { return ivr::active_survey(db); };
  store_.read(std::move(job), boost::asio::bind_executor(
                                  completions_, [done = std::move(done)](std::exception_ptr e, std::optional<Survey> s) {
                                    if (e) return done(failed(e), std::nullopt);
                                    done({}, std::move(s));
                                  }));
}

void StoreServices::survey_answer(SurveyAnswer answer, std::function<void(ServiceStatus)> done) {
  auto job = [&svc = tickets_, answer](store::Database& db) { insert_survey_answer(db, svc, answer, now_ms()); };
  store_.write(std::move(job), boost::asio::bind_executor(completions_, [done = std::move(done)](std::exception_ptr e, std::monostate) {
                 done(e ? failed(e) : ServiceStatus{});
               }));
}

void StoreServices::missed_call(MissedCall call, std::function<void(ServiceStatus)> done) {
  auto job = [&svc = tickets_, call](store::Database& db) { return insert_missed_call(db, svc, call, now_ms()); };
  store_.write(std::move(job),
               boost::asio::bind_executor(completions_, [done = std::move(done)](std::exception_ptr e, std::int64_t) {
                 done(e ? failed(e) : ServiceStatus{});
               }));
}

}  // namespace hotline::ivr
