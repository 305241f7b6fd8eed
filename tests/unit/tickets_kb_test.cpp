// Knowledge base: versions, and Chinese full-text search through FTS5 trigram.
#include <gtest/gtest.h>

#include <algorithm>

#include "hotline/tickets/kb.hpp"
#include "tickets_fixture.hpp"

using namespace tickets_test;
using hotline::Errc;

namespace {

struct Kb : TicketDb {
  Kb() {
    social = add(KbSection::office_guide, "社保卡补办指南",
                 "社会保障卡遗失后，携带身份证到任一社保经办网点补办，工本费20元。");
    fund =
        add(KbSection::policy, "住房公积金提取办法", "职工购房、租房可申请提取住房公积金，租房提取每月不超过1500元。");
    waste = add(KbSection::city_guide, "生活垃圾分类指南", "可回收物、有害垃圾、厨余垃圾和其他垃圾分别投放。");
    loan = add(KbSection::faq, "贷款常见问题", "使用公积金贷款购买首套住房，利率较低；社保缴纳满一年可申请。");
  }
  std::int64_t add(KbSection section, const std::string& title, const std::string& body) {
    NewArticle a;
    a.section = section;
    a.title = title;
    a.body = body;
    return add_article(*db, a, agent, cst(2026, 11, 1)).id;
  }
  std::vector<std::int64_t> ids(const std::string& text, std::optional<KbSection> section = std::nullopt) {
    KbQuery q;
    q.text = text;
    q.section = section;
    std::vector<std::int64_t> out;
    for (const auto& hit : search_articles(*db, q)) out.push_back(hit.article.id);
    return out;
  }
  std::int64_t social = 0, fund = 0, waste = 0, loan = 0;
};

using Ids = std::vector<std::int64_t>;

}  // namespace

TEST_F(Kb, ChineseSubstringsOfThreeOrMoreCharactersUseTheIndex) {
  EXPECT_EQ(ids("垃圾分类"), Ids{waste});
  EXPECT_EQ(ids("厨余垃圾"), Ids{waste});
  EXPECT_EQ(ids("身份证"), Ids{social});
  // Title matches rank above body matches (bm25, title weighted 10:1).
  EXPECT_EQ(ids("公积金"), (Ids{fund, loan}));
  KbQuery best;  // the limit keeps the best-ranked, not the first found
  best.text = "公积金";
  best.limit = 1;
  auto hits = search_articles(*db, best);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].article.id, fund);
  EXPECT_EQ(hits[0].article.body.empty(), false);
  EXPECT_LT(hits[0].score, 0);
  EXPECT_TRUE(ids("个人所得税").empty());
}

TEST_F(Kb, TwoCharacterWordsMatchAsSubstrings) {
  EXPECT_EQ(ids("社保"), (Ids{social, loan}));  // title hit first
  EXPECT_EQ(ids("分类"), Ids{waste});
  EXPECT_EQ(ids("租房"), Ids{fund});
  EXPECT_TRUE(ids("医保").empty());
  // The last two characters of a title or body: no trigram begins there
  // except through the column's end mark (migration 0017).
  auto guides = ids("指南");
  std::sort(guides.begin(), guides.end());
  EXPECT_EQ(guides, (Ids{std::min(social, waste), std::max(social, waste)}));
  EXPECT_EQ(ids("投放"), Ids{waste});
  EXPECT_EQ(ids("办法"), Ids{fund});
  // Single characters are scanned; mixed with indexed words every word still counts.
  EXPECT_EQ(ids("卡"), Ids{social});
  EXPECT_EQ(ids("卡 指南"), Ids{social});
  EXPECT_EQ(ids("垃圾 指南"), Ids{waste});
  EXPECT_TRUE(ids("垃圾 贷款").empty());
}

