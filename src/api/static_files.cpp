#include "static_files.hpp"

#include <filesystem>
#include <map>

namespace hotline::api {
namespace {

std::string content_type_for(const std::filesystem::path& path) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".wav", "audio/wav"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
  };
  auto it = types.find(path.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

}  // namespace

bool is_safe_path(std::string_view path) {
  // No escaping the root: the path is absolute, and no segment is "." or "..",
  // whatever the percent-encoding was (the path arrives decoded).
  if (path.empty() || path.front() != '/') return false;
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) return false;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto segment = path.substr(start, end - start);
    if (segment == ".." || segment == ".") return false;
    start = end + 1;
  }
  return true;
}

bool is_static_request(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  const std::string& p = request.path;
  return p.rfind("/api/", 0) != 0 && p != "/api" && p != "/ws" && p != "/healthz" && p != "/metrics" &&
         p.rfind("/open311/", 0) != 0;
}

HttpResponse serve_static(const std::string& root, const HttpRequest& request) {
  namespace fs = std::filesystem;
  std::string relative = request.path;
  if (!is_safe_path(relative)) return HttpResponse::error(400, "bad_request", "bad path");
  while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
  fs::path base(root);
  std::error_code ec;
  fs::path file = base / relative;
  if (relative.empty() || fs::is_directory(file, ec)) file /= "index.html";
  if (!fs::is_regular_file(file, ec)) {
    // A client-side route (no extension): the app's index.html.
    if (fs::path(relative).extension().empty() && fs::is_regular_file(base / "index.html", ec)) {
      file = base / "index.html";
    } else {
      return HttpResponse::error(404, "not_found", "no such file: /" + relative);
    }
  }
  HttpResponse r;
  r.file_path = file.string();
  r.content_type = content_type_for(file);
  // Vite puts a content hash in asset names: those may be cached for ever.
  if (relative.rfind("assets/", 0) == 0) r.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  return r;
}

}  // namespace hotline::api
