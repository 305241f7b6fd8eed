// Business-day calendar and deadlines across weekends, China's 2026 National
// Day holiday (Oct 1-7) and its make-up working days (Sunday Sep 27, Saturday
// Oct 10). All times are Asia/Shanghai wall clock.
#include <gtest/gtest.h>

#include "tickets_fixture.hpp"

using namespace tickets_test;
using namespace std::chrono;

namespace {

Day day_of(int y, unsigned m, unsigned d) { return Day{year{y} / month{m} / day{d}}; }

// "End of day d": 00:00 of the next day.
std::int64_t end_of(int y, unsigned m, unsigned d) { return start_of_day(day_of(y, m, d) + days{1}); }

}  // namespace

TEST(Calendar, ShanghaiDayBoundariesAreUtcPlus8) {
  // 2026-09-30T16:00:00Z is 2026-10-01 00:00 in Shanghai.
  std::int64_t midnight = 1790784000000;
  EXPECT_EQ(cst(2026, 10, 1), midnight);
  EXPECT_EQ(local_day(midnight), day_of(2026, 10, 1));
  EXPECT_EQ(local_day(midnight - 1), day_of(2026, 9, 30));
  EXPECT_EQ(local_day(0), day_of(1970, 1, 1));
  EXPECT_EQ(local_day(-8LL * 3600 * 1000 - 1), day_of(1969, 12, 31));
  EXPECT_EQ(compact_day(day_of(2026, 11, 28)), "20261128");
}

TEST(Calendar, WeekendsHolidaysAndMakeUpDays) {
  auto c = national_day_2026();
  EXPECT_TRUE(c.is_working_day(day_of(2026, 9, 25)));   // Friday
  EXPECT_FALSE(c.is_working_day(day_of(2026, 9, 26)));  // Saturday
  EXPECT_TRUE(c.is_working_day(day_of(2026, 9, 27)));   // Sunday, make-up day
  EXPECT_TRUE(c.is_working_day(day_of(2026, 9, 30)));   // Wednesday
  for (unsigned d = 1; d <= 7; ++d) EXPECT_FALSE(c.is_working_day(day_of(2026, 10, d))) << "Oct " << d;
  EXPECT_TRUE(c.is_working_day(day_of(2026, 10, 8)));   // Thursday
  EXPECT_TRUE(c.is_working_day(day_of(2026, 10, 10)));  // Saturday, make-up day
  EXPECT_FALSE(c.is_working_day(day_of(2026, 10, 11)));
  EXPECT_FALSE(WorkCalendar{}.is_working_day(day_of(2026, 11, 29)));  // Sunday
}

TEST(Calendar, ConfigurationIsValidated) {
  EXPECT_EQ(error_code_of([] { WorkCalendar::from_strings({"2026-13-01"}, {}); }), hotline::Errc::invalid_argument);
  EXPECT_EQ(error_code_of([] { WorkCalendar::from_strings({"2026-02-30"}, {}); }), hotline::Errc::invalid_argument);
  EXPECT_EQ(error_code_of([] { WorkCalendar::from_strings({"26-1-1"}, {}); }), hotline::Errc::invalid_argument);
  EXPECT_EQ(error_of([] { WorkCalendar::from_strings({"2026-10-01"}, {"2026-10-01"}); }),
            "makeup_workdays: 2026-10-01 is also a holiday");
}

TEST(Calendar, WorkingDaysSkipWeekendsAndHolidays) {
  auto c = national_day_2026();
  // An ordinary week: Friday -> Monday.
  EXPECT_EQ(add_working_days(c, cst(2026, 11, 27, 16), 1), end_of(2026, 11, 30));
  EXPECT_EQ(add_working_days(c, cst(2026, 11, 27, 16), 5), end_of(2026, 12, 4));
  // The creation day never counts, even at 00:00.
  EXPECT_EQ(add_working_days(c, cst(2026, 11, 30, 0, 0), 1), end_of(2026, 12, 1));
  // Friday before the make-up Sunday: the Sunday is the next working day.
  EXPECT_EQ(add_working_days(c, cst(2026, 9, 25, 10), 1), end_of(2026, 9, 27));
  EXPECT_EQ(add_working_days(c, cst(2026, 9, 26, 10), 1), end_of(2026, 9, 27));
  // Across the holiday: Sep 30 -> Oct 8, 9, 10 (make-up Saturday), 12, 13.
  EXPECT_EQ(add_working_days(c, cst(2026, 9, 30, 10), 1), end_of(2026, 10, 8));
  EXPECT_EQ(add_working_days(c, cst(2026, 9, 30, 23, 59), 1), end_of(2026, 10, 8));
  EXPECT_EQ(add_working_days(c, cst(2026, 10, 1, 0, 0), 1), end_of(2026, 10, 8));
  EXPECT_EQ(add_working_days(c, cst(2026, 9, 29, 23, 59), 1), end_of(2026, 9, 30));
  EXPECT_EQ(add_working_days(c, cst(2026, 9, 30, 10), 3), end_of(2026, 10, 10));
  EXPECT_EQ(add_working_days(c, cst(2026, 9, 30, 10), 5), end_of(2026, 10, 13));
  // 15 working days, Sep 30 -> Oct 27.
  EXPECT_EQ(add_working_days(c, cst(2026, 9, 30, 10), 15), end_of(2026, 10, 27));
  // Filed on a holiday: counting starts on the first working day after it.
  EXPECT_EQ(add_working_days(c, cst(2026, 10, 4, 12), 2), end_of(2026, 10, 9));
  EXPECT_EQ(error_code_of([&] { add_working_days(c, 0, 0); }), hotline::Errc::invalid_argument);
}

