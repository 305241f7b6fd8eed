#include "hotline/sip/transaction.hpp"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unordered_map>

namespace hotline::sip {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kMagicCookie = "z9hG4bK";

bool rfc3261_branch(const std::string& branch) { return branch.rfind(kMagicCookie, 0) == 0; }

std::string sent_by(const Via& via) { return via.host + ":" + std::to_string(via.port ? via.port : 5060); }

// §17.2.3: the key a request (and its retransmissions, its ACK for a
// non-2xx, its CANCEL under `method`) is matched by.
std::string server_key(const Message& request, std::string_view method) {
  const Via& top = request.vias.front();
  if (rfc3261_branch(top.branch)) return top.branch + '|' + sent_by(top) + '|' + std::string(method);
  // RFC 2543 peers: everything but the To tag, which an ACK carries and the INVITE does not.
  return request.call_id + '|' + std::to_string(request.cseq) + '|' + request.from.tag + '|' + top.text + '|' +
         std::string(method);
}

std::string client_key(const std::string& branch, std::string_view method) {
  return branch + '|' + std::string(method);
}

std::string ack_key(const std::string& call_id, std::uint32_t cseq) { return call_id + '|' + std::to_string(cseq); }

}  // namespace

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Trying";
    case 180:
      return "Ringing";
    case 181:
      return "Call Is Being Forwarded";
    case 182:
      return "Queued";
    case 183:
      return "Session Progress";
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 302:
      return "Moved Temporarily";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 415:
      return "Unsupported Media Type";
    case 420:
      return "Bad Extension";
    case 480:
      return "Temporarily Unavailable";
    case 481:
      return "Call/Transaction Does Not Exist";
    case 482:
      return "Loop Detected";
    case 483:
      return "Too Many Hops";
    case 484:
      return "Address Incomplete";
    case 486:
      return "Busy Here";
    case 487:
      return "Request Terminated";
    case 488:
      return "Not Acceptable Here";
    case 491:
      return "Request Pending";
    case 500:
      return "Server Internal Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Server Time-out";
    case 600:
      return "Busy Everywhere";
    case 603:
      return "Decline";
    case 604:
      return "Does Not Exist Anywhere";
    case 606:
      return "Not Acceptable";
    default:
      break;
  }
  if (status < 200) return "Session Progress";
  if (status < 300) return "OK";
  if (status < 400) return "Redirection";
  if (status < 500) return "Client Error";
  if (status < 600) return "Server Error";
  return "Global Failure";
}

struct TransactionLayer::Impl {
  enum class State { trying, proceeding, completed, confirmed, accepted };

  struct Server {
    Server(asio::any_io_executor ex) : retransmit(ex), timeout(ex) {}
    TransactionId id = 0;
    bool invite = false;
    Message request;
    Source source;
    std::string key;
    std::string to_tag;
    State state = State::trying;
    std::string last_response;
    int last_status = 0;
    int interval_ms = 0;
    bool acked = false;
    asio::steady_timer retransmit;  // G, or the 2xx until its ACK
    asio::steady_timer timeout;     // H, I, J, L
  };

  struct Client {
    Client(asio::any_io_executor ex) : retransmit(ex), timeout(ex) {}
    TransactionId id = 0;
    bool invite = false;
    Message request;
    std::string bytes;
    Source destination;
    std::string key;
    State state = State::trying;  // trying = "calling" for INVITE
    int interval_ms = 0;
    std::string ack_bytes;  // our ACK for a non-2xx final answer
    bool cancel_wanted = false;
    bool cancel_sent = false;
    asio::steady_timer retransmit;  // A, E
    asio::steady_timer timeout;     // B, F, D, K
  };

  Impl(TransactionLayer& owner, Metrics& metrics, Timing timing,
       std::function<bool(const Message&, const Source&)> admit)
      : owner(owner),
        metrics(metrics),
        timing(timing),
        admit(std::move(admit)),
        retransmissions(metrics.counter("hotline_sip_retransmissions_total",
                                        "SIP requests and responses we sent again (UDP timers A, E, G, 2xx).")),
        absorbed(metrics.counter("hotline_sip_retransmissions_absorbed_total",
                                 "Retransmitted requests and responses from peers, absorbed by a transaction.")),
        timeouts(metrics.counter("hotline_sip_transaction_timeouts_total",
                                 "Client transactions without a final answer (timers B, F) and 2xx without ACK.")),
        active(metrics.gauge("hotline_sip_transactions", "Open SIP transactions.")),
        lag_ms(metrics.gauge("hotline_sip_strand_lag_ms", "How late the SIP strand runs a 20 ms tick (backlog).")),
        overload_episodes(metrics.counter("hotline_sip_overload_total",
                                          "Times the SIP strand ran late enough to refuse new calls.")) {}

