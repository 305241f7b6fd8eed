// Creating, numbering, finding, listing and merging tickets; the citizen's
// look-up; departments, the dispatch catalogue and reminders.
#include <gtest/gtest.h>

#include "hotline/tickets/departments.hpp"
#include "hotline/tickets/lifecycle.hpp"
#include "hotline/tickets/reminders.hpp"
#include "tickets_fixture.hpp"

using namespace tickets_test;
using hotline::Errc;

namespace {

struct TicketStore : TicketDb {
  Ticket act(const Ticket& t, Action a, ActionArgs args = {}) {
    if (needs_reason(a) && args.reason.empty()) args.reason = "理由";
    return apply_action(*db, t.id, t.version, a, agent, args);
  }
  ActionArgs to(std::int64_t lead, std::vector<std::int64_t> assisting = {}) {
    ActionArgs a;
    a.lead_department_id = lead;
    a.assisting_department_ids = std::move(assisting);
    return a;
  }
};

}  // namespace

TEST_F(TicketStore, NumbersAreDayPlusDailySequenceInShanghaiTime) {
  auto a = create(sample(), cst(2026, 11, 28, 0, 0));
  auto b = create(sample(), cst(2026, 11, 28, 23, 59));
  auto c = create(sample(), cst(2026, 11, 29, 0, 0));
  EXPECT_EQ(a.number, "2026112800001");
  EXPECT_EQ(b.number, "2026112800002");
  EXPECT_EQ(c.number, "2026112900001");
  // 2026-11-27T16:30Z is already Nov 28 in Shanghai.
  auto d = create(sample(), cst(2026, 11, 28, 0, 30));
  EXPECT_EQ(d.number, "2026112800003");
  db->exec("UPDATE ticket_sequences SET last = 99999 WHERE day = '20261128'");
  EXPECT_EQ(create(sample(), cst(2026, 11, 28, 12)).number, "20261128100000");
}

TEST_F(TicketStore, CreateFillsDeadlinesAndKeepsTheCallerSealed) {
  auto t = create(sample(TicketType::complaint), cst(2026, 9, 30, 10));
  EXPECT_EQ(t.state, State::created);
  EXPECT_EQ(t.type, TicketType::complaint);
  EXPECT_EQ(t.category_code, "0301");
  EXPECT_EQ(t.summary, "小区停水三天");
  EXPECT_TRUE(t.has_caller_name);
  EXPECT_TRUE(t.has_caller_phone);
  EXPECT_EQ(t.created_by, 1);
  EXPECT_EQ(t.reply_due, cst(2026, 10, 14));  // 5 working days across the holiday, end of Oct 13
  EXPECT_EQ(t.sign_due, cst(2026, 10, 9));
  auto caller = caller_of(*db, key, t.id);
  EXPECT_EQ(caller.name, "王小明");
  EXPECT_EQ(caller.phone, "13812345678");
  auto& s = db->query("SELECT typeof(caller_phone_enc), typeof(caller_phone_hash) FROM tickets WHERE id = ?", t.id);
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "blob");
  EXPECT_EQ(s.text(1), "blob");
  s.run();
  auto anonymous = sample();
  anonymous.caller_name.reset();
  anonymous.caller_phone.reset();
  auto a = create(anonymous);
  EXPECT_FALSE(a.has_caller_phone);
  EXPECT_FALSE(caller_of(*db, key, a.id).phone);
}

TEST_F(TicketStore, CreateValidatesFields) {
  auto t = sample();
  t.summary = "";
  EXPECT_EQ(error_of([&] { create(t); }), "summary: must be 1 to 600 bytes");
  t = sample();
  t.category_code = "03 01";
  EXPECT_EQ(error_code_of([&] { create(t); }), Errc::invalid_argument);
  t = sample();
  t.caller_phone = "n/a";
  EXPECT_EQ(error_of([&] { create(t); }), "caller_phone: has no digits");
  t = sample();
  t.summary = "a\x01";
  EXPECT_EQ(error_code_of([&] { create(t); }), Errc::invalid_argument);
  auto& s = db->prepare("SELECT COUNT(*) FROM tickets");
  s.step();
  EXPECT_EQ(s.int64(0), 0);
  s.run();
}

TEST_F(TicketStore, FindByNumberAndByCaller) {
  auto t = create(sample());
  auto other = sample();
  other.caller_phone = "13900000000";
  create(other);
  EXPECT_EQ(find_by_number(*db, t.number)->id, t.id);
  EXPECT_FALSE(find_by_number(*db, "2026112899999"));
  EXPECT_FALSE(get_ticket(*db, 12345));
  auto mine = tickets_of_caller(*db, key, "+86 138-1234-5678");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].id, t.id);
}

