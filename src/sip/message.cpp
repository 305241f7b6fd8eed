#include "hotline/sip/message.hpp"

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include <cctype>
#include <charconv>
#include <memory>
#include <mutex>

#include "text.hpp"

namespace hotline::sip {
namespace {

using text::iequals;

// libosip2 fills static lookup tables once; after that parsing is reentrant.
void ensure_parser() {
  static std::once_flag once;
  std::call_once(once, [] {
    parser_init();
    // libosip2 would print its own parse errors to stderr; the reasons we
    // return are what gets logged.
    osip_trace_initialize_func(END_TRACE_LEVEL, [](const char*, int, osip_trace_level_t, const char*, va_list) {});
  });
}

struct MessageDeleter {
  void operator()(osip_message_t* m) const { osip_message_free(m); }
};
using OsipMessage = std::unique_ptr<osip_message_t, MessageDeleter>;

// osip allocates strings with its own allocator; this frees them.
struct OsipString {
  char* p = nullptr;
  ~OsipString() { osip_free(p); }
  std::string take() const { return p ? std::string(p) : std::string(); }
};

std::string str(const char* p) { return p ? std::string(p) : std::string(); }

std::optional<std::uint16_t> parse_port(const char* p) {
  if (!p || !*p) return std::uint16_t{0};
  std::string_view s(p);
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

std::optional<int> parse_int(std::string_view s, int max) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0 || v > max) return std::nullopt;
  return v;
}

// libosip2 accepts some URIs that it cannot print back in a parseable form
// (found by fuzzing: "sip:a@b@host"). Only what RFC 3261 §25.1 allows passes.
bool plausible_user(std::string_view user) {
  for (unsigned char c : user) {
    if (c <= 0x20 || c >= 0x7f || c == '@' || c == '<' || c == '>' || c == '"' || c == '\\') return false;
  }
  return true;
}

// A hostname, an IPv4 address, or a bracketed IPv6 reference (osip strips
// the brackets of URI hosts, so a bare IPv6 address is accepted too).
bool plausible_host(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host.size() > 255) return false;
  bool v6 = host.find(':') != std::string_view::npos;
  for (unsigned char c : host) {
    bool ok = v6 ? (std::isxdigit(c) || c == ':' || c == '.')
                 : ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_');
    if (!ok) return false;
  }
  return !v6 || host.find(':') != host.rfind(':');  // an IPv6 address has at least two colons
}

std::optional<Uri> read_uri(osip_uri_t* u) {
  if (!u) return std::nullopt;
  Uri uri;
  uri.scheme = str(u->scheme);
  uri.user = str(u->username);
  uri.host = str(u->host);
  bool sip_uri = uri.scheme == "sip" || uri.scheme == "sips";
  if (!plausible_user(uri.user) || (sip_uri && !plausible_host(uri.host))) return std::nullopt;
  auto port = parse_port(u->port);
  if (!port) return std::nullopt;
  uri.port = *port;
  OsipString text;
  if (osip_uri_to_str(u, &text.p) != 0) return std::nullopt;
  uri.text = text.take();
  return uri;
}

std::optional<NameAddr> read_name_addr(osip_from_t* h) {
  if (!h) return std::nullopt;
  NameAddr na;
  auto uri = read_uri(h->url);
  if (!uri || (uri->scheme != "sip" && uri->scheme != "sips" && uri->scheme != "tel")) return std::nullopt;
  na.uri = std::move(*uri);
  na.display_name = str(h->displayname);
  osip_generic_param_t* tag = nullptr;
  if (osip_generic_param_get_byname(&h->gen_params, const_cast<char*>("tag"), &tag) == 0 && tag) {
    na.tag = str(tag->gvalue);
  }
  OsipString text;
  if (osip_from_to_str(h, &text.p) != 0) return std::nullopt;
  na.text = text.take();
  return na;
}

std::optional<Via> read_via(osip_via_t* v) {
  Via via;
  via.transport = str(v->protocol);
  via.host = str(v->host);
  auto port = parse_port(v->port);
  if (!port || !plausible_host(via.host) || via.transport.empty() || str(v->version) != "2.0") return std::nullopt;
  for (char c : via.transport) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
  }
  via.port = *port;
  osip_generic_param_t* p = nullptr;
  if (osip_via_param_get_byname(v, const_cast<char*>("branch"), &p) == 0 && p) via.branch = str(p->gvalue);
  p = nullptr;
  via.has_rport = osip_via_param_get_byname(v, const_cast<char*>("rport"), &p) == 0 && p;
  OsipString text;
  if (osip_via_to_str(v, &text.p) != 0) return std::nullopt;
  via.text = text.take();
  return via;
}

template <class T, class F>
bool each(osip_list_t* list, F&& f) {
  for (int i = 0; i < osip_list_size(list); ++i) {
    if (!f(static_cast<T*>(osip_list_get(list, i)))) return false;
  }
  return true;
}

