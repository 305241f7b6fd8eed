#include "hotline/reports/exports.hpp"

namespace hotline::reports {
namespace {

std::string quote(std::string field) {
  bool needs = field.find_first_of(",\"\r\n") != std::string::npos ||
               (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!needs) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A text cell a spreadsheet would take for a formula.
std::string defuse(std::string text) {
  if (!text.empty() &&
      (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' || text[0] == '\r')) {
    text = std::string(1, '\'').append(text);  // (not insert(): a GCC 12 -O3 false -Wrestrict)
  }
  return text;
}

}  // namespace

std::string to_csv(const Table& t) {
  std::string out = "\xEF\xBB\xBF";
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (i) out += ',';
    out += quote(defuse(t.columns[i].label));
  }
  out += "\r\n";
  for (const auto& r : t.rows) {
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      const Cell& c = i < r.cells.size() ? r.cells[i] : Cell();
      std::string text = display(c, t.columns[i].type);
      if (std::holds_alternative<std::string>(c)) text = defuse(std::move(text));
      if (i) out += ',';
      out += quote(std::move(text));
    }
    out += "\r\n";
  }
  return out;
}

std::string file_stem(const Table& t) {
  std::string stem = t.title;
  if (!t.filters.empty()) stem += "_" + t.filters.front().second;
  std::string out;
  for (unsigned char c : stem) {
    // Keep UTF-8 letters, ASCII letters and digits; anything else becomes _.
    bool keep = c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    out += keep ? static_cast<char>(c) : '_';
  }
  return out;
}

}  // namespace hotline::reports