TEST_F(TicketStore, ListFiltersByStateTypeDepartmentAndOverdue) {
  auto now = cst(2026, 11, 28, 9);
  auto a = create(sample(TicketType::complaint), now);
  auto b = create(sample(TicketType::consultation), now);
  auto c = create(sample(TicketType::help), now);
  a = act(a, Action::dispatch, to(water, {housing}));
  b = act(b, Action::dispatch, to(housing));
  EXPECT_EQ(list_tickets(*db, {}).size(), 3u);
  EXPECT_EQ(list_tickets(*db, {}).front().id, c.id);  // newest first
  TicketFilter dispatched;
  dispatched.state = State::dispatched;
  EXPECT_EQ(list_tickets(*db, dispatched).size(), 2u);
  TicketFilter consultations;
  consultations.type = TicketType::consultation;
  ASSERT_EQ(list_tickets(*db, consultations).size(), 1u);
  EXPECT_EQ(list_tickets(*db, consultations)[0].id, b.id);
  TicketFilter of_water;
  of_water.department_id = water;
  ASSERT_EQ(list_tickets(*db, of_water).size(), 1u);
  TicketFilter of_housing;
  of_housing.department_id = housing;  // lead of b, assisting on a
  EXPECT_EQ(list_tickets(*db, of_housing).size(), 2u);
  EXPECT_EQ(list_tickets(*db, of_housing)[1].assisting_department_ids, std::vector<std::int64_t>{housing});
  // Sign is due end of Monday Nov 30: overdue on Tuesday, not before.
  TicketFilter overdue;
  overdue.overdue_at = cst(2026, 11, 30, 23, 59);
  EXPECT_TRUE(list_tickets(*db, overdue).empty());
  overdue.overdue_at = cst(2026, 12, 1, 9);
  EXPECT_EQ(list_tickets(*db, overdue).size(), 3u);
  EXPECT_EQ(current_deadline(a), a.sign_due);
  a = act(a, Action::sign);  // signed: now its reply deadline (end of Dec 4) counts
  EXPECT_EQ(current_deadline(a), a.reply_due);
  EXPECT_EQ(list_tickets(*db, overdue).size(), 2u);
  TicketFilter page;
  page.before_id = c.id;
  page.limit = 1;
  ASSERT_EQ(list_tickets(*db, page).size(), 1u);
  EXPECT_EQ(list_tickets(*db, page)[0].id, b.id);
}

TEST_F(TicketStore, MergedRequestKeepsExistingAndPointsToItsMaster) {
  auto master = create(sample());
  auto repeat = create(sample());
  master = act(master, Action::dispatch, to(water));
  auto merged =
      merge_tickets(*db, master.id, repeat.id, repeat.version, agent, "同一小区停水重复来电", cst(2026, 11, 28, 11));
  EXPECT_EQ(merged.state, State::merged);
  EXPECT_EQ(merged.merged_into, master.id);
  EXPECT_EQ(get_ticket(*db, repeat.id)->summary, "小区停水三天");  // kept
  auto h = history_of(*db, master.id);
  EXPECT_EQ(h.back().action, "merge_in");
  EXPECT_NE(h.back().changes.find(repeat.number), std::string::npos);
  auto third = create(sample());
  EXPECT_EQ(error_code_of([&] { merge_tickets(*db, repeat.id, third.id, third.version, agent, "", 0); }),
            Errc::conflict);  // into a merged ticket
  EXPECT_EQ(error_code_of([&] { merge_tickets(*db, third.id, third.id, third.version, agent, "", 0); }),
            Errc::conflict);
  EXPECT_EQ(error_code_of([&] { merge_tickets(*db, master.id, third.id, third.version + 1, agent, "", 0); }),
            Errc::conflict);
}

TEST_F(TicketStore, CitizenLookupRevealsOnlyStateDepartmentAndAcceptedReply) {
  auto t = create(sample());
  auto view = citizen_lookup(*db, key, t.number, "5678");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->state, State::created);
  EXPECT_EQ(view->department_name, "");
  EXPECT_FALSE(citizen_lookup(*db, key, t.number, "5679"));
  EXPECT_FALSE(citizen_lookup(*db, key, "2026112899999", "5678"));
  EXPECT_EQ(error_code_of([&] { citizen_lookup(*db, key, t.number, "56a8"); }), Errc::invalid_argument);
  t = act(t, Action::dispatch, to(water));
  t = act(t, Action::sign);
  ActionArgs r;
  r.reply = "已恢复供水";
  t = act(t, Action::reply, r);
  EXPECT_EQ(citizen_lookup(*db, key, t.number, "5678")->reply, "");  // not reviewed yet
  t = act(t, Action::accept_reply);
  view = citizen_lookup(*db, key, t.number, "5678");
  EXPECT_EQ(view->state, State::reviewed);
  EXPECT_EQ(view->department_name, "市水务局");
  EXPECT_EQ(view->reply, "已恢复供水");
  // Anonymous tickets cannot be looked up by phone digits.
  auto anonymous = sample();
  anonymous.caller_phone.reset();
  auto a = create(anonymous);
  EXPECT_FALSE(citizen_lookup(*db, key, a.number, "5678"));
  // A merged repeat request shows its master's progress.
  auto repeat = create(sample());
  merge_tickets(*db, t.id, repeat.id, repeat.version, agent, "重复", cst(2026, 11, 28, 12));
  EXPECT_EQ(citizen_lookup(*db, key, repeat.number, "5678")->reply, "已恢复供水");
}