  TransactionLayer& owner;
  Metrics& metrics;
  Transport* transport = nullptr;
  Timing timing;
  std::function<bool(const Message&, const Source&)> admit;
  Counter& retransmissions;
  Counter& absorbed;
  Counter& timeouts;
  Gauge& active;
  Gauge& lag_ms;
  Counter& overload_episodes;
  bool overloaded = false;
  std::unique_ptr<asio::steady_timer> lag_timer;
  TransactionId next_id = 1;
  std::unordered_map<TransactionId, std::unique_ptr<Server>> servers;
  std::unordered_map<std::string, TransactionId> server_keys;
  std::unordered_map<std::string, TransactionId> awaiting_ack;  // call-id|cseq of a sent 2xx
  std::unordered_map<TransactionId, std::unique_ptr<Client>> clients;
  std::unordered_map<std::string, TransactionId> client_keys;

  TransactionUser& user() { return *owner.user_; }
  bool reliable(const Source& s) const { return sip::reliable(s.protocol); }
  int sixty_four_t1() const { return 64 * timing.t1_ms; }
  void update_gauge() { active.set(static_cast<std::int64_t>(servers.size() + clients.size())); }

  template <typename Fn>
  void arm(asio::steady_timer& timer, int ms, Fn fn) {
    timer.expires_after(std::chrono::milliseconds(ms));
    timer.async_wait([fn = std::move(fn)](boost::system::error_code ec) {
      if (!ec) fn();
    });
  }

  Server* server(TransactionId id) {
    auto it = servers.find(id);
    return it == servers.end() ? nullptr : it->second.get();
  }
  Client* client(TransactionId id) {
    auto it = clients.find(id);
    return it == clients.end() ? nullptr : it->second.get();
  }

  void erase_server(TransactionId id) {
    auto it = servers.find(id);
    if (it == servers.end()) return;
    server_keys.erase(it->second->key);
    auto ack = awaiting_ack.find(ack_key(it->second->request.call_id, it->second->request.cseq));
    if (ack != awaiting_ack.end() && ack->second == id) awaiting_ack.erase(ack);
    servers.erase(it);
    update_gauge();
  }
  void erase_client(TransactionId id) {
    auto it = clients.find(id);
    if (it == clients.end()) return;
    client_keys.erase(it->second->key);
    clients.erase(it);
    update_gauge();
  }

  // ---- server side ----

  void on_request(const Message& request, const Source& source) {
    if (request.method == "ACK") return on_ack(request, source);
    auto key = server_key(request, request.method);
    if (auto it = server_keys.find(key); it != server_keys.end()) return on_retransmitted_request(*servers[it->second]);
    if (admit && !admit(request, source)) return;
    if (request.method == "CANCEL") return on_cancel(request, source, key);
    auto t = std::make_unique<Server>(transport->strand());
    t->id = next_id++;
    t->invite = request.method == "INVITE";
    t->request = request;
    t->source = source;
    t->key = key;
    t->to_tag = request.to.tag.empty() ? TransactionLayer::new_tag() : request.to.tag;
    auto id = t->id;
    server_keys.emplace(key, id);
    servers.emplace(id, std::move(t));
    update_gauge();
    // §17.2.1: a 100 at once stops the INVITE's retransmissions while the TU decides.
    if (request.method == "INVITE") respond(id, 100, "Trying", {});
    user().on_request(id, request, source);
  }

  void on_retransmitted_request(Server& t) {
    absorbed.inc();
    if (!t.last_response.empty() && t.state != State::confirmed) send(t.source, t.last_response);
  }

