#include "hotline/sip/endpoint.hpp"

#include <sodium.h>

#include "hotline/core/clock.hpp"

namespace hotline::sip {
namespace {

std::string new_tag() { return std::to_string(randombytes_random()) + std::to_string(randombytes_random()); }

}  // namespace

Endpoint::Endpoint(Metrics& metrics, Guard& guard, Registrar& registrar)
    : metrics_(metrics),
      guard_(guard),
      registrar_(registrar),
      refused_(metrics.counter("hotline_sip_refused_total", "SIP requests dropped from banned sources.")) {}

void Endpoint::on_request(const Message& request, const Source& source) {
  metrics_.counter("hotline_sip_requests_total", "SIP requests received, by method.", {{"method", request.method}})
      .inc();
  auto now = now_ms();
  if (!guard_.admit(source.address, request, now)) {
    refused_.inc();
    return;  // a banned source learns nothing, not even that we are here
  }
  if (request.method == "ACK") return;  // ACK is never answered
  if (request.method == "REGISTER") {
    registrar_.on_register(request, source, now,
                           [this, request, source](int status, std::string reason,
                                                   std::vector<std::pair<std::string, std::string>> headers) {
                             answer(request, source, status, reason.c_str(), std::move(headers));
                           });
    return;
  }
  if (request.method == "OPTIONS") {
    answer(request, source, 200, "OK",
           {{"Allow", kAllow}, {"Accept", "application/sdp"}, {"Supported", ""}, {"Accept-Language", "zh-CN, en"}});
    return;
  }
  answer(request, source, 501, "Not Implemented", {{"Allow", kAllow}});
}

void Endpoint::on_response(const Message& response, const Source&) {
  metrics_
      .counter("hotline_sip_responses_total", "SIP responses received, by status.",
               {{"status", std::to_string(response.status)}})
      .inc();
}

void Endpoint::answer(const Message& request, const Source& source, int status, const char* reason,
                      std::vector<std::pair<std::string, std::string>> extra) {
  if (!transport_) return;
  ResponseOptions o;
  o.to_tag = new_tag();
  o.received = source.address;
  o.source_port = source.port;
  for (auto& [name, value] : extra) {
    if (!value.empty()) o.extra_headers.emplace_back(std::move(name), std::move(value));
  }
  metrics_
      .counter("hotline_sip_responses_sent_total", "SIP responses sent, by status.",
               {{"status", std::to_string(status)}})
      .inc();
  transport_->send(source, build_response(request, status, reason, o));
}

}  // namespace hotline::sip
