#pragma once
// The route table: method + path pattern ("/api/v1/users/{id}") + the one
// permission the route needs + its handler.
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hotline/api/http.hpp"
#include "hotline/auth/roles.hpp"

namespace hotline::api {

using Handler = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest&)>;

struct Route {
  std::string method;
  std::string pattern;
  auth::Permission permission;
  Handler handler;
  std::string summary;
  std::size_t max_body_bytes = 0;  // 0: http.max_body_bytes; more for uploads (see limit_body)
};

class Router {
 public:
  void add(std::string method, std::string pattern, auth::Permission permission, std::string summary, Handler handler);

  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    bool other_method = false;  // the path exists with another method: 405
  };
  Match match(std::string_view method, std::string_view path) const;
  // Lets one route take bodies up to `bytes` (the server reads no more); the
  // others keep http.max_body_bytes. Error(not_found) when no such route.
  void limit_body(std::string_view method, std::string_view pattern, std::size_t bytes);
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace hotline::api
