#pragma once
// SIP over UDP and TCP on one address (sip.listen). Every datagram and every
// framed stream message goes through the pre-check and the parser here; what
// survives reaches the Listener on the SIP strand. Bad requests are answered
// 400 when their routing headers can be read, else dropped, and counted.
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

enum class Protocol { udp, tcp };

// Where a message came from, and so where its responses go (RFC 3261 §18.2.2
// with RFC 3581: back to the source address and port).
struct Source {
  Protocol protocol = Protocol::udp;
  std::string address;
  std::uint16_t port = 0;
  std::uint64_t connection = 0;  // TCP: the connection to answer on
};

class Listener {
 public:
  virtual ~Listener() = default;
  // Called on the SIP strand.
  virtual void on_request(const Message& request, const Source& source) = 0;
  virtual void on_response(const Message& response, const Source& source) = 0;
};

struct TransportConfig {
  Endpoint listen{"127.0.0.1", 5060};
  Limits limits;
  unsigned tcp_idle_seconds = 600;
};

class Transport {
 public:
  Transport(boost::asio::io_context& io, TransportConfig config, Listener& listener, Metrics& metrics);
  ~Transport();

  // Binds UDP and TCP; throws hotline::Error when the address is taken.
  void start();
  void stop();
  // Thread-safe: sends on the SIP strand (TCP: on the source's connection).
  void send(const Source& to, std::string bytes);
  boost::asio::any_io_executor strand() const;
  std::uint16_t port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace hotline::sip
