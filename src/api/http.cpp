#include "hotline/api/http.hpp"

namespace hotline::api {

HttpResponse HttpResponse::json(int status, const nlohmann::json& value) {
  HttpResponse r;
  r.status = status;
  r.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

HttpResponse HttpResponse::error(int status, std::string_view code, std::string_view message) {
  return json(status, {{"error", {{"code", code}, {"message", message}}}});
}

ByteRange parse_range(std::string_view header, std::uint64_t size) {
  ByteRange r;
  constexpr std::string_view unit = "bytes=";
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  };
  header = trim(header);
  if (header.size() <= unit.size() || header.substr(0, unit.size()) != unit) return r;
  auto spec = trim(header.substr(unit.size()));
  if (spec.find(',') != std::string_view::npos) return r;
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return r;
  auto number = [](std::string_view v, std::uint64_t& out) {
    if (v.empty() || v.size() > 19) return false;
    out = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return true;
  };
  auto first_text = trim(spec.substr(0, dash));
  auto last_text = trim(spec.substr(dash + 1));
  std::uint64_t first = 0, last = 0;
  if (first_text.empty()) {  // suffix: the last N bytes
    if (!number(last_text, last)) return r;
    if (last == 0 || size == 0) {
      r.kind = ByteRange::unsatisfiable;
      return r;
    }
    r.kind = ByteRange::satisfiable;
    r.first = last >= size ? 0 : size - last;
    r.last = size - 1;
    return r;
  }
  if (!number(first_text, first)) return r;
  if (last_text.empty()) {
    last = size ? size - 1 : 0;
  } else {
    if (!number(last_text, last)) return r;
    if (last < first) return r;  // invalid: ignored
  }
  if (first >= size) {
    r.kind = ByteRange::unsatisfiable;
    return r;
  }
  r.kind = ByteRange::satisfiable;
  r.first = first;
  r.last = std::min(last, size - 1);
  return r;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int hi = hex(text[i + 1]);
      int lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    auto key = percent_decode(part.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::optional<std::string>("") : percent_decode(part.substr(eq + 1));
    if (key && value) out[*key] = *value;
  }
  return out;
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    auto part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace hotline::api
