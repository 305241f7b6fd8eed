#pragma once
// Renderings of a report table for people and spreadsheets:
//   CSV   UTF-8 with a byte-order mark (so Excel reads the Chinese right),
//         CRLF lines, RFC 4180 quoting; text cells that would start a
//         formula (= + - @) are prefixed with ' so a spreadsheet shows them
//         as text (CSV injection).
//   XLSX  one sheet through libxlsxwriter: title, filters, generation line,
//         the table with number formats (%, h:mm:ss), bold subtotals and
//         total, frozen header, A4 landscape fitted to the page width.
//   HTML  a print view: A4 landscape (@page), title, filters, the table with
//         its header repeated on every page, notes, generation time and user.
#include <string>

#include "hotline/reports/table.hpp"

namespace hotline::reports {

std::string to_csv(const Table& table);
// The .xlsx file's bytes. Error(internal) when libxlsxwriter fails.
std::string to_xlsx(const Table& table);
std::string to_print_html(const Table& table);

// "话务统计表_2026-03-01_2026-03-31": a file name without extension, from the
// title and the first filter value (safe characters only).
std::string file_stem(const Table& table);

}  // namespace hotline::reports
