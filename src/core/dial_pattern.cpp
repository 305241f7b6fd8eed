#include "hotline/core/dial_pattern.hpp"

namespace hotline {
namespace {

bool dial_char(char c) { return (c >= '0' && c <= '9') || c == '*' || c == '#' || c == '+'; }

// The set at pattern[i] == '['; returns the index after ']' or npos.
std::size_t set_end(std::string_view p, std::size_t i) {
  auto close = p.find(']', i);
  return close == std::string_view::npos ? close : close + 1;
}

bool in_set(std::string_view set, char c) {  // set without the brackets
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (i + 2 < set.size() && set[i + 1] == '-') {
      if (c >= set[i] && c <= set[i + 2]) return true;
      i += 2;
    } else if (set[i] == c) {
      return true;
    }
  }
  return false;
}

bool match_from(std::string_view p, std::size_t pi, std::string_view n, std::size_t ni) {
  while (pi < p.size()) {
    char t = p[pi];
    if (t == '.' || t == '!') return t == '!' || ni < n.size();  // the rest, whatever it is
    if (ni >= n.size()) return false;
    char c = n[ni];
    bool ok = false;
    std::size_t next = pi + 1;
    switch (t) {
      case 'X':
        ok = c >= '0' && c <= '9';
        break;
      case 'Z':
        ok = c >= '1' && c <= '9';
        break;
      case 'N':
        ok = c >= '2' && c <= '9';
        break;
      case '[':
        next = set_end(p, pi);
        ok = in_set(p.substr(pi + 1, next - pi - 2), c);
        break;
      default:
        ok = t == c;
    }
    if (!ok) return false;
    pi = next;
    ++ni;
  }
  return ni == n.size();
}

}  // namespace

std::optional<std::string> dial_pattern_problem(std::string_view p) {
  if (p.empty()) return "empty pattern";
  if (p.size() > 64) return "pattern longer than 64 characters";
  if (p[0] != '_') {
    for (char c : p) {
      if (!dial_char(c)) return "a literal number may hold only digits, *, # and + (use \"_\" for a pattern)";
    }
    return std::nullopt;
  }
  if (p.size() == 1) return "\"_\" alone matches nothing";
  for (std::size_t i = 1; i < p.size(); ++i) {
    char c = p[i];
    if (c == '.' || c == '!') {
      if (i + 1 != p.size()) return "\".\" and \"!\" may only end a pattern";
    } else if (c == '[') {
      auto end = set_end(p, i);
      if (end == std::string_view::npos || end == i + 2) return "unclosed or empty [set]";
      for (std::size_t j = i + 1; j + 1 < end; ++j) {
        if (!dial_char(p[j]) && p[j] != '-') return "a [set] holds digits and ranges such as 1-5";
      }
      i = end - 1;
    } else if (!dial_char(c) && c != 'X' && c != 'Z' && c != 'N') {
      return std::string("unexpected character '") + c + "' (patterns use digits, X, Z, N, [..], . and !)";
    }
  }
  return std::nullopt;
}

bool dial_pattern_matches(std::string_view pattern, std::string_view number) {
  if (pattern.empty()) return false;
  if (pattern[0] != '_') return pattern == number;
  return match_from(pattern, 1, number, 0);
}

}  // namespace hotline
