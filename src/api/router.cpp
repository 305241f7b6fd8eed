#include "hotline/api/router.hpp"

#include "hotline/core/error.hpp"

namespace hotline::api {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  return out;
}

bool match_pattern(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
  auto want = segments(pattern);
  auto have = segments(path);
  if (want.size() != have.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      found[std::string(want[i].substr(1, want[i].size() - 2))] = std::string(have[i]);
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

void Router::add(std::string method, std::string pattern, auth::Permission permission, std::string summary,
                 Handler handler) {
  routes_.push_back({std::move(method), std::move(pattern), permission, std::move(handler), std::move(summary), 0});
}

void Router::limit_body(std::string_view method, std::string_view pattern, std::size_t bytes) {
  for (auto& r : routes_) {
    if (r.method == method && r.pattern == pattern) {
      r.max_body_bytes = bytes;
      return;
    }
  }
  throw Error(Errc::not_found, "no route " + std::string(method) + " " + std::string(pattern));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match_pattern(r.pattern, path, params)) continue;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      m.route = &r;
      m.params = std::move(params);
      m.other_method = false;
      return m;
    }
    m.other_method = true;
  }
  return m;
}

}  // namespace hotline::api