ParseError fail(std::string reason, const Message& partial, bool answerable) {
  ParseError e;
  e.reason = std::move(reason);
  e.answerable = answerable;
  if (answerable) e.partial = partial;
  return e;
}

}  // namespace

std::string Message::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return {};
}

ParseResult parse(std::string_view bytes, Framing framing, const Limits& limits) {
  auto check = precheck(bytes, framing, limits);
  Message m;
  m.is_request = check.is_request;
  if (check.verdict == Verdict::drop) return fail(check.reason, m, false);
  ensure_parser();
  osip_message_t* raw = nullptr;
  if (osip_message_init(&raw) != 0) return fail("out of memory", m, false);
  OsipMessage msg(raw);
  std::string_view framed = bytes.substr(0, check.message_length);
  if (check.verdict == Verdict::reject) {
    // Only the routing headers matter for the 400: parse the header section.
    auto end = bytes.find("\r\n\r\n");
    framed = end == std::string_view::npos ? bytes : bytes.substr(0, end + 4);
  }
  // osip wants the body to be exactly Content-Length long: framed does that.
  bool parsed = osip_message_parse(msg.get(), framed.data(), framed.size()) == 0;

  // Read what can be read even from a rejected message, to answer it.
  m.is_request = MSG_IS_REQUEST(msg.get());
  bool routing_ok = parsed;
  if (parsed) {
    routing_ok = each<osip_via_t>(&msg->vias,
                                  [&](osip_via_t* v) {
                                    auto via = read_via(v);
                                    if (via) m.vias.push_back(std::move(*via));
                                    return via.has_value();
                                  }) &&
                 !m.vias.empty();
    auto from = read_name_addr(msg->from);
    auto to = read_name_addr(msg->to);
    routing_ok = routing_ok && from && to && msg->call_id && msg->cseq;
    if (from) m.from = std::move(*from);
    if (to) m.to = std::move(*to);
    if (msg->call_id) {
      OsipString id;
      if (osip_call_id_to_str(msg->call_id, &id.p) == 0) m.call_id = id.take();
    }
    if (msg->cseq) {
      auto n = parse_int(str(msg->cseq->number), 0x7fffffff);
      m.cseq_method = str(msg->cseq->method);
      if (n) m.cseq = static_cast<std::uint32_t>(*n);
      routing_ok = routing_ok && n && !m.cseq_method.empty();
    }
    routing_ok = routing_ok && !m.call_id.empty();
  }
  bool answerable = routing_ok && check.is_request;
  if (check.verdict == Verdict::reject) return fail(check.reason, m, answerable);
  if (!parsed) return fail("unparseable message", m, false);
  if (!routing_ok) return fail("missing or malformed Via, From, To, Call-ID or CSeq", m, false);

  if (m.is_request) {
    m.method = str(msg->sip_method);
    auto uri = read_uri(msg->req_uri);
    if (!uri) return fail("malformed Request-URI", m, answerable);
    m.request_uri = std::move(*uri);
    if (m.request_uri.scheme != "sip" && m.request_uri.scheme != "sips" && m.request_uri.scheme != "tel") {
      return fail("unsupported URI scheme", m, answerable);
    }
    if (m.cseq_method != m.method) return fail("CSeq method does not match the request method", m, answerable);
  } else {
    m.status = msg->status_code;
    m.reason = str(msg->reason_phrase);
    if (m.status < 100 || m.status > 699) return fail("status code out of range", m, false);
  }

  bool contacts_ok = each<osip_contact_t>(&msg->contacts, [&](osip_contact_t* c) {
    OsipString text;
    if (osip_contact_to_str(c, &text.p) != 0) return false;
    NameAddr na;
    na.text = text.take();
    if (na.text == "*") {
      m.contacts.push_back(std::move(na));
      return true;
    }
    auto uri = read_uri(c->url);
    if (!uri) return false;
    na.uri = std::move(*uri);
    na.display_name = str(c->displayname);
    m.contacts.push_back(std::move(na));
    return true;
  });
  if (!contacts_ok) return fail("malformed Contact", m, answerable);
  each<osip_route_t>(&msg->routes, [&](osip_route_t* r) {
    OsipString text;
    if (osip_route_to_str(r, &text.p) == 0) m.routes.push_back(text.take());
    return true;
  });
  each<osip_record_route_t>(&msg->record_routes, [&](osip_record_route_t* r) {
    OsipString text;
    if (osip_record_route_to_str(r, &text.p) == 0) m.record_routes.push_back(text.take());
    return true;
  });
  if (msg->content_type) {
    OsipString text;
    if (osip_content_type_to_str(msg->content_type, &text.p) == 0) m.content_type = text.take();
  }
  auto copy_raw = [&](osip_list_t* list, const char* name, auto to_str) {
    each<void>(list, [&](void* h) {
      OsipString text;
      if (to_str(h, &text.p) == 0) m.headers.emplace_back(name, text.take());
      return true;
    });
  };
  copy_raw(&msg->authorizations, "Authorization",
           [](void* h, char** d) { return osip_authorization_to_str(static_cast<osip_authorization_t*>(h), d); });
  copy_raw(&msg->proxy_authorizations, "Proxy-Authorization",
           [](void* h, char** d) { return osip_authorization_to_str(static_cast<osip_authorization_t*>(h), d); });
  copy_raw(&msg->www_authenticates, "WWW-Authenticate",
           [](void* h, char** d) { return osip_www_authenticate_to_str(static_cast<osip_www_authenticate_t*>(h), d); });
  copy_raw(&msg->proxy_authenticates, "Proxy-Authenticate",
           [](void* h, char** d) { return osip_www_authenticate_to_str(static_cast<osip_www_authenticate_t*>(h), d); });
  copy_raw(&msg->allows, "Allow",
           [](void* h, char** d) { return osip_content_length_to_str(static_cast<osip_content_length_t*>(h), d); });
  each<osip_header_t>(&msg->headers, [&](osip_header_t* h) {
    m.headers.emplace_back(str(h->hname), str(h->hvalue));
    return true;
  });
  if (auto mf = m.header("Max-Forwards"); !mf.empty()) {
    m.max_forwards = parse_int(mf, 255);
    if (!m.max_forwards) return fail("Max-Forwards is not a number from 0 to 255", m, answerable);
  }
  if (auto ex = m.header("Expires"); !ex.empty()) {
    m.expires = parse_int(ex, 0x7fffffff);
    if (!m.expires) return fail("Expires is not a number", m, answerable);
  }
  m.body = std::string(framed.substr(framed.size() - check.body_length));
  return m;
}