  void on_ack(const Message& ack, const Source& source) {
    auto key = server_key(ack, "INVITE");
    if (auto it = server_keys.find(key); it != server_keys.end()) {
      Server& t = *servers[it->second];
      if (t.state == State::completed) {  // ACK for our non-2xx
        t.state = State::confirmed;
        t.retransmit.cancel();
        arm(t.timeout, reliable(t.source) ? 0 : timing.t4_ms, [this, id = t.id] { erase_server(id); });  // timer I
        return;
      }
      if (t.state == State::confirmed) return absorbed.inc();
    }
    if (auto it = awaiting_ack.find(ack_key(ack.call_id, ack.cseq)); it != awaiting_ack.end()) {
      if (Server* t = server(it->second)) {
        t->acked = true;
        t->retransmit.cancel();
      }
      awaiting_ack.erase(it);
    }
    user().on_ack(ack, source);
  }

  void on_cancel(const Message& cancel, const Source& source, const std::string& cancel_key) {
    auto invite_key = server_key(cancel, "INVITE");
    auto it = server_keys.find(invite_key);
    ResponseOptions o;
    o.received = source.address;
    o.source_port = source.port;
    if (it == server_keys.end()) {
      o.to_tag = TransactionLayer::new_tag();
      send(source, build_response(cancel, 481, reason_phrase(481), o));
      return;
    }
    Server& invite = *servers[it->second];
    o.to_tag = invite.to_tag;
    // The CANCEL is a transaction of its own: its retransmissions get the same 200.
    auto t = std::make_unique<Server>(transport->strand());
    t->id = next_id++;
    t->request = cancel;
    t->source = source;
    t->key = cancel_key;
    t->to_tag = invite.to_tag;
    auto id = t->id;
    server_keys.emplace(cancel_key, id);
    servers.emplace(id, std::move(t));
    update_gauge();
    respond(id, 200, "OK", o);
    if (invite.state == State::trying || invite.state == State::proceeding) user().on_cancel(invite.id, cancel);
  }

  void respond(TransactionId id, int status, std::string_view reason, ResponseOptions o) {
    Server* t = server(id);
    if (!t) return;
    if (t->state == State::completed || t->state == State::confirmed || t->state == State::accepted) return;
    if (o.to_tag.empty()) o.to_tag = t->to_tag;
    if (o.received.empty()) {
      o.received = t->source.address;
      o.source_port = t->source.port;
    }
    t->last_response = build_response(t->request, status, reason, o);
    t->last_status = status;
    metrics
        .counter("hotline_sip_responses_sent_total", "SIP responses sent (not counting retransmissions), by status.",
                 {{"status", std::to_string(status)}})
        .inc();
    send(t->source, t->last_response);
    if (status < 200) {
      t->state = State::proceeding;
      return;
    }
    if (t->invite && status < 300) return accept(*t);
    if (t->invite) {
      t->state = State::completed;
      if (!reliable(t->source)) retransmit_final(id, timing.t1_ms);  // timer G
      arm(t->timeout, sixty_four_t1(), [this, id] {                  // timer H
        timeouts.inc();
        erase_server(id);
      });
      return;
    }
    t->state = State::completed;
    arm(t->timeout, reliable(t->source) ? 0 : sixty_four_t1(), [this, id] { erase_server(id); });  // timer J
  }

  void retransmit_final(TransactionId id, int interval) {
    Server* t = server(id);
    arm(t->retransmit, interval, [this, id, interval] {
      Server* t = server(id);
      if (!t || (t->state != State::completed && t->state != State::accepted) || t->acked) return;
      retransmissions.inc();
      send(t->source, t->last_response);
      retransmit_final(id, std::min(interval * 2, timing.t2_ms));
    });
  }

  // RFC 6026: the 2xx goes again until the ACK comes; INVITE retransmissions
  // are absorbed for 64*T1 (timer L), and no ACK by then ends the call.
  void accept(Server& t) {
    t.state = State::accepted;
    awaiting_ack[ack_key(t.request.call_id, t.request.cseq)] = t.id;
    if (!reliable(t.source)) retransmit_final(t.id, timing.t1_ms);
    arm(t.timeout, sixty_four_t1(), [this, id = t.id] {
      Server* t = server(id);
      bool acked = t && t->acked;
      erase_server(id);
      if (!acked) {
        timeouts.inc();
        user().on_ack_timeout(id);
      }
    });
  }

  // ---- client side ----

