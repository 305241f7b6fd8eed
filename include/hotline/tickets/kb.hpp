#pragma once
// The knowledge base (参考资料, PRODUCT D6, A6): articles by section with an
// owning department, validity dates and every saved version kept; full-text
// search in Chinese through SQLite FTS5 with the trigram tokenizer.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hotline/store/database.hpp"
#include "hotline/tickets/types.hpp"

namespace hotline::tickets {

enum class KbSection { policy, city_guide, office_guide, investment_guide, department_functions, news, faq };
std::string_view to_string(KbSection s);
std::optional<KbSection> parse_kb_section(std::string_view s);

struct Article {
  std::int64_t id = 0;
  KbSection section = KbSection::faq;
  std::string title;
  std::string body;
  std::optional<std::int64_t> department_id;
  bool published = true;
  std::optional<std::int64_t> valid_from;  // unix ms
  std::optional<std::int64_t> valid_until;
  std::int64_t version = 1;
  std::optional<std::int64_t> created_by;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct NewArticle {
  KbSection section = KbSection::faq;
  std::string title;
  std::string body;
  std::optional<std::int64_t> department_id;
  bool published = true;
  std::optional<std::int64_t> valid_from;
  std::optional<std::int64_t> valid_until;
};

struct ArticlePatch {
  std::optional<KbSection> section;
  std::optional<std::string> title;
  std::optional<std::string> body;
  std::optional<std::optional<std::int64_t>> department_id;  // engaged null: no owner
  std::optional<bool> published;
  std::optional<std::optional<std::int64_t>> valid_from;
  std::optional<std::optional<std::int64_t>> valid_until;
};

struct ArticleVersion {
  std::int64_t version = 0;
  KbSection section = KbSection::faq;
  std::string title;
  std::string body;
  std::optional<std::int64_t> edited_by;
  std::int64_t edited_at = 0;
};

Article add_article(store::Database& db, const NewArticle& article, const Actor& actor, std::int64_t now);
// Error(conflict, "article N was changed by someone else (version X, you had Y)") on a stale version.
Article update_article(store::Database& db, std::int64_t id, std::int64_t expected_version, const ArticlePatch& patch,
                       const Actor& actor, std::int64_t now);
std::optional<Article> get_article(store::Database& db, std::int64_t id);
std::vector<ArticleVersion> article_versions(store::Database& db, std::int64_t id);
// Published articles of a section valid at `at`, by title (the IVR's menu).
std::vector<Article> articles_in_section(store::Database& db, KbSection section, std::int64_t at);

struct KbQuery {
  std::string text;  // words separated by spaces; every word must occur
  std::optional<KbSection> section;
  bool published_only = true;
  std::optional<std::int64_t> valid_at;  // unix ms: only articles valid then
  int limit = 20;                        // 1..200
};

struct KbHit {
  Article article;
  double score = 0;  // lower is better (bm25 with the title weighted 10:1)
};

// Every word must occur (as a substring, ASCII case-insensitive). Words of 3+
// characters go through the FTS5 trigram index; 2-character words (社保, 医保:
// most Chinese words) through the same index as "any trigram that begins with
// the word" (migration 0017); results are ranked by bm25, the title weighted
// 10:1. Single characters are matched as substrings of the title and body (a
// scan; title hits first when no word uses the index).
// Error(invalid_argument) for an empty query.
std::vector<KbHit> search_articles(store::Database& db, const KbQuery& query);

}  // namespace hotline::tickets
