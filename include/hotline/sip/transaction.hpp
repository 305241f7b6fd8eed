#pragma once
// RFC 3261 §17 transactions on the SIP strand: the four state machines
// (INVITE/non-INVITE × client/server), timers A–K driven by Asio steady
// timers over UDP (none of the retransmit timers over TCP), retransmitted
// requests absorbed by resending the last response, CANCEL matched to its
// INVITE, ACK for non-2xx built here, and the 2xx of an INVITE retransmitted
// until its ACK arrives (RFC 6026 "Accepted"). Above it sits one
// TransactionUser, the endpoint, which never sees a retransmission.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hotline/core/metrics.hpp"
#include "hotline/sip/message.hpp"
#include "hotline/sip/transport.hpp"

namespace hotline::sip {

struct Timing {
  int t1_ms = 500;
  int t2_ms = 4000;
  int t4_ms = 5000;
  int overload_lag_ms = 250;  // see overloaded(); 0: never refuse
};

using TransactionId = std::uint64_t;

class TransactionUser {
 public:
  virtual ~TransactionUser() = default;
  // A new request: answer through TransactionLayer::respond(id, ...).
  // Not called for ACK or for a CANCEL that matched an INVITE.
  virtual void on_request(TransactionId id, const Message& request, const Source& source) = 0;
  // An ACK for a 2xx (a request of its own), or one that matched nothing.
  virtual void on_ack(const Message& ack, const Source& source) = 0;
  // A CANCEL matched our pending INVITE server transaction `invite`; its
  // 200 has been sent. The TU should answer the INVITE 487.
  virtual void on_cancel(TransactionId invite, const Message& cancel) = 0;
  // A response to our request `id`. A 2xx to an INVITE may come again after
  // the transaction ended (the peer did not see our ACK): then id is 0.
  virtual void on_response(TransactionId id, const Message& response) = 0;
  // Our request `id` got no final answer (timer B or F) or could not be sent.
  virtual void on_timeout(TransactionId id) = 0;
  // We sent a 2xx to INVITE `id` and no ACK came within 64*T1 (timer H for 2xx).
  virtual void on_ack_timeout(TransactionId id) = 0;
};

struct LocalAddress {
  std::string host;  // what goes into our Via sent-by and Contact
  std::uint16_t port = 0;      // UDP and TCP
  std::uint16_t tls_port = 0;  // 0: no TLS
  std::uint16_t port_for(Protocol protocol) const { return protocol == Protocol::tls ? tls_port : port; }
};

class TransactionLayer final : public Listener {
 public:
  // admit: checked before any state is made for a request (bans, floods).
  TransactionLayer(Metrics& metrics, Timing timing, std::function<bool(const Message&, const Source&)> admit);
  ~TransactionLayer() override;

  // The transport it sends through (made after the layer, which it calls).
  void attach(Transport& transport);
  void set_user(TransactionUser& user) { user_ = &user; }
  void set_local(LocalAddress local) { local_ = std::move(local); }
  const LocalAddress& local() const { return local_; }

  // Listener (from the transport, on the strand).
  void on_request(const Message& request, const Source& source) override;
  void on_response(const Message& response, const Source& source) override;

  // Server side: answer request `id`. A final answer completes it; a 2xx to
  // an INVITE is retransmitted until the ACK comes.
  void respond(TransactionId id, int status, std::string_view reason, ResponseOptions options = {});
  // The request a server transaction is for (nullptr once it is gone).
  const Message* request_of(TransactionId id) const;

  // Client side: sends `request` (a top Via with a fresh branch is added)
  // and returns the transaction's id. ACKs for 2xx go through send_ack.
  TransactionId send_request(Message request, const Source& destination);
  // CANCEL for our INVITE `invite` (§9.1): sent once a provisional response
  // has come; if the INVITE completes first, nothing is sent.
  void cancel(TransactionId invite);
  // ACK for a 2xx: not a transaction; sent once now, and again when the 2xx
  // is retransmitted (the TU calls it from on_response with id 0).
  void send_ack(Message ack, const Source& destination);

  std::size_t size() const;
  // True while the SIP strand runs late (its backlog delays a 20 ms tick by
  // more than Timing::overload_lag_ms, until it is back under a quarter of
  // that): new calls are then refused with 503 at once instead of being
  // answered late. Starts with the first attach.
  bool overloaded() const;
  static std::string new_branch();
  static std::string new_tag();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  TransactionUser* user_ = nullptr;
  LocalAddress local_;
};

// The usual reason phrase of a status code.
std::string_view reason_phrase(int status);

}  // namespace hotline::sip