  TransactionId send_request(Message request, const Source& destination, bool keep_via) {
    auto t = std::make_unique<Client>(transport->strand());
    t->id = next_id++;
    t->invite = request.method == "INVITE";
    if (!keep_via) {
      Via via;
      via.transport = std::string(transport_name(destination.protocol));
      via.host = owner.local_.host;
      via.port = owner.local_.port_for(destination.protocol);
      via.branch = TransactionLayer::new_branch();
      via.has_rport = true;
      via.text = "SIP/2.0/" + via.transport + " " + via.host + ":" + std::to_string(via.port) +
                 ";branch=" + via.branch + ";rport";
      request.vias.insert(request.vias.begin(), std::move(via));
    }
    t->key = client_key(request.vias.front().branch, request.method);
    t->bytes = serialize(request);
    t->request = std::move(request);
    t->destination = destination;
    auto id = t->id;
    Client& c = *t;
    client_keys[c.key] = id;
    clients.emplace(id, std::move(t));
    update_gauge();
    send(c.destination, c.bytes);
    if (!reliable(c.destination)) retransmit_request(id, timing.t1_ms);  // A or E
    arm(c.timeout, sixty_four_t1(), [this, id] { time_out(id); });       // B or F
    return id;
  }

  void retransmit_request(TransactionId id, int interval) {
    Client* c = client(id);
    arm(c->retransmit, interval, [this, id, interval] {
      Client* c = client(id);
      if (!c || c->state == State::completed) return;
      if (c->invite && c->state == State::proceeding) return;
      retransmissions.inc();
      send(c->destination, c->bytes);
      // INVITE: doubles without a cap (timer A); others: capped at T2 (timer E).
      int next = c->invite ? interval * 2 : std::min(interval * 2, timing.t2_ms);
      if (!c->invite && c->state == State::proceeding) next = timing.t2_ms;
      retransmit_request(id, next);
    });
  }

  void time_out(TransactionId id) {
    if (!client(id)) return;
    timeouts.inc();
    erase_client(id);
    user().on_timeout(id);
  }

  void on_response(const Message& response, const Source&) {
    if (response.vias.empty()) return;
    auto it = client_keys.find(client_key(response.vias.front().branch, response.cseq_method));
    if (it == client_keys.end()) {
      // A 2xx retransmitted after its INVITE transaction ended: the TU re-ACKs.
      if (response.cseq_method == "INVITE" && response.status >= 200 && response.status < 300)
        user().on_response(0, response);
      else
        absorbed.inc();
      return;
    }
    Client& c = *clients[it->second];
    auto id = c.id;
    if (c.state == State::completed) {
      absorbed.inc();
      if (c.invite && response.status >= 300) send(c.destination, c.ack_bytes);
      return;
    }
    if (response.status < 200) {
      bool first = c.state == State::trying;
      c.state = State::proceeding;
      if (c.invite) c.timeout.cancel();  // timer B runs only while calling
      if (first && c.cancel_wanted && !c.cancel_sent) send_cancel(c);
      user().on_response(id, response);
      return;
    }
    c.retransmit.cancel();
    if (c.invite && response.status < 300) {
      erase_client(id);  // §17.1.1.2: the TU acknowledges 2xx itself
      user().on_response(id, response);
      return;
    }
    c.state = State::completed;
    c.timeout.cancel();
    if (c.invite) {
      c.ack_bytes = serialize(ack_for(c.request, response));
      send(c.destination, c.ack_bytes);
      arm(c.timeout, reliable(c.destination) ? 0 : 32000, [this, id] { erase_client(id); });  // timer D
    } else {
      arm(c.timeout, reliable(c.destination) ? 0 : timing.t4_ms, [this, id] { erase_client(id); });  // timer K
    }
    user().on_response(id, response);
  }

  // §17.1.1.3: the ACK for a non-2xx shares the INVITE's branch and takes the answer's To.
  static Message ack_for(const Message& invite, const Message& response) {
    Message ack;
    ack.is_request = true;
    ack.method = "ACK";
    ack.request_uri = invite.request_uri;
    ack.vias = {invite.vias.front()};
    ack.routes = invite.routes;
    ack.from = invite.from;
    ack.to = response.to;
    ack.call_id = invite.call_id;
    ack.cseq = invite.cseq;
    ack.cseq_method = "ACK";
    ack.headers = {{"Max-Forwards", "70"}};
    return ack;
  }

  void cancel(TransactionId id) {
    Client* c = client(id);
    if (!c || !c->invite || c->state == State::completed || c->cancel_wanted) return;
    c->cancel_wanted = true;
    if (c->state == State::proceeding) send_cancel(*c);
  }

