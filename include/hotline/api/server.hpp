#pragma once
// The HTTP/WebSocket listener (Boost.Beast): one coroutine per connection on
// its own strand; optional TLS; static files from http.static_dir; /ws is
// upgraded to a WebSocket session after authentication.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>

#include "hotline/api/api.hpp"
#include "hotline/core/net.hpp"

namespace hotline::api {

class Server {
 public:
  Server(boost::asio::io_context& io, Api& api);
  ~Server();

  // Binds and starts accepting; throws hotline::Error when the address is taken.
  void start();
  // Stops accepting, marks the API as draining (/healthz answers 503, responses
  // close their connection) and closes WebSocket sessions with 1001.
  void begin_shutdown();
  // HTTP requests being handled right now.
  std::size_t in_flight() const;
  Endpoint local_endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hotline::api
