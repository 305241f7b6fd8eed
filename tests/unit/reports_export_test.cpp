// Exports: CSV (BOM, quoting, formula defusing), XLSX written and read back
// (the ZIP opened and inflated here, the sheet XML checked), the print view.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <map>

#include "hotline/reports/exports.hpp"

namespace reports_test {
namespace {

using namespace hotline::reports;

Table sample() {
  Table t;
  t.report = "calls";
  t.title = "话务统计表";
  t.filters = {{"统计时间", "2026-03-01 ~ 2026-03-31"}, {"队列", "human"}};
  t.columns = {{"queue", "队列", ColumnType::text, true},
               {"offered", "进线量", ColumnType::count},
               {"answer_rate", "接通率", ColumnType::percent},
               {"asa", "平均应答速度(秒)", ColumnType::seconds},
               {"talk_time", "通话时长", ColumnType::duration}};
  t.rows = {{RowKind::data, {std::string("人工, \"一线\""), std::int64_t{8}, 4.0 / 7, 22.333, 3725.0}, 0, {"human"}},
            {RowKind::data, {std::string("=HYPERLINK(\"x\")"), std::int64_t{2}, Cell(), 0.0, 0.0}, 0, {"x"}},
            {RowKind::data, {std::string("多行\n备注"), std::int64_t{-3}, 1.0, 1.25, 59.6}, 0, {"y"}},
            {RowKind::total, {std::string("合计"), std::int64_t{7}, 0.5, 10.0, 3785.0}, 0, {}}};
  t.notes = {"短时放弃不计入"};
  t.generated_at = 1772330400000;  // 2026-03-01 10:00 Beijing time
  t.generated_by = "1001 张三 <admin>";
  t.source = "aggregates";
  return t;
}

TEST(ReportsExport, CsvHasABomCrlfAndQuoting) {
  auto csv = to_csv(sample());
  ASSERT_GE(csv.size(), 3u);
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  auto lines = csv.substr(3);
  EXPECT_EQ(lines.substr(0, lines.find("\r\n")), "队列,进线量,接通率,平均应答速度(秒),通话时长");
  // A comma and quotes: quoted, quotes doubled; values formatted for people.
  EXPECT_NE(lines.find("\"人工, \"\"一线\"\"\",8,57.14%,22.3,1:02:05\r\n"), std::string::npos);
  // A formula is shown as text; an empty rate is an empty field.
  EXPECT_NE(lines.find("\"'=HYPERLINK(\"\"x\"\")\",2,,0.0,0:00:00\r\n"), std::string::npos);
  // A line break stays inside its quoted field; a negative number is not defused.
  EXPECT_NE(lines.find("\"多行\n备注\",-3,100.00%,1.2,0:01:00\r\n"), std::string::npos);
  EXPECT_NE(lines.find("合计,7,50.00%,10.0,1:03:05\r\n"), std::string::npos);
  // Every record ends with CRLF.
  EXPECT_EQ(csv.substr(csv.size() - 2), "\r\n");
}

// ---- a small ZIP reader: the central directory, then each member inflated ----

std::uint32_t u32(const std::string& b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}
std::uint16_t u16(const std::string& b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) | static_cast<unsigned char>(b[at + 1]) << 8);
}

std::string inflate_raw(const std::string& data, std::size_t size) {
  std::string out(size, '\0');
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return {};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&z, Z_FINISH);
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