TEST(Calendar, WorkingDaysLate) {
  auto c = national_day_2026();
  std::int64_t due = end_of(2026, 10, 8);
  EXPECT_EQ(working_days_late(c, due, due), 0);
  EXPECT_EQ(working_days_late(c, due, due - 1), 0);
  EXPECT_EQ(working_days_late(c, due, cst(2026, 10, 9, 10)), 1);
  EXPECT_EQ(working_days_late(c, due, cst(2026, 10, 12, 10)), 3);  // 9, 10 (make-up), 12
  // A wall-clock deadline in the middle of a day: whole working days after that day count.
  EXPECT_EQ(working_days_late(c, cst(2026, 11, 30, 12), cst(2026, 11, 30, 13)), 0);
  EXPECT_EQ(working_days_late(c, cst(2026, 9, 30, 12), cst(2026, 10, 7, 12)), 0);  // all holidays
  EXPECT_EQ(working_days_late(c, cst(2026, 9, 30, 12), cst(2026, 10, 8, 9)), 1);
}

TEST(Deadline, ExtraUrgentIsTwoHoursOfWallClockEvenOnAHoliday) {
  auto c = national_day_2026();
  auto d = compute_deadlines(c, {}, TicketType::help, Urgency::extra_urgent, false, cst(2026, 10, 3, 10));
  EXPECT_EQ(d.reply_due, cst(2026, 10, 3, 12));
  EXPECT_EQ(d.sign_due, cst(2026, 10, 3, 10, 30));
  EXPECT_EQ(d.close_due, end_of(2026, 10, 9));  // 2 working days after Oct 3: Oct 8, 9
}

TEST(Deadline, UrgentIsTwentyFourHours) {
  auto c = national_day_2026();
  auto d = compute_deadlines(c, {}, TicketType::complaint, Urgency::urgent, true, cst(2026, 9, 30, 18));
  EXPECT_EQ(d.reply_due, cst(2026, 10, 1, 18));
  EXPECT_EQ(d.sign_due, cst(2026, 9, 30, 20));
  EXPECT_EQ(d.close_due, end_of(2026, 10, 9));
}

TEST(Deadline, ConsultationIsOneWorkingDay) {
  auto c = national_day_2026();
  auto d = compute_deadlines(c, {}, TicketType::consultation, Urgency::normal, false, cst(2026, 9, 30, 10));
  EXPECT_EQ(d.reply_due, end_of(2026, 10, 8));
  EXPECT_EQ(d.sign_due, d.reply_due);            // never after the reply deadline
  EXPECT_EQ(d.close_due, end_of(2026, 10, 10));  // Oct 9 and the make-up Saturday
  auto s = compute_deadlines(c, {}, TicketType::suggestion, Urgency::normal, false, cst(2026, 9, 25, 10));
  EXPECT_EQ(s.reply_due, end_of(2026, 9, 27));
}

TEST(Deadline, HelpAndComplaintAreFiveWorkingDaysComplexFifteen) {
  auto c = national_day_2026();
  for (auto type : {TicketType::help, TicketType::complaint, TicketType::report}) {
    auto d = compute_deadlines(c, {}, type, Urgency::normal, false, cst(2026, 9, 30, 10));
    EXPECT_EQ(d.reply_due, end_of(2026, 10, 13)) << to_string(type);
    EXPECT_EQ(d.sign_due, end_of(2026, 10, 8));
    EXPECT_EQ(d.close_due, end_of(2026, 10, 15));
  }
  auto complex = compute_deadlines(c, {}, TicketType::consultation, Urgency::normal, true, cst(2026, 9, 30, 10));
  EXPECT_EQ(complex.reply_due, end_of(2026, 10, 27));
  // An ordinary week, Friday afternoon.
  auto w = compute_deadlines(c, {}, TicketType::help, Urgency::normal, false, cst(2026, 11, 27, 17));
  EXPECT_EQ(w.sign_due, end_of(2026, 11, 30));
  EXPECT_EQ(w.reply_due, end_of(2026, 12, 4));
  EXPECT_EQ(w.close_due, end_of(2026, 12, 8));
}

TEST(Deadline, PolicyComesFromConfiguration) {
  DeadlinePolicy p;
  p.reply_working_days[TicketType::consultation] = 2;
  p.extra_urgent_reply_ms = 3600 * 1000;
  p.close_working_days_after_reply = 1;
  WorkCalendar none;
  auto d = compute_deadlines(none, p, TicketType::consultation, Urgency::normal, false, cst(2026, 11, 26, 10));
  EXPECT_EQ(d.reply_due, end_of(2026, 11, 30));  // Fri 27, Mon 30
  EXPECT_EQ(d.close_due, end_of(2026, 12, 1));
  auto u = compute_deadlines(none, p, TicketType::consultation, Urgency::extra_urgent, false, cst(2026, 11, 26, 10));
  EXPECT_EQ(u.reply_due, cst(2026, 11, 26, 11));
  EXPECT_EQ(u.sign_due, cst(2026, 11, 26, 10, 30));
}

TEST(Deadline, EscalationLevels) {
  EXPECT_EQ(escalation(0, 1000, 0, 0.8), Escalation::none);
  EXPECT_EQ(escalation(0, 1000, 799, 0.8), Escalation::none);
  EXPECT_EQ(escalation(0, 1000, 800, 0.8), Escalation::yellow);
  EXPECT_EQ(escalation(0, 1000, 999, 0.8), Escalation::yellow);
  EXPECT_EQ(escalation(0, 1000, 1000, 0.8), Escalation::red);
  EXPECT_EQ(escalation(500, 500, 400, 0.8), Escalation::yellow);  // an empty window
}
