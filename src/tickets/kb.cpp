#include "hotline/tickets/kb.hpp"

#include <algorithm>
#include <array>

#include "hotline/core/error.hpp"

namespace hotline::tickets {
namespace {

using store::Database;

constexpr std::array<std::string_view, 7> kSections{
    "policy", "city_guide", "office_guide", "investment_guide", "department_functions", "news", "faq"};

constexpr const char* kSelect =
    "SELECT a.id, a.section, a.title, a.body, a.department_id, a.published, a.valid_from, a.valid_until, a.version, "
    "a.created_by, a.created_at, a.updated_at";

Article read_row(store::Statement& s) {
  Article a;
  a.id = s.int64(0);
  a.section = parse_kb_section(s.text(1)).value_or(KbSection::faq);
  a.title = s.text(2);
  a.body = s.text(3);
  a.department_id = s.optional_int64(4);
  a.published = s.int64(5) != 0;
  a.valid_from = s.optional_int64(6);
  a.valid_until = s.optional_int64(7);
  a.version = s.int64(8);
  a.created_by = s.optional_int64(9);
  a.created_at = s.int64(10);
  a.updated_at = s.int64(11);
  return a;
}

void validate(Database& db, const Article& a) {
  if (a.title.empty() || a.title.size() > 300) throw Error(Errc::invalid_argument, "title: must be 1 to 300 bytes");
  if (a.body.size() > 200000) throw Error(Errc::invalid_argument, "body: at most 200000 bytes");
  if (a.valid_from && a.valid_until && *a.valid_until <= *a.valid_from) {
    throw Error(Errc::invalid_argument, "valid_until: must be after valid_from");
  }
  if (a.department_id) {
    auto& s = db.query("SELECT 1 FROM departments WHERE id = ?", *a.department_id);
    bool found = s.step();
    s.run();
    if (!found) throw Error(Errc::invalid_argument, "department_id: no department " + std::to_string(*a.department_id));
  }
}

void save_version(Database& db, const Article& a, const Actor& actor, std::int64_t now) {
  db.query(
        "INSERT INTO kb_article_versions (article_id, version, section, title, body, edited_by, edited_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        a.id, a.version, to_string(a.section), a.title, a.body, actor.user_id, now)
      .run();
}

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Splits on ASCII white space and the ideographic space U+3000.
std::vector<std::string> words_of(const std::string& text) {
  // (A scan rather than string::replace: GCC 12 at -O3 reports a false -Wrestrict on the latter.)
  std::vector<std::string> out;
  std::string word;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool ideographic_space = text.compare(i, 3, "\xE3\x80\x80") == 0;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || ideographic_space) {
      if (!word.empty()) out.push_back(std::move(word));
      word.clear();
      if (ideographic_space) i += 2;
    } else {
      word += c;
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

// A 2-character word matches through the trigrams that begin with it
// (migration 0017: every column ends in U+E000, so each occurrence begins
// one). Past this many, a substring scan is cheaper than the OR.
constexpr std::size_t kMaxTrigramsPerWord = 400;

// Trigrams of kb_fts that begin with `word`, in the index's case folding
// (ASCII letters lower case); at most kMaxTrigramsPerWord + 1.
std::vector<std::string> trigrams_starting_with(Database& db, const std::string& word) {
  std::string folded = word;
  std::transform(folded.begin(), folded.end(), folded.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  auto& s = db.query(
      "SELECT term FROM kb_fts_terms WHERE term >= ?1 AND term < ?1 || char(1114111) ORDER BY term LIMIT ?2", folded,
      static_cast<std::int64_t>(kMaxTrigramsPerWord + 1));
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::string fts_phrase(const std::string& word) {
  std::string out = "\"";
  for (char c : word) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string_view to_string(KbSection s) { return kSections.at(static_cast<std::size_t>(s)); }

std::optional<KbSection> parse_kb_section(std::string_view s) {
  for (std::size_t i = 0; i < kSections.size(); ++i) {
    if (kSections[i] == s) return static_cast<KbSection>(i);
  }
  return std::nullopt;
}

Article add_article(Database& db, const NewArticle& n, const Actor& actor, std::int64_t now) {
  Article a;
  a.section = n.section;
  a.title = n.title;
  a.body = n.body;
  a.department_id = n.department_id;
  a.published = n.published;
  a.valid_from = n.valid_from;
  a.valid_until = n.valid_until;
  validate(db, a);
  db.query(
        "INSERT INTO kb_articles (section, title, body, department_id, published, valid_from, valid_until, version, "
        "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
        to_string(a.section), a.title, a.body, a.department_id, a.published, a.valid_from, a.valid_until, actor.user_id,
        now, now)
      .run();
  a.id = db.last_insert_id();
  a.created_by = actor.user_id;
  a.created_at = a.updated_at = now;
  save_version(db, a, actor, now);
  return a;
}

Article update_article(Database& db, std::int64_t id, std::int64_t expected_version, const ArticlePatch& p,
                       const Actor& actor, std::int64_t now) {
  auto current = get_article(db, id);
  if (!current) throw Error(Errc::not_found, "no article " + std::to_string(id));
  if (current->version != expected_version) {
    throw Error(Errc::conflict, "article " + std::to_string(id) + " was changed by someone else (version " +
                                    std::to_string(current->version) + ", you had " + std::to_string(expected_version) +
                                    ")");
  }
  Article a = *current;
  if (p.section) a.section = *p.section;
  if (p.title) a.title = *p.title;
  if (p.body) a.body = *p.body;
  if (p.department_id) a.department_id = *p.department_id;
  if (p.published) a.published = *p.published;
  if (p.valid_from) a.valid_from = *p.valid_from;
  if (p.valid_until) a.valid_until = *p.valid_until;
  validate(db, a);
  a.version = expected_version + 1;
  a.updated_at = now;
  db.query(
        "UPDATE kb_articles SET section = ?, title = ?, body = ?, department_id = ?, published = ?, valid_from = ?, "
        "valid_until = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
        to_string(a.section), a.title, a.body, a.department_id, a.published, a.valid_from, a.valid_until, a.version,
        now, id, expected_version)
      .run();
  save_version(db, a, actor, now);
  return a;
}

std::optional<Article> get_article(Database& db, std::int64_t id) {
  auto& s = db.query(std::string(kSelect) + " FROM kb_articles a WHERE a.id = ?", id);
  if (!s.step()) return std::nullopt;
  Article a = read_row(s);
  s.run();
  return a;
}

std::vector<ArticleVersion> article_versions(Database& db, std::int64_t id) {
  std::vector<ArticleVersion> out;
  auto& s = db.query(
      "SELECT version, section, title, body, edited_by, edited_at FROM kb_article_versions WHERE article_id = ? "
      "ORDER BY version",
      id);
  while (s.step()) {
    out.push_back({s.int64(0), parse_kb_section(s.text(1)).value_or(KbSection::faq), s.text(2), s.text(3),
                   s.optional_int64(4), s.int64(5)});
  }
  return out;
}

std::vector<Article> articles_in_section(Database& db, KbSection section, std::int64_t at) {
  std::vector<Article> out;
  auto& s =
      db.query(std::string(kSelect) +
                   " FROM kb_articles a WHERE a.section = ? AND a.published = 1 AND "
                   "(a.valid_from IS NULL OR a.valid_from <= ?2) AND (a.valid_until IS NULL OR a.valid_until > ?2) "
                   "ORDER BY a.title, a.id",
               to_string(section), at);
  while (s.step()) out.push_back(read_row(s));
  return out;
}

std::vector<KbHit> search_articles(Database& db, const KbQuery& q) {
  auto words = words_of(q.text);
  if (words.empty()) throw Error(Errc::invalid_argument, "q: give at least one word to search for");
  if (words.size() > 10) throw Error(Errc::invalid_argument, "q: at most 10 words");
  std::string match;
  std::vector<std::string> short_words;  // scanned: single characters, or 2 with too many trigrams
  for (const auto& w : words) {
    const auto length = code_points(w);
    if (length >= 3) {
      match += (match.empty() ? "" : " AND ") + fts_phrase(w);
      continue;
    }
    if (length == 2) {
      auto trigrams = trigrams_starting_with(db, w);
      if (trigrams.empty()) return {};  // no article contains the word
      if (trigrams.size() <= kMaxTrigramsPerWord) {
        std::string any;
        for (const auto& t : trigrams) any += (any.empty() ? "" : " OR ") + fts_phrase(t);
        match += (match.empty() ? "(" : " AND (") + any + ")";
        continue;
      }
    }
    short_words.push_back(w);
  }
  // Ranking happens in the inner query on the kb_search_filter index (no
  // article bodies); only the kept page of articles is read in full.
  std::string filters;
  // Deliberately instr() on kb_articles, not LIKE on kb_fts: SQLite 3.40's
  // trigram LIKE finds nothing for a pattern of fewer than 3 characters.
  for (std::size_t i = 0; i < short_words.size(); ++i) {
    filters += " AND instr(lower(v.title || char(10) || v.body), lower(?)) > 0";
  }
  if (q.section) filters += " AND v.section = ?";
  if (q.published_only) filters += " AND v.published = 1";
  if (q.valid_at)
    filters += " AND (v.valid_from IS NULL OR v.valid_from <= ?) AND (v.valid_until IS NULL OR v.valid_until > ?)";
  std::string ranked;
  if (!match.empty()) {
    ranked =
        "SELECT v.id AS id, bm25(kb_fts, 10.0, 1.0) AS score, v.updated_at AS updated_at FROM kb_fts "
        "JOIN kb_articles v INDEXED BY kb_search_filter ON v.id = kb_fts.rowid WHERE kb_fts MATCH ?";
  } else {
    // No index to rank by: title hits first.
    ranked =
        "SELECT v.id AS id, CASE WHEN instr(lower(v.title), lower(?)) > 0 THEN -10.0 ELSE -1.0 END AS score, "
        "v.updated_at AS updated_at FROM kb_articles v WHERE 1";
  }
  ranked += filters + " ORDER BY score, updated_at DESC, id DESC LIMIT ?";
  std::string sql = std::string(kSelect) + ", r.score FROM (" + ranked +
                    ") r JOIN kb_articles a ON a.id = r.id ORDER BY r.score, r.updated_at DESC, r.id DESC";
  auto& s = db.prepare(sql);
  int i = 0;
  if (!match.empty()) {
    s.bind(++i, match);
  } else {
    s.bind(++i, short_words.front());
  }
  for (const auto& w : short_words) s.bind(++i, w);
  if (q.section) s.bind(++i, to_string(*q.section));
  if (q.valid_at) {
    s.bind(++i, *q.valid_at);
    s.bind(++i, *q.valid_at);
  }
  s.bind(++i, std::clamp(q.limit, 1, 200));
  std::vector<KbHit> out;
  while (s.step()) out.push_back({read_row(s), s.real(12)});
  return out;
}

}  // namespace hotline::tickets
