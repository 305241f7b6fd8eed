#pragma once
// Plain request/response values: routes never see Beast, so they compile fast
// and can be tested without sockets.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hotline/auth/sessions.hpp"

namespace hotline::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw, with the query string
  std::string path;    // decoded, without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // from the route pattern, e.g. {id}
  std::string body;
  std::string content_type;
  std::string authorization;
  std::string cookie;
  std::string remote_ip;
  std::string user_agent;
  std::optional<auth::Principal> principal;  // set once authenticated
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string file_path;  // when set, the body is this file's contents (static files)

  static HttpResponse json(int status, const nlohmann::json& value);
  static HttpResponse error(int status, std::string_view code, std::string_view message);
};

// "a=1&b=%E4%B8%AD" -> {{"a","1"},{"b","中"}}; percent-decoding with '+' as space.
std::map<std::string, std::string> parse_query(std::string_view query);
std::optional<std::string> percent_decode(std::string_view text);
// The value of one cookie in a Cookie header.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

}  // namespace hotline::api
