#pragma once
// Helpers for reading JSON request bodies with errors that name the field.
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "hotline/api/http.hpp"
#include "hotline/core/error.hpp"

namespace hotline::api {

using nlohmann::json;

inline json parse_json_body(const HttpRequest& request) {
  if (request.body.empty()) throw Error(Errc::invalid_argument, "the request needs a JSON body");
  if (!request.content_type.empty() && request.content_type.find("json") == std::string::npos) {
    throw Error(Errc::invalid_argument, "Content-Type must be application/json");
  }
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) throw Error(Errc::invalid_argument, "the body is not valid JSON");
  if (!body.is_object()) throw Error(Errc::invalid_argument, "the body must be a JSON object");
  return body;
}

inline std::optional<std::string> optional_string(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw Error(Errc::invalid_argument, std::string(key) + ": must be a string");
  return it->get<std::string>();
}

inline std::string required_string(const json& body, const char* key) {
  auto v = optional_string(body, key);
  if (!v) throw Error(Errc::invalid_argument, std::string(key) + ": required");
  return *v;
}

inline std::optional<bool> optional_bool(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) throw Error(Errc::invalid_argument, std::string(key) + ": must be true or false");
  return it->get<bool>();
}

inline std::optional<std::int64_t> optional_int(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) throw Error(Errc::invalid_argument, std::string(key) + ": must be an integer");
  return it->get<std::int64_t>();
}

inline std::int64_t id_param(const HttpRequest& request, const char* name = "id") {
  auto it = request.params.find(name);
  std::int64_t value = 0;
  if (it == request.params.end() || it->second.empty() || it->second.size() > 18 ||
      it->second.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(Errc::invalid_argument, std::string(name) + ": must be a positive integer");
  }
  value = std::stoll(it->second);
  return value;
}

inline std::optional<std::int64_t> int_query(const HttpRequest& request, const char* name) {
  auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) return std::nullopt;
  std::int64_t value = 0;
  const auto& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw Error(Errc::invalid_argument, std::string(name) + ": must be an integer");
  }
  return value;
}

inline std::optional<std::string> string_query(const HttpRequest& request, const char* name) {
  auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace hotline::api