namespace {

void add_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// The top Via of a response carries where the request really came from
// (RFC 3261 §18.2.1 received, RFC 3581 rport), so the answer finds its way
// back through NATs.
std::string top_via(const Via& via, const ResponseOptions& o) {
  std::string text = via.text;
  if (!o.received.empty() && o.received != via.host && text.find(";received=") == std::string::npos) {
    text += ";received=" + o.received;
  }
  if (via.has_rport && o.source_port) {
    auto pos = text.find(";rport");
    if (pos != std::string::npos) {
      auto end = pos + 6;
      if (end < text.size() && text[end] == '=') {
        while (end < text.size() && text[end] != ';') ++end;
      }
      text.replace(pos, end - pos, ";rport=" + std::to_string(o.source_port));
    }
  }
  return text;
}

}  // namespace

std::string build_response(const Message& request, int status, std::string_view reason, const ResponseOptions& o) {
  std::string out = "SIP/2.0 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  for (std::size_t i = 0; i < request.vias.size(); ++i) {
    add_header(out, "Via", i == 0 ? top_via(request.vias[i], o) : request.vias[i].text);
  }
  add_header(out, "From", request.from.text);
  std::string to = request.to.text;
  if (request.to.tag.empty() && !o.to_tag.empty() && status > 100) to += ";tag=" + o.to_tag;
  add_header(out, "To", to);
  add_header(out, "Call-ID", request.call_id);
  add_header(out, "CSeq", std::to_string(request.cseq) + " " + request.cseq_method);
  add_header(out, "Server", "hotlined");
  for (const auto& [name, value] : o.extra_headers) add_header(out, name, value);
  if (!o.content_type.empty()) add_header(out, "Content-Type", o.content_type);
  add_header(out, "Content-Length", std::to_string(o.body.size()));
  out += "\r\n";
  out += o.body;
  return out;
}

std::string serialize(const Message& m) {
  std::string out = m.is_request ? m.method + " " + m.request_uri.text + " SIP/2.0\r\n"
                                 : "SIP/2.0 " + std::to_string(m.status) + " " + m.reason + "\r\n";
  for (const auto& v : m.vias) add_header(out, "Via", v.text);
  for (const auto& r : m.routes) add_header(out, "Route", r);
  for (const auto& r : m.record_routes) add_header(out, "Record-Route", r);
  add_header(out, "From", m.from.text);
  add_header(out, "To", m.to.text);
  add_header(out, "Call-ID", m.call_id);
  add_header(out, "CSeq", std::to_string(m.cseq) + " " + m.cseq_method);
  for (const auto& c : m.contacts) add_header(out, "Contact", c.text);
  for (const auto& [name, value] : m.headers) add_header(out, name, value);
  if (!m.content_type.empty()) add_header(out, "Content-Type", m.content_type);
  add_header(out, "Content-Length", std::to_string(m.body.size()));
  out += "\r\n";
  out += m.body;
  return out;
}

}  // namespace hotline::sip
