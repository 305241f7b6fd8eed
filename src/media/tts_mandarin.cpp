#include "hotline/media/tts_mandarin.hpp"

#include <array>
#include <charconv>

namespace hotline::media {
namespace {

constexpr std::array<const char*, 10> kDigit = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
constexpr std::array<const char*, 4> kSmallUnit = {"", "十", "百", "千"};
constexpr std::array<const char*, 5> kGroupUnit = {"", "万", "亿", "万亿", "亿亿"};

// 1 .. 9999. `leading`: the number's highest group, where 10-19 read 十X.
std::string group_text(int g, bool leading) {
  std::string out;
  bool started = false, zero_pending = false;
  for (int i = 3; i >= 0; --i) {
    int p = i == 3 ? 1000 : i == 2 ? 100 : i == 1 ? 10 : 1;
    int d = (g / p) % 10;
    if (d == 0) {
      if (started) zero_pending = true;
      continue;
    }
    if (zero_pending) out += kDigit[0];
    zero_pending = false;
    if (!(i == 1 && d == 1 && !started && leading)) out += kDigit[static_cast<std::size_t>(d)];
    out += kSmallUnit[static_cast<std::size_t>(i)];
    started = true;
  }
  return out;
}

}  // namespace

std::string mandarin_number(std::int64_t n) {
  if (n == 0) return kDigit[0];
  std::string out;
  std::uint64_t v;
  if (n < 0) {
    out = "负";
    v = static_cast<std::uint64_t>(-(n + 1)) + 1;  // INT64_MIN too
  } else {
    v = static_cast<std::uint64_t>(n);
  }
  std::array<int, 5> groups{};
  int count = 0;
  while (v && count < 5) {
    groups[static_cast<std::size_t>(count++)] = static_cast<int>(v % 10000);
    v /= 10000;
  }
  bool first = true, need_zero = false;
  for (int i = count - 1; i >= 0; --i) {
    int g = groups[static_cast<std::size_t>(i)];
    if (g == 0) {
      need_zero = true;
      continue;
    }
    if (!first && (need_zero || g < 1000)) out += kDigit[0];
    out += group_text(g, first);
    out += kGroupUnit[static_cast<std::size_t>(i)];
    first = false;
    need_zero = false;
  }
  return out;
}

std::string mandarin_digits(std::string_view digits, bool plain_one) {
  std::string out;
  for (char c : digits) {
    if (c >= '0' && c <= '9') {
      out += (c == '1' && !plain_one) ? "幺" : kDigit[static_cast<std::size_t>(c - '0')];
    } else if (c == '*') {
      out += "星";
    } else if (c == '#') {
      out += "井";
    }
  }
  return out;
}

std::string mandarin_date(int year, unsigned month, unsigned day) {
  return mandarin_digits(std::to_string(year), true) + "年" + mandarin_number(month) + "月" + mandarin_number(day) +
         "日";
}

std::string mandarin_money_fen(std::int64_t fen) {
  std::string out;
  if (fen < 0) {
    out = "负";
    fen = -fen;
  }
  std::int64_t yuan = fen / 100;
  int jiao = static_cast<int>(fen / 10 % 10);
  int cents = static_cast<int>(fen % 10);
  if (yuan == 0 && jiao == 0 && cents == 0) return out + "零元";
  if (yuan > 0) out += mandarin_number(yuan) + "元";
  if (jiao > 0) out += std::string(kDigit[static_cast<std::size_t>(jiao)]) + "角";
  if (cents > 0) {
    if (jiao == 0 && yuan > 0) out += kDigit[0];
    out += std::string(kDigit[static_cast<std::size_t>(cents)]) + "分";
  }
  return out;
}

std::optional<std::string> mandarin_money(std::string_view amount) {
  constexpr std::string_view yuan_sign = "元";
  if (amount.size() >= yuan_sign.size() && amount.substr(amount.size() - yuan_sign.size()) == yuan_sign)
    amount.remove_suffix(yuan_sign.size());
  bool negative = !amount.empty() && amount.front() == '-';
  if (negative) amount.remove_prefix(1);
  auto dot = amount.find('.');
  auto whole = amount.substr(0, dot);
  auto fraction = dot == std::string_view::npos ? std::string_view() : amount.substr(dot + 1);
  if (whole.empty() || whole.size() > 15 || fraction.size() > 2) return std::nullopt;
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
  std::int64_t yuan = 0, part = 0;
  auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), yuan);
  if (ec != std::errc() || end != whole.data() + whole.size() || yuan < 0) return std::nullopt;
  for (std::size_t i = 0; i < 2; ++i) {
    char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    part = part * 10 + (c - '0');
  }
  std::int64_t fen = yuan * 100 + part;
  return mandarin_money_fen(negative ? -fen : fen);
}

}  // namespace hotline::media