  // §9.1: the same Request-URI, Call-ID, From, To, CSeq number and top Via.
  void send_cancel(Client& invite) {
    invite.cancel_sent = true;
    Message cancel;
    cancel.is_request = true;
    cancel.method = "CANCEL";
    cancel.request_uri = invite.request.request_uri;
    cancel.vias = {invite.request.vias.front()};
    cancel.routes = invite.request.routes;
    cancel.from = invite.request.from;
    cancel.to = invite.request.to;
    cancel.call_id = invite.request.call_id;
    cancel.cseq = invite.request.cseq;
    cancel.cseq_method = "CANCEL";
    cancel.headers = {{"Max-Forwards", "70"}};
    send_request(std::move(cancel), invite.destination, true);
    // A peer that never answers 487 must not keep the call forever (timer B's length).
    arm(invite.timeout, sixty_four_t1(), [this, id = invite.id] { time_out(id); });
  }

  void send_ack(Message ack, const Source& destination) {
    if (ack.vias.empty()) {
      Via via;
      via.transport = std::string(transport_name(destination.protocol));
      via.branch = TransactionLayer::new_branch();
      via.text = "SIP/2.0/" + via.transport + " " + owner.local_.host + ":" +
                 std::to_string(owner.local_.port_for(destination.protocol)) +
                 ";branch=" + via.branch + ";rport";
      ack.vias.push_back(std::move(via));
    }
    send(destination, serialize(ack));
  }

  void send(const Source& to, const std::string& bytes) { transport->send(to, bytes); }

  // The tick's lateness is the time its handler waited behind the strand's backlog.
  void watch_lag() {
    lag_timer->expires_after(std::chrono::milliseconds(20));
    lag_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      auto late =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - lag_timer->expiry())
              .count();
      lag_ms.set(late);
      if (!overloaded && timing.overload_lag_ms > 0 && late > timing.overload_lag_ms) {
        overloaded = true;
        overload_episodes.inc();
        spdlog::warn("event=sip.overloaded lag_ms={} action=refusing_new_calls", late);
      } else if (overloaded && late < timing.overload_lag_ms / 4) {
        overloaded = false;
        spdlog::info("event=sip.overload_over lag_ms={}", late);
      }
      watch_lag();
    });
  }
};

TransactionLayer::TransactionLayer(Metrics& metrics, Timing timing,
                                   std::function<bool(const Message&, const Source&)> admit)
    : impl_(std::make_unique<Impl>(*this, metrics, timing, std::move(admit))) {}

void TransactionLayer::attach(Transport& transport) {
  impl_->transport = &transport;
  impl_->lag_timer = std::make_unique<asio::steady_timer>(transport.strand());
  asio::post(transport.strand(), [impl = impl_.get()] { impl->watch_lag(); });
}

bool TransactionLayer::overloaded() const { return impl_->overloaded; }

TransactionLayer::~TransactionLayer() = default;

void TransactionLayer::on_request(const Message& request, const Source& source) { impl_->on_request(request, source); }
void TransactionLayer::on_response(const Message& response, const Source& source) {
  impl_->on_response(response, source);
}
void TransactionLayer::respond(TransactionId id, int status, std::string_view reason, ResponseOptions options) {
  impl_->respond(id, status, reason, std::move(options));
}
const Message* TransactionLayer::request_of(TransactionId id) const {
  auto it = impl_->servers.find(id);
  return it == impl_->servers.end() ? nullptr : &it->second->request;
}
TransactionId TransactionLayer::send_request(Message request, const Source& destination) {
  return impl_->send_request(std::move(request), destination, false);
}
void TransactionLayer::cancel(TransactionId invite) { impl_->cancel(invite); }
void TransactionLayer::send_ack(Message ack, const Source& destination) {
  impl_->send_ack(std::move(ack), destination);
}
std::size_t TransactionLayer::size() const { return impl_->servers.size() + impl_->clients.size(); }

std::string TransactionLayer::new_branch() {
  unsigned char bytes[12];
  randombytes_buf(bytes, sizeof bytes);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(kMagicCookie);
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

std::string TransactionLayer::new_tag() {
  unsigned char bytes[8];
  randombytes_buf(bytes, sizeof bytes);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

}  // namespace hotline::sip
