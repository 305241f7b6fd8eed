#include "hotline/sip/endpoint.hpp"

#include "hotline/core/clock.hpp"

namespace hotline::sip {
namespace {

bool call_method(const std::string& method) {
  return method == "INVITE" || method == "BYE" || method == "INFO" || method == "REFER" || method == "NOTIFY";
}

}  // namespace

Endpoint::Endpoint(Metrics& metrics, Guard& guard, Registrar& registrar)
    : metrics_(metrics),
      guard_(guard),
      registrar_(registrar),
      refused_(metrics.counter("hotline_sip_refused_total", "SIP requests dropped from banned sources.")) {}

bool Endpoint::admit(const Message& request, const Source& source) {
  metrics_.counter("hotline_sip_requests_total", "SIP requests received, by method.", {{"method", request.method}})
      .inc();
  if (guard_.admit(source.address, request, now_ms())) return true;
  refused_.inc();
  return false;  // a banned source learns nothing, not even that we are here
}

void Endpoint::on_request(TransactionId id, const Message& request, const Source& source) {
  auto reply = [this, id](int status, std::string reason, std::vector<std::pair<std::string, std::string>> extra) {
    ResponseOptions o;
    for (auto& [name, value] : extra) {
      if (!value.empty()) o.extra_headers.emplace_back(std::move(name), std::move(value));
    }
    layer_->respond(id, status, reason, std::move(o));
  };
  if (request.method == "REGISTER") return registrar_.on_register(request, source, now_ms(), reply);
  bool in_dialog = !request.to.tag.empty();
  if (request.method == "OPTIONS" && !in_dialog) {
    return reply(
        200, "OK",
        {{"Allow", kAllow}, {"Accept", "application/sdp"}, {"Supported", ""}, {"Accept-Language", "zh-CN, en"}});
  }
  if (calls_ && (call_method(request.method) || in_dialog)) return calls_->on_request(id, request, source);
  reply(501, "Not Implemented", {{"Allow", kAllow}});
}

void Endpoint::on_ack(const Message& ack, const Source& source) {
  if (calls_) calls_->on_ack(ack, source);
}

void Endpoint::on_cancel(TransactionId invite, const Message& cancel) {
  if (calls_) calls_->on_cancel(invite, cancel);
}

void Endpoint::on_response(TransactionId id, const Message& response) {
  metrics_
      .counter("hotline_sip_responses_total", "SIP responses received, by status.",
               {{"status", std::to_string(response.status)}})
      .inc();
  if (calls_) calls_->on_response(id, response);
}

void Endpoint::on_timeout(TransactionId id) {
  if (calls_) calls_->on_timeout(id);
}

void Endpoint::on_ack_timeout(TransactionId id) {
  if (calls_) calls_->on_ack_timeout(id);
}

}  // namespace hotline::sip
