#include "hotline/tickets/categories.hpp"

#include "hotline/core/error.hpp"

namespace hotline::tickets {
namespace {

bool valid_code(const std::string& code) {
  if (code.empty() || code.size() > 32) return false;
  for (char c : code) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

[[noreturn]] void bad(const std::string& why) { throw Error(Errc::invalid_argument, "categories: " + why); }

}  // namespace

CategoryTree::CategoryTree(std::vector<Category> categories) : all_(std::move(categories)) {
  for (std::size_t i = 0; i < all_.size(); ++i) {
    const auto& c = all_[i];
    if (!valid_code(c.code)) bad("'" + c.code + "' is not a valid code (1-32 letters, digits, '.', '-')");
    if (c.name.empty()) bad(c.code + " has no name");
    if (!by_code_.emplace(c.code, i).second) bad(c.code + " appears twice");
  }
  // Parents must exist; since a parent must come first, there are no cycles.
  for (std::size_t i = 0; i < all_.size(); ++i) {
    const auto& c = all_[i];
    if (!c.parent) continue;
    auto it = by_code_.find(*c.parent);
    if (it == by_code_.end() || it->second >= i) bad(c.code + ": parent " + *c.parent + " must be listed before it");
  }
}

CategoryTree CategoryTree::defaults() {
  std::vector<Category> c;
  auto domain = [&](const char* code, const char* name,
                    std::initializer_list<std::pair<const char*, const char*>> subs) {
    c.push_back({code, name, std::nullopt});
    for (const auto& [sub, sub_name] : subs) c.push_back({sub, sub_name, code});
  };
  domain("01", "城乡建设", {{"0101", "市政道路"}, {"0102", "园林绿化"}, {"0103", "违法建设"}, {"0104", "物业管理"}});
  domain("02", "交通运输", {{"0201", "公交地铁"}, {"0202", "出租车网约车"}, {"0203", "道路交通"}});
  domain("03", "公用事业", {{"0301", "供水"}, {"0302", "供电"}, {"0303", "燃气"}, {"0304", "供暖"}});
  domain("04", "市场监管", {{"0401", "食品安全"}, {"0402", "消费维权"}, {"0403", "价格"}});
  domain("05", "劳动和社会保障", {{"0501", "社会保险"}, {"0502", "劳动关系与欠薪"}, {"0503", "就业创业"}});
  domain("06", "教育", {{"0601", "学前教育"}, {"0602", "义务教育"}, {"0603", "校外培训"}});
  domain("07", "医疗卫生", {{"0701", "医疗服务"}, {"0702", "医疗保障"}, {"0703", "公共卫生"}});
  domain("08", "住房", {{"0801", "住房公积金"}, {"0802", "保障性住房"}, {"0803", "房屋交易"}});
  domain("09", "公共服务", {{"0901", "户籍证照"}, {"0902", "政务服务"}, {"0903", "邮政通信"}});
  domain("10", "社会秩序", {{"1001", "社会治安"}, {"1002", "噪声扰民"}, {"1003", "消防安全"}});
  domain("11", "生态环境", {{"1101", "大气污染"}, {"1102", "水污染"}, {"1103", "垃圾分类"}});
  domain("99", "其他", {});
  return CategoryTree(std::move(c));
}

const Category* CategoryTree::find(const std::string& code) const {
  auto it = by_code_.find(code);
  return it == by_code_.end() ? nullptr : &all_[it->second];
}

const Category& CategoryTree::require(const std::string& code) const {
  if (const auto* c = find(code)) return *c;
  throw Error(Errc::invalid_argument, "category_code: unknown category " + code);
}

std::vector<const Category*> CategoryTree::children(const std::optional<std::string>& parent) const {
  std::vector<const Category*> out;
  for (const auto& c : all_) {
    if (c.parent == parent) out.push_back(&c);
  }
  return out;
}

std::string CategoryTree::path(const std::string& code) const {
  const Category* c = &require(code);
  std::string out = c->name;
  while (c->parent) {
    c = find(*c->parent);
    out = c->name + " / " + out;
  }
  return out;
}

}  // namespace hotline::tickets
