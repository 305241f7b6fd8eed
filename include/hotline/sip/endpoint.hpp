#pragma once
// What hotlined answers at the SIP layer by itself, before the call model
// (src/pbx, the switching-core issue) takes over INVITE and the dialog
// methods: OPTIONS (200, for trunks' and phones' keep-alive pings),
// REGISTER (the registrar), and an honest 501 Not Implemented for every
// method it cannot serve yet. Every request first passes the Guard (bans).
// ACKs and responses have no transaction to match yet and are absorbed.
#include "hotline/core/metrics.hpp"
#include "hotline/sip/registrar.hpp"
#include "hotline/sip/transport.hpp"

namespace hotline::sip {

class Endpoint final : public Listener {
 public:
  Endpoint(Metrics& metrics, Guard& guard, Registrar& registrar);
  // Set before the transport starts; the endpoint answers through it.
  void attach(Transport& transport) { transport_ = &transport; }

  void on_request(const Message& request, const Source& source) override;
  void on_response(const Message& response, const Source& source) override;

  static constexpr const char* kAllow = "OPTIONS, REGISTER";

 private:
  void answer(const Message& request, const Source& source, int status, const char* reason,
              std::vector<std::pair<std::string, std::string>> extra = {});

  Transport* transport_ = nullptr;
  Metrics& metrics_;
  Guard& guard_;
  Registrar& registrar_;
  Counter& refused_;
};

}  // namespace hotline::sip
