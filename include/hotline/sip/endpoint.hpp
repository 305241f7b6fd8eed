#pragma once
// The transaction user at the top of the SIP stack: admits or refuses every
// new request (the Guard's bans), answers what hotlined serves by itself
// (OPTIONS outside a dialog, REGISTER through the registrar) and hands the
// call methods (INVITE, ACK, BYE, CANCEL, INFO, REFER, in-dialog OPTIONS
// and NOTIFY) and every response to the call handler, the PBX core.
#include "hotline/core/metrics.hpp"
#include "hotline/sip/registrar.hpp"
#include "hotline/sip/transaction.hpp"

namespace hotline::sip {

class Endpoint final : public TransactionUser {
 public:
  Endpoint(Metrics& metrics, Guard& guard, Registrar& registrar);
  // Set before the transport starts.
  void attach(TransactionLayer& layer) { layer_ = &layer; }
  void set_call_handler(TransactionUser& calls) { calls_ = &calls; }

  // Before any state is made for a request: false drops it unanswered.
  bool admit(const Message& request, const Source& source);

  void on_request(TransactionId id, const Message& request, const Source& source) override;
  void on_ack(const Message& ack, const Source& source) override;
  void on_cancel(TransactionId invite, const Message& cancel) override;
  void on_response(TransactionId id, const Message& response) override;
  void on_timeout(TransactionId id) override;
  void on_ack_timeout(TransactionId id) override;

  static constexpr const char* kAllow = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, REFER, NOTIFY";

 private:
  TransactionLayer* layer_ = nullptr;
  TransactionUser* calls_ = nullptr;
  Metrics& metrics_;
  Guard& guard_;
  Registrar& registrar_;
  Counter& refused_;
};

}  // namespace hotline::sip