TEST_F(Kb, TwoCharacterWordsUseTheIndexAndFollowEdits) {
  const auto app = add(KbSection::news, "ETC办理", "高速公路ETC在APP上可以办理");
  EXPECT_EQ(ids("办理"), Ids{app});  // the title's end
  EXPECT_EQ(ids("pp"), Ids{app});    // ASCII case-insensitive, as the 3+ character words
  EXPECT_EQ(ids("Et"), Ids{app});
  ArticlePatch p;
  p.title = "电子收费";
  p.body = "高速公路不停车收费";
  update_article(*db, app, 1, p, agent, cst(2026, 11, 3));
  EXPECT_TRUE(ids("办理").empty());
  EXPECT_TRUE(ids("pp").empty());
  EXPECT_EQ(ids("收费"), Ids{app});
  // The index's columns end in the private-use mark; the article's text does not.
  EXPECT_EQ(get_article(*db, app)->title, "电子收费");
}

TEST_F(Kb, EveryWordMustOccur) {
  EXPECT_EQ(ids("公积金 贷款"), Ids{loan});
  EXPECT_EQ(ids("公积金　提取"), Ids{fund});  // ideographic space
  EXPECT_EQ(ids("社保 补办"), Ids{social});
  EXPECT_EQ(ids("社保 公积金"), Ids{loan});
  EXPECT_EQ(ids("公积金", KbSection::policy), Ids{fund});
  EXPECT_EQ(ids("\"公积金\""), Ids{});  // quotes are searched for literally, not parsed
  EXPECT_EQ(error_code_of([&] { ids("   "); }), Errc::invalid_argument);
}

TEST_F(Kb, UpdatesKeepVersionsAndReindex) {
  ArticlePatch p;
  p.title = "生活垃圾分类投放指南";
  p.body = "厨余垃圾请沥干水分后投放。";
  auto a = update_article(*db, waste, 1, p, agent, cst(2026, 11, 2));
  EXPECT_EQ(a.version, 2);
  EXPECT_TRUE(ids("可回收物").empty());
  EXPECT_EQ(ids("沥干水分"), Ids{waste});
  auto versions = article_versions(*db, waste);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].title, "生活垃圾分类指南");
  EXPECT_EQ(versions[1].title, "生活垃圾分类投放指南");
  EXPECT_EQ(error_of([&] { update_article(*db, waste, 1, p, agent, 0); }),
            "article " + std::to_string(waste) + " was changed by someone else (version 2, you had 1)");
  EXPECT_EQ(error_code_of([&] { update_article(*db, 999, 1, p, agent, 0); }), Errc::not_found);
  EXPECT_THROW(db->exec("DELETE FROM kb_article_versions"), hotline::Error);
}

TEST_F(Kb, UnpublishedAndExpiredArticlesAreHidden) {
  ArticlePatch hide;
  hide.published = false;
  update_article(*db, loan, 1, hide, agent, 0);
  EXPECT_EQ(ids("公积金"), Ids{fund});
  ArticlePatch expire;
  expire.valid_until = std::optional<std::int64_t>(cst(2026, 12, 1));
  update_article(*db, fund, 1, expire, agent, 0);
  KbQuery q;
  q.text = "公积金";
  q.valid_at = cst(2026, 12, 2);
  EXPECT_TRUE(search_articles(*db, q).empty());
  q.valid_at = cst(2026, 11, 30);
  EXPECT_EQ(search_articles(*db, q).size(), 1u);
  auto guide = articles_in_section(*db, KbSection::policy, cst(2026, 11, 30));
  ASSERT_EQ(guide.size(), 1u);
  EXPECT_EQ(guide[0].title, "住房公积金提取办法");
  EXPECT_TRUE(articles_in_section(*db, KbSection::policy, cst(2026, 12, 2)).empty());
  EXPECT_EQ(parse_kb_section("investment_guide"), KbSection::investment_guide);
}

TEST_F(Kb, OwningDepartmentMustExist) {
  NewArticle a;
  a.title = "供水服务指南";
  a.department_id = water;
  EXPECT_EQ(add_article(*db, a, agent, 0).department_id, water);
  a.department_id = 999;
  EXPECT_EQ(error_of([&] { add_article(*db, a, agent, 0); }), "department_id: no department 999");
  a.department_id.reset();
  a.title = "";
  EXPECT_EQ(error_code_of([&] { add_article(*db, a, agent, 0); }), Errc::invalid_argument);
}