TEST_F(TicketStore, DirectoryAndDispatchCatalogue) {
  set_office_phone(*db, water, "025-12345678");
  auto dir = department_directory(*db);
  ASSERT_EQ(dir.size(), 3u);
  EXPECT_EQ(dir[2].code, "water");
  EXPECT_EQ(dir[2].office_phone, "025-12345678");
  EXPECT_EQ(error_code_of([&] { set_office_phone(*db, water, "call me"); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { set_office_phone(*db, 999, "1"); }), Errc::not_found);
  set_office_phone(*db, water, std::nullopt);
  EXPECT_FALSE(department_directory(*db)[2].office_phone);

  set_dispatch_rule(*db, "03", housing, 0);
  set_dispatch_rule(*db, "0301", water, 0);
  EXPECT_EQ(default_department(*db, "0301"), water);
  EXPECT_EQ(default_department(*db, "030105"), water);
  EXPECT_EQ(default_department(*db, "0302"), housing);
  EXPECT_FALSE(default_department(*db, "04"));
  set_dispatch_rule(*db, "0301", police, 0);  // replaces
  EXPECT_EQ(default_department(*db, "0301"), police);
  remove_dispatch_rule(*db, "0301");
  EXPECT_EQ(default_department(*db, "0301"), housing);
  EXPECT_EQ(error_code_of([&] { set_dispatch_rule(*db, "05", 999, 0); }), Errc::invalid_argument);
}

TEST_F(TicketStore, RemindersFireOnce) {
  auto t = create(sample());
  auto r1 = add_reminder(*db, t.id, cst(2026, 11, 28, 15), "下午三点催办", agent, cst(2026, 11, 28, 10));
  auto r2 = add_reminder(*db, t.id, cst(2026, 11, 28, 12), "", agent, cst(2026, 11, 28, 10));
  EXPECT_EQ(next_reminder_due(*db), cst(2026, 11, 28, 12));
  EXPECT_TRUE(due_reminders(*db, cst(2026, 11, 28, 11)).empty());
  auto due = due_reminders(*db, cst(2026, 11, 28, 16));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, r2.id);
  EXPECT_TRUE(mark_fired(*db, r2.id, cst(2026, 11, 28, 16)));
  EXPECT_FALSE(mark_fired(*db, r2.id, cst(2026, 11, 28, 16)));  // a second firing is refused
  EXPECT_EQ(due_reminders(*db, cst(2026, 11, 28, 16)).size(), 1u);
  EXPECT_EQ(next_reminder_due(*db), r1.due_at);
  EXPECT_EQ(error_code_of([&] { add_reminder(*db, 999, 0, "", agent, 0); }), Errc::not_found);
}

TEST(TicketCategories, DefaultTreeAndValidation) {
  auto tree = CategoryTree::defaults();
  EXPECT_EQ(tree.path("0301"), "公用事业 / 供水");
  EXPECT_EQ(tree.path("05"), "劳动和社会保障");
  EXPECT_EQ(tree.children(std::nullopt).size(), 12u);
  EXPECT_EQ(tree.children(std::string("03")).size(), 4u);
  EXPECT_FALSE(tree.find("0399"));
  EXPECT_EQ(error_of([&] { tree.require("0399"); }), "category_code: unknown category 0399");
  EXPECT_EQ(error_of([] {
              CategoryTree({{"01", "a", std::nullopt}, {"01", "b", std::nullopt}});
            }),
            "categories: 01 appears twice");
  EXPECT_EQ(error_of([] {
              CategoryTree({{"0101", "a", std::string("01")}, {"01", "b", std::nullopt}});
            }),
            "categories: 0101: parent 01 must be listed before it");
  EXPECT_EQ(error_code_of([] { CategoryTree({{"0 1", "a", std::nullopt}}); }), Errc::invalid_argument);
}

TEST_F(TicketStore, CategoryMustBeInTheConfiguredTree) {
  auto t = sample();
  t.category_code = "0399";
  EXPECT_EQ(error_of([&] { create(t); }), "category_code: unknown category 0399");
  rules.categories = CategoryTree({{"W", "供水", std::nullopt}});
  t.category_code = "W";
  EXPECT_EQ(create(t).category_code, "W");
}
