#pragma once
// Plain request/response values: routes never see Beast, so they compile fast
// and can be tested without sockets.
#include <cstdint>
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
  std::string range;  // the Range header, as sent (recordings' audio)
  std::optional<auth::Principal> principal;  // set once authenticated
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string file_path;  // when set, the body is this file's contents (static files)
  // With file_path: only these bytes of the file, read and sent in chunks
  // (audio streaming, 206 answers). file_length < 0: the whole file.
  std::uint64_t file_offset = 0;
  std::int64_t file_length = -1;

  static HttpResponse json(int status, const nlohmann::json& value);
  static HttpResponse error(int status, std::string_view code, std::string_view message);
};

// "a=1&b=%E4%B8%AD" -> {{"a","1"},{"b","中"}}; percent-decoding with '+' as space.
std::map<std::string, std::string> parse_query(std::string_view query);
std::optional<std::string> percent_decode(std::string_view text);
// A Range header against a resource of `size` bytes (RFC 9110 14.2): one
// range "bytes=FIRST-LAST", "bytes=FIRST-" or "bytes=-SUFFIX". Anything else
// (several ranges, another unit, a malformed value) is ignored: the whole
// resource is sent, as the RFC allows.
struct ByteRange {
  enum Kind { none, satisfiable, unsatisfiable } kind = none;
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};
ByteRange parse_range(std::string_view header, std::uint64_t size);

// The value of one cookie in a Cookie header.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

}  // namespace hotline::api
