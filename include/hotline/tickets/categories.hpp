#pragma once
// The category tree of requests (D1), loaded from configuration. The default
// tree follows the spirit of GB/T 39666-2020 (政府热线服务分类与代码): top-level
// domains with two-digit codes, sub-categories extending their parent's code
// (0301 供水 under 03 公用事业). The codes are ours, not the standard's.
// The dispatch catalogue (departments.hpp) matches these codes by prefix.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hotline::tickets {

struct Category {
  std::string code;
  std::string name;
  std::optional<std::string> parent;  // code of the parent; absent for a top-level domain
};

class CategoryTree {
 public:
  // Checks the codes (1-32 of [0-9A-Za-z.-], unique), names (non-empty) and
  // that every parent exists; throws Error(invalid_argument, "categories: ...").
  explicit CategoryTree(std::vector<Category> categories);
  static CategoryTree defaults();

  const Category* find(const std::string& code) const;
  // Error(invalid_argument, "category_code: unknown category X") when absent.
  const Category& require(const std::string& code) const;
  // Children of a code (top-level domains for nullopt), in configuration order.
  std::vector<const Category*> children(const std::optional<std::string>& parent) const;
  // "公用事业 / 供水"
  std::string path(const std::string& code) const;
  std::size_t size() const { return all_.size(); }

 private:
  std::vector<Category> all_;
  std::map<std::string, std::size_t> by_code_;
};

}  // namespace hotline::tickets
