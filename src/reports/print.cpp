#include "hotline/reports/exports.hpp"
#include "hotline/reports/time.hpp"

namespace hotline::reports {
namespace {

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

constexpr const char* kStyle = R"(
@page { size: A4 landscape; margin: 12mm 10mm; }
* { box-sizing: border-box; }
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 9pt;
       color: #000; margin: 0; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 4mm; }
.filters { display: flex; flex-wrap: wrap; gap: 1mm 6mm; margin-bottom: 3mm; }
table { border-collapse: collapse; width: 100%; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
th, td { border: 0.5pt solid #555; padding: 1mm 1.5mm; }
th { background: #dfe9f5; font-weight: bold; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.subtotal td { font-weight: bold; background: #f3f3f3; }
tr.total td { font-weight: bold; background: #e6e6e6; }
.notes { margin-top: 3mm; color: #333; }
footer { margin-top: 3mm; display: flex; justify-content: space-between; color: #333; }
@media screen { body { margin: 12mm auto; max-width: 277mm; } }
)";

}  // namespace

std::string to_print_html(const Table& t) {
  std::string out = "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                    escape(t.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<h1>" +
                    escape(t.title) + "</h1>\n<div class=\"filters\">";
  for (const auto& [name, value] : t.filters) {
    out += "<span>" + escape(name) + "：" + escape(value) + "</span>";
  }
  out += "</div>\n<table>\n<thead><tr>";
  for (const auto& c : t.columns) out += "<th>" + escape(c.label) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& r : t.rows) {
    out += "<tr class=\"" + std::string(to_string(r.kind)) + "\">";
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      const Cell& c = i < r.cells.size() ? r.cells[i] : Cell();
      bool number = t.columns[i].type != ColumnType::text;
      out += std::string(number ? "<td class=\"n\">" : "<td>") + escape(display(c, t.columns[i].type)) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  if (!t.notes.empty()) {
    out += "<div class=\"notes\">";
    for (const auto& n : t.notes) out += "<div>注：" + escape(n) + "</div>";
    out += "</div>\n";
  }
  out += "<footer><span>生成时间：" + escape(format_local(t.generated_at)) + "（北京时间）</span><span>生成人：" +
         escape(t.generated_by) + "</span><span>数据来源：" +
         escape(t.source == "raw"    ? "原始日志"
                : t.source == "live" ? "实时数据"
                                     : "汇总表") +
         "</span></footer>\n";
  return out + "</body>\n</html>\n";
}

}  // namespace hotline::reports
