#pragma once
// SIP over UDP and TCP on one address (sip.listen), and optionally over TLS
// on another (sip.tls.listen). Every datagram and every framed stream message
// goes through the pre-check and the parser here; what survives reaches the
// Listener on the SIP strand. Bad requests are answered 400 when their routing
// headers can be read, else dropped, and counted. Requests we send to a peer
// we have no connection with (a TCP or TLS trunk) open one, which is then
// reused for everything to and from that peer.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hotline/core/metrics.hpp"
#include "hotline/core/net.hpp"
#include "hotline/sip/message.hpp"

namespace hotline::sip {

enum class Protocol { udp, tcp, tls };

// "UDP", "TCP", "TLS": the Via transport token.
std::string_view transport_name(Protocol protocol);
// Stream transports have no retransmissions (RFC 3261 §17.1.1.2).
inline bool reliable(Protocol protocol) { return protocol != Protocol::udp; }

// Where a message came from, and so where its responses go (RFC 3261 §18.2.2
// with RFC 3581: back to the source address and port).
struct Source {
  Protocol protocol = Protocol::udp;
  std::string address;
  std::uint16_t port = 0;
  std::uint64_t connection = 0;  // TCP/TLS: the connection to answer on; 0: open or reuse one to address:port
};

class Listener {
 public:
  virtual ~Listener() = default;
  // Called on the SIP strand.
  virtual void on_request(const Message& request, const Source& source) = 0;
  virtual void on_response(const Message& response, const Source& source) = 0;
};

struct TlsTransportConfig {
  bool enabled = false;
  Endpoint listen{"127.0.0.1", 5061};
  std::string certificate;  // PEM chain we present (server and client side)
  std::string private_key;  // PEM
  std::string ca_file;      // trusted CAs for peers we connect to; empty: the system's
  bool verify_peer = true;  // check the certificate of peers we connect to (trunks)
};

struct TransportConfig {
  Endpoint listen{"127.0.0.1", 5060};
  Limits limits;
  unsigned tcp_idle_seconds = 600;
  TlsTransportConfig tls;
};

class Transport {
 public:
  Transport(boost::asio::io_context& io, TransportConfig config, Listener& listener, Metrics& metrics);
  ~Transport();

  // Binds UDP and TCP (and TLS when enabled); throws hotline::Error when an
  // address is taken or the TLS certificate or key cannot be loaded.
  void start();
  void stop();
  // Thread-safe: sends on the SIP strand (TCP: on the source's connection).
  void send(const Source& to, std::string bytes);
  boost::asio::any_io_executor strand() const;
  std::uint16_t port() const;      // UDP and TCP
  std::uint16_t tls_port() const;  // 0 when TLS is off

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace hotline::sip
