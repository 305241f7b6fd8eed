#pragma once
// A parsed SIP message as plain values. libosip2 does the parsing inside
// src/sip/message.cpp; nothing of it is visible here, and the message is
// serialised by our own code (serialize(), build_response()).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "hotline/sip/precheck.hpp"

namespace hotline::sip {

struct Uri {
  std::string scheme;  // sip, sips, tel
  std::string user;
  std::string host;
  std::uint16_t port = 0;  // 0: not given
  std::string text;        // as serialised
};

struct NameAddr {
  std::string text;  // the whole header value, serialised
  Uri uri;
  std::string display_name;
  std::string tag;
};

struct Via {
  std::string text;       // serialised header value
  std::string transport;  // UDP, TCP, TLS, WS, WSS
  std::string host;
  std::uint16_t port = 0;
  std::string branch;
  bool has_rport = false;
};

struct Message {
  bool is_request = false;
  std::string method;  // requests
  Uri request_uri;     // requests
  int status = 0;      // responses
  std::string reason;  // responses
  std::vector<Via> vias;
  NameAddr from;
  NameAddr to;
  std::string call_id;
  std::uint32_t cseq = 0;
  std::string cseq_method;
  std::vector<NameAddr> contacts;
  std::vector<std::string> routes;
  std::vector<std::string> record_routes;
  std::optional<int> max_forwards;
  std::optional<int> expires;
  std::string content_type;
  std::string body;
  // Everything else, in order: (name as received, value).
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header of that name (case-insensitive), or empty.
  std::string header(std::string_view name) const;
};

struct ParseError {
  std::string reason;
  bool answerable = false;         // a request whose Via/From/To/Call-ID/CSeq were readable: a 400 can go back
  std::optional<Message> partial;  // what was readable, for building that 400
};

using ParseResult = std::variant<Message, ParseError>;

// Pre-checks, parses and validates one message (RFC 3261 §8.1.1 mandatory
// headers, CSeq method matching the request method, URI schemes).
ParseResult parse(std::string_view bytes, Framing framing, const Limits& limits = {});

struct ResponseOptions {
  std::string to_tag;             // added to To when it has none (and status > 100)
  std::string received;           // source address, for RFC 3581 received/rport
  std::uint16_t source_port = 0;  // for rport
  std::vector<std::pair<std::string, std::string>> extra_headers;
  std::string content_type;
  std::string body;
};

// A response to `request` (§8.2.6): its Vias (the top one with received and
// rport filled in), From, To (+tag), Call-ID and CSeq, then the extras.
std::string build_response(const Message& request, int status, std::string_view reason,
                           const ResponseOptions& options = {});

// The message as bytes, Content-Length computed from the body.
std::string serialize(const Message& message);

}  // namespace hotline::sip
