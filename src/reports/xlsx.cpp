#include <xlsxwriter.h>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "hotline/core/error.hpp"
#include "hotline/reports/exports.hpp"
#include "hotline/reports/time.hpp"

namespace hotline::reports {
namespace {

// A temporary file for libxlsxwriter to write (it cannot write to memory in
// Debian 12's 1.1.4), removed when done.
class TempFile {
 public:
  TempFile() {
    char pattern[] = "/tmp/hotline-report-XXXXXX.xlsx";
    int fd = ::mkstemps(pattern, 5);
    if (fd < 0) throw Error(Errc::internal, "xlsx: cannot create a temporary file");
    ::close(fd);
    path_ = pattern;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Formats {
  explicit Formats(lxw_workbook* wb) {
    title = workbook_add_format(wb);
    format_set_bold(title);
    format_set_font_size(title, 14);
    format_set_align(title, LXW_ALIGN_CENTER);
    meta = workbook_add_format(wb);
    format_set_font_color(meta, 0x444444);
    header = workbook_add_format(wb);
    format_set_bold(header);
    format_set_border(header, LXW_BORDER_THIN);
    format_set_bg_color(header, 0xDDEBF7);
    format_set_text_wrap(header);
    format_set_align(header, LXW_ALIGN_CENTER);
    format_set_align(header, LXW_ALIGN_VERTICAL_CENTER);
    for (int bold = 0; bold < 2; ++bold) {
      for (int kind = 0; kind < 5; ++kind) {
        lxw_format* f = workbook_add_format(wb);
        format_set_border(f, LXW_BORDER_THIN);
        if (bold) {
          format_set_bold(f);
          format_set_bg_color(f, 0xF2F2F2);
        }
        static const char* kNumbers[] = {"@", "0", "0.0", "[h]:mm:ss", "0.00%"};
        format_set_num_format(f, kNumbers[kind]);
        cells[bold][kind] = f;
      }
    }
  }
  lxw_format* for_cell(ColumnType type, bool bold) const {
    int kind = 0;
    switch (type) {
      case ColumnType::text:
        kind = 0;
        break;
      case ColumnType::count:
        kind = 1;
        break;
      case ColumnType::seconds:
      case ColumnType::number:
        kind = 2;
        break;
      case ColumnType::duration:
        kind = 3;
        break;
      case ColumnType::percent:
        kind = 4;
        break;
    }
    return cells[bold ? 1 : 0][kind];
  }
  lxw_format *title, *meta, *header;
  lxw_format* cells[2][5];
};

void check(lxw_error e, const char* what) {
  if (e != LXW_NO_ERROR) throw Error(Errc::internal, std::string("xlsx: ") + what + ": " + lxw_strerror(e));
}

}  // namespace

std::string to_xlsx(const Table& t) {
  TempFile file;
  lxw_workbook* wb = workbook_new(file.path().c_str());
  if (!wb) throw Error(Errc::internal, "xlsx: cannot start a workbook");
  try {
    // libxlsxwriter's properties are char*, though it only reads them.
    std::string title = t.title, author = t.generated_by, company = "12345";
    lxw_doc_properties props{};
    props.title = title.data();
    props.author = author.data();
    props.company = company.data();
    check(workbook_set_properties(wb, &props), "properties");
    lxw_worksheet* ws = workbook_add_worksheet(wb, "报表");
    Formats f(wb);
    const auto cols = static_cast<lxw_col_t>(std::max<std::size_t>(t.columns.size(), 1));
    lxw_row_t row = 0;
    if (cols > 1) {
      check(worksheet_merge_range(ws, row, 0, row, cols - 1, t.title.c_str(), f.title), "title");
    } else {
      check(worksheet_write_string(ws, row, 0, t.title.c_str(), f.title), "title");
    }
    ++row;
    for (const auto& [name, value] : t.filters) {
      check(worksheet_write_string(ws, row++, 0, (name + "：" + value).c_str(), f.meta), "filter");
    }
    std::string generated = "生成时间：" + format_local(t.generated_at) + "    生成人：" + t.generated_by;
    check(worksheet_write_string(ws, row++, 0, generated.c_str(), f.meta), "generated");
    ++row;
    const lxw_row_t header = row;
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      check(worksheet_write_string(ws, row, static_cast<lxw_col_t>(c), t.columns[c].label.c_str(), f.header), "header");
      double width = std::max<double>(10, static_cast<double>(t.columns[c].label.size()) * 0.7 + 2);
      if (t.columns[c].type == ColumnType::text) width = std::max(width, 16.0);
      check(worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), width, nullptr), "width");
    }
    ++row;
    for (const auto& r : t.rows) {
      const bool bold = r.kind != RowKind::data;
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        const Cell& v = c < r.cells.size() ? r.cells[c] : Cell();
        const ColumnType type = t.columns[c].type;
        lxw_format* fmt = f.for_cell(type, bold);
        auto col = static_cast<lxw_col_t>(c);
        if (std::holds_alternative<std::string>(v)) {
          check(worksheet_write_string(ws, row, col, std::get<std::string>(v).c_str(), fmt), "cell");
        } else if (std::holds_alternative<std::int64_t>(v) || std::holds_alternative<double>(v)) {
          double x =
              std::holds_alternative<double>(v) ? std::get<double>(v) : static_cast<double>(std::get<std::int64_t>(v));
          if (type == ColumnType::duration) x /= 86400.0;  // Excel times are days
          check(worksheet_write_number(ws, row, col, x, fmt), "cell");
        } else {
          check(worksheet_write_blank(ws, row, col, fmt), "cell");
        }
      }
      ++row;
    }
    for (const auto& note : t.notes) check(worksheet_write_string(ws, ++row, 0, note.c_str(), f.meta), "note");
    worksheet_freeze_panes(ws, header + 1, 0);
    check(worksheet_repeat_rows(ws, header, header), "repeat");
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9);  // A4
    worksheet_fit_to_pages(ws, 1, 0);
  } catch (...) {
    workbook_close(wb);
    throw;
  }
  check(workbook_close(wb), "write");
  std::ifstream in(file.path(), std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace hotline::reports
