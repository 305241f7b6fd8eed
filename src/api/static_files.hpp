#pragma once
// The web app's files (web/dist): GET/HEAD outside /api, /ws, /healthz and
// /metrics. Paths that name no file fall back to index.html, so client-side
// routes of the single-page app load.
#include <string>

#include "hotline/api/http.hpp"

namespace hotline::api {

// Absolute, without "." or ".." segments, NUL bytes or backslashes.
bool is_safe_path(std::string_view path);
bool is_static_request(const HttpRequest& request);
HttpResponse serve_static(const std::string& root, const HttpRequest& request);

}  // namespace hotline::api