std::map<std::string, std::string> unzip(const std::string& zip) {
  std::map<std::string, std::string> files;
  std::size_t end = zip.rfind(std::string("PK\x05\x06", 4));
  if (end == std::string::npos) return files;
  std::size_t entries = u16(zip, end + 10), at = u32(zip, end + 16);
  for (std::size_t i = 0; i < entries; ++i) {
    if (u32(zip, at) != 0x02014b50) break;
    std::uint16_t method = u16(zip, at + 10);
    std::uint32_t packed = u32(zip, at + 20), size = u32(zip, at + 24);
    std::uint16_t name_len = u16(zip, at + 28), extra = u16(zip, at + 30), comment = u16(zip, at + 32);
    std::uint32_t local = u32(zip, at + 42);
    std::string name = zip.substr(at + 46, name_len);
    std::size_t data = local + 30 + u16(zip, local + 26) + u16(zip, local + 28);
    std::string bytes = zip.substr(data, packed);
    files[name] = method == 0 ? bytes : inflate_raw(bytes, size);
    at += 46 + name_len + extra + comment;
  }
  return files;
}

TEST(ReportsExport, XlsxReadsBack) {
  auto bytes = to_xlsx(sample());
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.substr(0, 2), "PK");
  auto files = unzip(bytes);
  ASSERT_TRUE(files.count("xl/worksheets/sheet1.xml"));
  ASSERT_TRUE(files.count("xl/sharedStrings.xml"));
  ASSERT_TRUE(files.count("xl/workbook.xml"));
  const auto& sheet = files["xl/worksheets/sheet1.xml"];
  const auto& strings = files["xl/sharedStrings.xml"];
  for (const char* s :
       {"话务统计表", "统计时间：2026-03-01 ~ 2026-03-31", "队列", "接通率", "人工, \"一线\"", "=HYPERLINK(\"x\")",
        "合计", "生成时间：2026-03-01 10:00:00    生成人：1001 张三 &lt;admin&gt;"}) {
    EXPECT_NE(strings.find(s), std::string::npos) << s;
  }
  EXPECT_NE(files["xl/workbook.xml"].find("name=\"报表\""), std::string::npos);
  // Numbers are numbers: the count, the rate as a fraction, the duration in days.
  EXPECT_NE(sheet.find("<v>8</v>"), std::string::npos);
  EXPECT_NE(sheet.find("<v>0.5714285714285714"), std::string::npos);
  EXPECT_NE(sheet.find("<v>-3</v>"), std::string::npos);
  EXPECT_NE(sheet.find("<v>0.043113425925925"), std::string::npos);  // 3725 s / 86,400
  // The header is frozen; the page is A4 landscape, fitted to the width.
  EXPECT_NE(sheet.find("state=\"frozen\""), std::string::npos);
  EXPECT_NE(sheet.find("paperSize=\"9\""), std::string::npos);
  EXPECT_NE(sheet.find("orientation=\"landscape\""), std::string::npos);
  EXPECT_NE(sheet.find("fitToPage=\"1\""), std::string::npos);
  // Percent and h:mm:ss formats exist in the styles.
  EXPECT_NE(files["xl/styles.xml"].find("0.00%"), std::string::npos);
  EXPECT_NE(files["xl/styles.xml"].find("[h]:mm:ss"), std::string::npos);
}

TEST(ReportsExport, PrintViewIsA4LandscapeAndEscaped) {
  auto html = to_print_html(sample());
  EXPECT_NE(html.find("@page { size: A4 landscape"), std::string::npos);
  EXPECT_NE(html.find("thead { display: table-header-group; }"), std::string::npos);
  EXPECT_NE(html.find("<h1>话务统计表</h1>"), std::string::npos);
  EXPECT_NE(html.find("<span>统计时间：2026-03-01 ~ 2026-03-31</span>"), std::string::npos);
  EXPECT_NE(html.find("生成时间：2026-03-01 10:00:00"), std::string::npos);
  EXPECT_NE(html.find("生成人：1001 张三 &lt;admin&gt;"), std::string::npos);
  EXPECT_NE(html.find("<td>人工, &quot;一线&quot;</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"total\">"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"n\">57.14%</td>"), std::string::npos);
  EXPECT_EQ(html.find("<admin>"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(ReportsExport, FileStemIsSafe) { EXPECT_EQ(file_stem(sample()), "话务统计表_2026-03-01___2026-03-31"); }

}  // namespace
}  // namespace reports_test
