#pragma once
// Numbers, digit strings, dates and sums of money as Mandarin text, the way
// a hotline reads them to a caller, for the TTS (voice cmn) or to pick
// recorded fragments. Pure functions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hotline::media {

// 1205 -> 一千二百零五, 10050 -> 一万零五十, 15 -> 十五, -3 -> 负三.
std::string mandarin_number(std::int64_t n);

// Digit by digit, as numbers are read on the phone: 1 is 幺 (yāo), 0 零;
// '*' 星, '#' 井; anything else is skipped. 2026112800123 ->
// 二零二六幺幺二八零零幺二三. plain_one: 一 instead of 幺.
std::string mandarin_digits(std::string_view digits, bool plain_one = false);

// 2026, 11, 28 -> 二零二六年十一月二十八日 (the year digit by digit).
std::string mandarin_date(int year, unsigned month, unsigned day);

// An amount in fen (分, 1/100 yuan): 1250 -> 十二元五角, 1205 -> 十二元零五分,
// 50 -> 五角, 0 -> 零元.
std::string mandarin_money_fen(std::int64_t fen);
// "12.50", "12.5", "12", "0.05" (optional "元" suffix): nullopt when malformed
// or with more than two decimals.
std::optional<std::string> mandarin_money(std::string_view amount);

}  // namespace hotline::media
