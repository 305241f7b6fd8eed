// rtpload: the traffic generator of bench/rtp-concurrency.sh.
//
// Sets up N calls through an RTP relay, then streams G.711 (PT 0, 160-byte
// payload, 20 ms) in both directions of every call at 50 packets/s per
// direction, counts what comes back and reports loss, late packets and the
// relay's CPU time per relayed packet. One binary, two ways to set up calls:
//
//   --rtpengine HOST:PORT   rtpengine's ng control protocol (bencode over UDP):
//                           offer (side A's SDP) and answer (side B's SDP).
//   --sip HOST:PORT         a SIP B2BUA (hotlined): the generator is the caller
//                           (INVITE sip:USER@HOST:PORT with side A's SDP) and the
//                           callee (registers as USER with MD5 digest, answers the
//                           INVITE the B2BUA sends with side B's SDP), then BYE.
//
// Every media endpoint is its own UDP socket on 127.0.0.1 (an ephemeral
// port), sending to where the relay's SDP says and receiving what the relay
// sends it. The payload carries a magic number, the sending endpoint, a
// "measured" flag and the send time, so what arrives is counted whatever the
// relay does to SSRC, sequence numbers and timestamps. Sending starts for all
// calls at once, the endpoints spread evenly over the 20 ms period; the first
// --warmup seconds are not counted; then --duration seconds are, and the
// relay's CPU time (/proc/PID/stat, all threads) is read at both ends of that
// window. The last line of the output is "RESULT key=value ...".
//
// Build: g++ -O2 -std=c++20 -pthread rtpload.cpp -o rtpload -lcrypto
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kPeriod = 20 * kMs;  // 50 packets/s
constexpr uint32_t kMagic = 0x484c5254;  // "HLRT"
constexpr size_t kPayload = 160;
constexpr size_t kPacket = 12 + kPayload;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "rtpload: %s\n", what.c_str());
  std::exit(2);
}

struct Options {
  std::string mode;  // "rtpengine" or "sip"
  sockaddr_in server{};
  int calls = 100;
  double duration = 60, warmup = 2, setup_rate = 200, late_ms = 40;
  int threads = 2;
  int server_pid = 0;
  std::string user = "8001", password;
};

sockaddr_in parse_addr(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) fail("address must be IP:PORT: " + s);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(std::stoi(s.substr(colon + 1))));
  if (inet_pton(AF_INET, s.substr(0, colon).c_str(), &a.sin_addr) != 1) fail("bad IPv4 address: " + s);
  return a;
}

int udp_socket(uint16_t* port_out, int rcvbuf = 0) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(std::string("socket: ") + std::strerror(errno) + " (raise ulimit -n)");
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) fail(std::string("bind: ") + std::strerror(errno));
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port_out = ntohs(a.sin_port);
  return fd;
}

// ---- the relay's CPU and memory -------------------------------------------------

double proc_cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  auto p = s.rfind(") ");
  if (p == std::string::npos) return -1;
  std::istringstream in(s.substr(p + 2));
  std::string field;
  double ut = 0, st = 0;
  for (int i = 1; i <= 13 && in >> field; ++i) {
    if (i == 12) ut = std::stod(field);
    if (i == 13) st = std::stod(field);
  }
  return (ut + st) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long proc_rss_kb(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

double self_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// ---- SDP ------------------------------------------------------------------------

std::string make_sdp(const std::string& user, uint16_t port) {
  std::string s = "v=0\r\no=" + user + " 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n";
  s += "m=audio " + std::to_string(port) + " RTP/AVP 0 101\r\n";
  s += "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n";
  return s;
}

// The audio destination of an SDP: c= (session or media level) and m=audio port.
std::optional<sockaddr_in> sdp_target(std::string_view sdp) {
  std::string ip;
  int port = -1;
  size_t pos = 0;
  while (pos < sdp.size()) {
    size_t end = sdp.find('\n', pos);
    if (end == std::string_view::npos) end = sdp.size();
    std::string_view line = sdp.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.rfind("c=IN IP4 ", 0) == 0) {
      std::string v(line.substr(9));
      ip = v.substr(0, v.find('/'));
    } else if (line.rfind("m=audio ", 0) == 0) {
      port = std::atoi(std::string(line.substr(8)).c_str());
    }
    pos = end + 1;
  }
  if (ip.empty() || port <= 0) return std::nullopt;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1) return std::nullopt;
  return a;
}

// ---- media endpoints and the streaming threads ------------------------------------

struct Endpoint {
  int fd = -1;
  uint16_t port = 0;
  sockaddr_in dst{};
  bool ready = false;  // dst known
  uint32_t ssrc = 0;
  uint16_t seq = 0;
  uint32_t ts = 0;
  int64_t offset = 0;  // phase within the 20 ms period
};

std::vector<Endpoint> endpoints;

struct Stats {
  uint64_t sent = 0, received = 0, late = 0, foreign = 0, recv_errors = 0, send_errors = 0;
  int64_t max_delay = 0, max_lag = 0;
  std::vector<uint64_t> hist = std::vector<uint64_t>(2001, 0);  // one-way delay, 0.1 ms bins, last = overflow
  std::vector<uint32_t> by_sender;  // measured packets received, by sending endpoint
};

struct Timeline {
  int64_t start = 0, measure_from = 0, stop_sending = 0, stop_receiving = 0;
};

void stream_thread(const std::vector<int>& mine, const Timeline& tl, const Options& opt, Stats& st) {
  st.by_sender.assign(endpoints.size(), 0);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  for (int i : mine) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    if (epoll_ctl(ep, EPOLL_CTL_ADD, endpoints[i].fd, &ev) < 0) fail("epoll_ctl");
  }
  std::vector<int> order;
  for (int i : mine)
    if (endpoints[i].ready) order.push_back(i);
  std::sort(order.begin(), order.end(), [](int a, int b) { return endpoints[a].offset < endpoints[b].offset; });
  const int64_t late_ns = static_cast<int64_t>(opt.late_ms * kMs);
  unsigned char pkt[kPacket];
  std::memset(pkt, 0xff, sizeof pkt);  // u-law silence
  unsigned char in[2048];
  std::vector<epoll_event> events(512);
  size_t next = 0;
  int64_t cycle = 0;
  while (true) {
    int64_t now = now_ns();
    // Send every packet due within the next millisecond (so the thread sleeps
    // at least 1 ms between rounds instead of spinning; a packet leaves at
    // most 1 ms early, and carries its real send time).
    while (!order.empty()) {
      Endpoint& e = endpoints[order[next]];
      int64_t due = tl.start + cycle * kPeriod + e.offset;
      if (due >= tl.stop_sending || due > now + kMs) break;
      st.max_lag = std::max(st.max_lag, now - due);
      bool measured = due >= tl.measure_from;
      pkt[0] = 0x80;
      pkt[1] = static_cast<unsigned char>(cycle == 0 ? 0x80 : 0x00);  // marker on the first, PT 0
      uint16_t seq = htons(e.seq++);
      uint32_t ts = htonl(e.ts);
      e.ts += 160;
      uint32_t ssrc = htonl(e.ssrc);
      std::memcpy(pkt + 2, &seq, 2);
      std::memcpy(pkt + 4, &ts, 4);
      std::memcpy(pkt + 8, &ssrc, 4);
      uint32_t magic = kMagic, sender = static_cast<uint32_t>(order[next]);
      std::memcpy(pkt + 12, &magic, 4);
      std::memcpy(pkt + 16, &sender, 4);
      pkt[20] = measured ? 1 : 0;
      std::memcpy(pkt + 24, &now, 8);
      if (sendto(e.fd, pkt, kPacket, 0, reinterpret_cast<const sockaddr*>(&e.dst), sizeof e.dst) == static_cast<ssize_t>(kPacket)) {
        if (measured) ++st.sent;
      } else if (measured) {
        ++st.send_errors;
      }
      if (++next == order.size()) {
        next = 0;
        ++cycle;
      }
    }
    now = now_ns();
    if (now >= tl.stop_receiving) break;
    int64_t wake = tl.stop_receiving;
    if (!order.empty()) {
      int64_t due = tl.start + cycle * kPeriod + endpoints[order[next]].offset;
      if (due < tl.stop_sending) wake = std::min(wake, due);
    }
    int timeout = wake > now + kMs ? static_cast<int>((wake - now) / kMs) : 1;
    if (now >= tl.stop_receiving - kMs) timeout = 0;
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), timeout);
    if (n < 0 && errno != EINTR) fail("epoll_wait");
    int64_t arrival = now_ns();
    for (int k = 0; k < n; ++k) {
      Endpoint& e = endpoints[events[k].data.u32];
      ssize_t got = recv(e.fd, in, sizeof in, 0);
      if (got < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) ++st.recv_errors;
        continue;
      }
      uint32_t magic = 0, sender = 0;
      int64_t sent_at = 0;
      if (got < 32 || (std::memcpy(&magic, in + 12, 4), magic != kMagic)) {
        ++st.foreign;
        continue;
      }
      std::memcpy(&sender, in + 16, 4);
      std::memcpy(&sent_at, in + 24, 8);
      if (in[20] != 1 || sender >= endpoints.size()) continue;
      ++st.received;
      ++st.by_sender[sender];
      int64_t delay = arrival - sent_at;
      if (delay > late_ns) ++st.late;
      st.max_delay = std::max(st.max_delay, delay);
      size_t bin = static_cast<size_t>(std::max<int64_t>(0, delay) / (kMs / 10));
      ++st.hist[std::min<size_t>(bin, 2000)];
    }
  }
  close(ep);
}

// ---- bencode (ng protocol) ----------------------------------------------------------

std::string bstr(std::string_view s) { return std::to_string(s.size()) + ":" + std::string(s); }

std::string bdict(const std::map<std::string, std::string>& m) {  // values: already bencoded
  std::string out = "d";
  for (auto& [k, v] : m) out += bstr(k) + v;
  return out + "e";
}

// Top-level string values of a bencoded dictionary (others skipped).
bool bskip(std::string_view s, size_t& p);
bool bstring(std::string_view s, size_t& p, std::string& out) {
  size_t colon = s.find(':', p);
  if (colon == std::string_view::npos) return false;
  size_t len = std::strtoul(std::string(s.substr(p, colon - p)).c_str(), nullptr, 10);
  if (colon + 1 + len > s.size()) return false;
  out = std::string(s.substr(colon + 1, len));
  p = colon + 1 + len;
  return true;
}
bool bskip(std::string_view s, size_t& p) {
  if (p >= s.size()) return false;
  char c = s[p];
  if (c == 'i') {
    size_t e = s.find('e', p);
    if (e == std::string_view::npos) return false;
    p = e + 1;
    return true;
  }
  if (c == 'l' || c == 'd') {
    ++p;
    while (p < s.size() && s[p] != 'e')
      if (!bskip(s, p)) return false;
    ++p;
    return true;
  }
  std::string ignored;
  return bstring(s, p, ignored);
}
std::map<std::string, std::string> bparse_dict(std::string_view s) {
  std::map<std::string, std::string> out;
  size_t p = 0;
  if (s.empty() || s[0] != 'd') return out;
  ++p;
  while (p < s.size() && s[p] != 'e') {
    std::string key, value;
    if (!bstring(s, p, key)) break;
    if (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
      if (!bstring(s, p, value)) break;
      out[key] = value;
    } else if (!bskip(s, p)) {
      break;
    }
  }
  return out;
}

// One ng request, retried (rtpengine answers a repeated cookie from its cache).
std::map<std::string, std::string> ng_request(int fd, const sockaddr_in& server, const std::string& body) {
  static uint64_t counter = 0;
  std::string cookie = std::to_string(getpid()) + "_" + std::to_string(++counter);
  std::string msg = cookie + " " + body;
  char buf[65536];
  for (int attempt = 0; attempt < 5; ++attempt) {
    sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<const sockaddr*>(&server), sizeof server);
    int64_t deadline = now_ns() + (500LL << attempt) * kMs;
    while (now_ns() < deadline) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n < 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        continue;
      }
      std::string_view reply(buf, static_cast<size_t>(n));
      if (reply.substr(0, cookie.size() + 1) != cookie + " ") continue;  // an old answer
      return bparse_dict(reply.substr(cookie.size() + 1));
    }
  }
  return {{"result", "error"}, {"error-reason", "no answer from rtpengine"}};
}

// ---- SIP ------------------------------------------------------------------------------

struct SipMsg {
  bool request = false;
  std::string method, uri;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string get(std::string_view name, std::string_view compact = {}) const {
    for (auto& [k, v] : headers)
      if (strcasecmp(k.c_str(), std::string(name).c_str()) == 0 ||
          (!compact.empty() && strcasecmp(k.c_str(), std::string(compact).c_str()) == 0))
        return v;
    return {};
  }
  std::vector<std::string> all(std::string_view name, std::string_view compact = {}) const {
    std::vector<std::string> out;
    for (auto& [k, v] : headers)
      if (strcasecmp(k.c_str(), std::string(name).c_str()) == 0 ||
          (!compact.empty() && strcasecmp(k.c_str(), std::string(compact).c_str()) == 0))
        out.push_back(v);
    return out;
  }
};

std::string trim(std::string s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

std::optional<SipMsg> parse_sip(std::string_view raw) {
  SipMsg m;
  size_t hdr_end = raw.find("\r\n\r\n");
  if (hdr_end == std::string_view::npos) return std::nullopt;
  std::string head(raw.substr(0, hdr_end));
  m.body = std::string(raw.substr(hdr_end + 4));
  std::istringstream in(head);
  std::string line;
  std::getline(in, line);
  line = trim(line);
  if (line.rfind("SIP/2.0 ", 0) == 0) {
    m.status = std::atoi(line.c_str() + 8);
  } else {
    m.request = true;
    auto sp = line.find(' ');
    m.method = line.substr(0, sp);
    m.uri = line.substr(sp + 1, line.find(' ', sp + 1) - sp - 1);
  }
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty()) continue;
    if ((line[0] == ' ' || line[0] == '\t') && !m.headers.empty()) {
      m.headers.back().second += " " + trim(line);
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    m.headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  auto cl = m.get("Content-Length", "l");
  if (!cl.empty()) m.body.resize(std::min<size_t>(m.body.size(), std::stoul(cl)));
  return m;
}

std::string angle_uri(const std::string& header) {
  auto a = header.find('<'), b = header.find('>');
  if (a != std::string::npos && b != std::string::npos && b > a) return header.substr(a + 1, b - a - 1);
  return trim(header.substr(0, header.find(';')));
}

std::string md5_hex(const std::string& s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += hex[d[i] >> 4];
    out += hex[d[i] & 15];
  }
  return out;
}

std::string auth_field(const std::string& h, const std::string& name) {  // name="value" or name=value
  size_t p = 0;
  while ((p = h.find(name, p)) != std::string::npos) {
    bool start_ok = p == 0 || h[p - 1] == ' ' || h[p - 1] == ',';
    size_t eq = p + name.size();
    if (start_ok && eq < h.size() && h[eq] == '=') {
      ++eq;
      if (eq < h.size() && h[eq] == '"') return h.substr(eq + 1, h.find('"', eq + 1) - eq - 1);
      return trim(h.substr(eq, h.find(',', eq) - eq));
    }
    p = eq;
  }
  return {};
}

struct Pending {  // a message sent until an answer stops it
  std::string text;
  int64_t next = 0, interval = 500 * kMs, give_up = 0;
  bool active = false;
};

enum class CallState { idle, inviting, established, failed, bye_sent, done };

struct UacCall {
  CallState state = CallState::idle;
  std::string call_id, from_tag, to_header, remote_target, branch;
  std::vector<std::string> route;
  int a = -1;  // endpoint
  int status = 0;
  Pending tx;
};

struct UasCall {
  int b = -1;
  std::string to_tag;
  Pending ok;  // the 200 to the INVITE, until the ACK
};

class SipAgent {
 public:
  explicit SipAgent(const Options& o) : opt_(o) {
    uac_fd_ = udp_socket(&uac_port_, 4 << 20);
    uas_fd_ = udp_socket(&uas_port_, 4 << 20);
    tag_ = std::to_string(getpid());
  }

  void send(int fd, const std::string& text) {
    sendto(fd, text.data(), text.size(), 0, reinterpret_cast<const sockaddr*>(&opt_.server), sizeof opt_.server);
  }

  std::string server_hostport() const {
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &opt_.server.sin_addr, ip, sizeof ip);
    return std::string(ip) + ":" + std::to_string(ntohs(opt_.server.sin_port));
  }

  // REGISTER as the callee, from the callee's socket, MD5 digest. Blocking, 10 s at most.
  // expires 0 at the end removes the binding, so the next run's INVITEs do not fork to a dead port.
  void register_uas(int expires = 3600) {
    std::string call_id = "reg-" + std::to_string(expires) + "-" + tag_ + "@127.0.0.1";
    auto build = [&](int cseq, const std::string& auth) {
      std::string uri = "sip:" + server_hostport();
      return "REGISTER " + uri + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(uas_port_) +
             ";rport;branch=z9hG4bK-reg-" + tag_ + "-" + std::to_string(expires) + "-" + std::to_string(cseq) + "\r\nFrom: <sip:" + opt_.user + "@" +
             server_hostport() + ">;tag=r" + tag_ + "\r\nTo: <sip:" + opt_.user + "@" + server_hostport() +
             ">\r\nCall-ID: " + call_id + "\r\nCSeq: " + std::to_string(cseq) + " REGISTER\r\nContact: <sip:" +
             opt_.user + "@127.0.0.1:" + std::to_string(uas_port_) + ">\r\nExpires: " + std::to_string(expires) +
             "\r\nMax-Forwards: 70\r\n" + auth +
             "User-Agent: rtpload\r\nContent-Length: 0\r\n\r\n";
    };
    int cseq = 1;
    std::string msg = build(cseq, "");
    int64_t deadline = now_ns() + 10'000 * kMs;
    int64_t resend = 0;
    char buf[65536];
    while (now_ns() < deadline) {
      if (now_ns() >= resend) {
        send(uas_fd_, msg);
        resend = now_ns() + 500 * kMs;
      }
      ssize_t n = recv(uas_fd_, buf, sizeof buf, 0);
      if (n < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      auto m = parse_sip(std::string_view(buf, static_cast<size_t>(n)));
      if (m && m->request) on_uas(*m, now_ns());  // e.g. a late BYE for a B leg
      if (!m || m->request || m->get("Call-ID", "i") != call_id) continue;
      if (m->status < 200) continue;
      if (m->status == 200) return;
      if ((m->status == 401 || m->status == 407) && cseq == 1) {
        std::string challenge;
        for (auto& h : m->all(m->status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate")) {
          std::string alg = auth_field(h, "algorithm");
          if (alg.empty() || strcasecmp(alg.c_str(), "MD5") == 0) {
            challenge = h;
            break;
          }
        }
        if (challenge.empty()) fail("REGISTER: no MD5 challenge offered");
        std::string realm = auth_field(challenge, "realm"), nonce = auth_field(challenge, "nonce");
        std::string qop = auth_field(challenge, "qop"), opaque = auth_field(challenge, "opaque");
        std::string uri = "sip:" + server_hostport();
        std::string ha1 = md5_hex(opt_.user + ":" + realm + ":" + opt_.password);
        std::string ha2 = md5_hex("REGISTER:" + uri);
        std::string cnonce = "c" + tag_, nc = "00000001", response;
        bool use_qop = qop.find("auth") != std::string::npos;
        response = use_qop ? md5_hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)
                           : md5_hex(ha1 + ":" + nonce + ":" + ha2);
        std::string auth = std::string(m->status == 401 ? "Authorization" : "Proxy-Authorization") +
                           ": Digest username=\"" + opt_.user + "\", realm=\"" + realm + "\", nonce=\"" + nonce +
                           "\", uri=\"" + uri + "\", response=\"" + response + "\", algorithm=MD5";
        if (use_qop) auth += ", qop=auth, nc=" + nc + ", cnonce=\"" + cnonce + "\"";
        if (!opaque.empty()) auth += ", opaque=\"" + opaque + "\"";
        auth += "\r\n";
        msg = build(++cseq, auth);
        resend = 0;
        continue;
      }
      fail("REGISTER answered " + std::to_string(m->status));
    }
    fail("REGISTER: no final answer within 10 s");
  }

  std::string invite(UacCall& c, int i) {
    c.call_id = "rl" + std::to_string(i) + "-" + tag_ + "@127.0.0.1";
    c.from_tag = "a" + std::to_string(i) + "-" + tag_;
    c.branch = "z9hG4bK-rl-" + tag_ + "-" + std::to_string(i) + "-1";
    std::string sdp = make_sdp("rtpload", endpoints[c.a].port);
    std::string ruri = "sip:" + opt_.user + "@" + server_hostport();
    return "INVITE " + ruri + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(uac_port_) +
           ";rport;branch=" + c.branch + "\r\nFrom: <sip:load@127.0.0.1:" + std::to_string(uac_port_) + ">;tag=" +
           c.from_tag + "\r\nTo: <" + ruri + ">\r\nCall-ID: " + c.call_id +
           "\r\nCSeq: 1 INVITE\r\nContact: <sip:load@127.0.0.1:" + std::to_string(uac_port_) +
           ">\r\nMax-Forwards: 70\r\nUser-Agent: rtpload\r\nContent-Type: application/sdp\r\nContent-Length: " +
           std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
  }

  std::string in_dialog(const UacCall& c, const std::string& method, int cseq, const std::string& branch) {
    std::string routes;
    for (auto& r : c.route) routes += "Route: " + r + "\r\n";
    return method + " " + c.remote_target + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(uac_port_) +
           ";rport;branch=" + branch + "\r\n" + routes + "From: <sip:load@127.0.0.1:" + std::to_string(uac_port_) +
           ">;tag=" + c.from_tag + "\r\nTo: " + c.to_header + "\r\nCall-ID: " + c.call_id + "\r\nCSeq: " +
           std::to_string(cseq) + " " + method + "\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  }

  std::string response(const SipMsg& req, int code, const std::string& reason, const std::string& to_tag,
                       const std::string& sdp) {
    std::string out = "SIP/2.0 " + std::to_string(code) + " " + reason + "\r\n";
    for (auto& v : req.all("Via", "v")) out += "Via: " + v + "\r\n";
    for (auto& v : req.all("Record-Route")) out += "Record-Route: " + v + "\r\n";
    std::string to = req.get("To", "t");
    if (!to_tag.empty() && to.find(";tag=") == std::string::npos) to += ";tag=" + to_tag;
    out += "From: " + req.get("From", "f") + "\r\nTo: " + to + "\r\nCall-ID: " + req.get("Call-ID", "i") +
           "\r\nCSeq: " + req.get("CSeq") + "\r\n";
    if (code == 200 && req.method == "INVITE")
      out += "Contact: <sip:" + opt_.user + "@127.0.0.1:" + std::to_string(uas_port_) + ">\r\n";
    if (!sdp.empty()) out += "Content-Type: application/sdp\r\n";
    out += "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
    return out;
  }

  // Reads and handles everything waiting on both sockets; then retransmits what is due.
  void poll(int64_t now) {
    char buf[65536];
    for (int fd : {uac_fd_, uas_fd_}) {
      for (int k = 0; k < 256; ++k) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) break;
        auto m = parse_sip(std::string_view(buf, static_cast<size_t>(n)));
        if (!m) continue;
        if (fd == uac_fd_) on_uac(*m, now); else on_uas(*m, now);
      }
    }
    for (auto& c : uac_) retransmit(c.tx, uac_fd_, now, [&] { on_timeout(c); });
    for (auto& [id, u] : uas_) retransmit(u.ok, uas_fd_, now, [] {});
  }

  template <typename F>
  void retransmit(Pending& p, int fd, int64_t now, F&& gave_up) {
    if (!p.active || now < p.next) return;
    if (now >= p.give_up) {
      p.active = false;
      gave_up();
      return;
    }
    send(fd, p.text);
    p.interval = std::min<int64_t>(p.interval * 2, 4000 * kMs);
    p.next = now + p.interval;
  }

  void arm(Pending& p, std::string text, int fd, int64_t now, int64_t life = 16'000 * kMs) {
    p.text = std::move(text);
    p.interval = 500 * kMs;
    p.next = now + p.interval;
    p.give_up = now + life;
    p.active = true;
    send(fd, p.text);
  }

  void on_timeout(UacCall& c) {
    if (c.state == CallState::inviting) {
      c.state = CallState::failed;
      c.status = 408;
    } else if (c.state == CallState::bye_sent) {
      c.state = CallState::done;
      ++bye_timeouts;
    }
  }

  void on_uac(const SipMsg& m, int64_t now) {
    if (m.request) {  // a request toward the caller (BYE from the B2BUA, OPTIONS, ...): OK
      send(uac_fd_, response(m, 200, "OK", "", ""));
      return;
    }
    auto it = by_call_id_.find(m.get("Call-ID", "i"));
    if (it == by_call_id_.end()) return;
    UacCall& c = uac_[it->second];
    std::string cseq = m.get("CSeq");
    bool is_invite = cseq.find("INVITE") != std::string::npos;
    if (is_invite) {
      if (m.status < 200) {
        if (c.state == CallState::inviting) c.tx.next = now + 4000 * kMs;  // provisional: slow down, keep the timeout
        return;
      }
      std::string to = m.get("To", "t");
      if (m.status >= 300) {  // ACK the failure, same branch
        std::string ack = "ACK sip:" + opt_.user + "@" + server_hostport() + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" +
                          std::to_string(uac_port_) + ";rport;branch=" + c.branch + "\r\nFrom: <sip:load@127.0.0.1:" +
                          std::to_string(uac_port_) + ">;tag=" + c.from_tag + "\r\nTo: " + to + "\r\nCall-ID: " +
                          c.call_id + "\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        send(uac_fd_, ack);
        if (c.state == CallState::inviting) {
          c.state = CallState::failed;
          c.status = m.status;
          c.tx.active = false;
        }
        return;
      }
      if (c.state == CallState::inviting) {
        c.to_header = to;
        std::string contact = m.get("Contact", "m");
        c.remote_target = contact.empty() ? "sip:" + opt_.user + "@" + server_hostport() : angle_uri(contact);
        auto rr = m.all("Record-Route");
        c.route.assign(rr.rbegin(), rr.rend());
        auto target = sdp_target(m.body);
        if (target) {
          endpoints[c.a].dst = *target;
          endpoints[c.a].ready = true;
          c.state = CallState::established;
        } else {
          c.state = CallState::failed;
          c.status = 606;  // no usable SDP
        }
        c.tx.active = false;
      }
      send(uac_fd_, in_dialog(c, "ACK", 1, "z9hG4bK-rl-" + tag_ + "-" + std::to_string(it->second) + "-ack"));
      return;
    }
    if (cseq.find("BYE") != std::string::npos && m.status >= 200 && c.state == CallState::bye_sent) {
      c.state = CallState::done;
      c.tx.active = false;
    }
  }

  void on_uas(const SipMsg& m, int64_t now) {
    if (!m.request) return;
    std::string id = m.get("Call-ID", "i");
    if (m.method == "INVITE") {
      auto it = uas_.find(id);
      if (it != uas_.end()) {  // a retransmission, or a re-INVITE: the same answer
        send(uas_fd_, response(m, 200, "OK", it->second.to_tag, make_sdp(opt_.user, endpoints[it->second.b].port)));
        return;
      }
      if (next_b_ >= b_endpoints_.size()) {
        send(uas_fd_, response(m, 486, "Busy Here", "full", ""));
        return;
      }
      UasCall u;
      u.b = b_endpoints_[next_b_++];
      u.to_tag = "b" + std::to_string(u.b) + "-" + tag_;
      auto target = sdp_target(m.body);
      if (!target) {
        send(uas_fd_, response(m, 488, "Not Acceptable Here", u.to_tag, ""));
        return;
      }
      endpoints[u.b].dst = *target;
      endpoints[u.b].ready = true;
      ++uas_answered;
      auto& slot = uas_[id] = u;
      arm(slot.ok, response(m, 200, "OK", u.to_tag, make_sdp(opt_.user, endpoints[u.b].port)), uas_fd_, now, 32'000 * kMs);
      return;
    }
    if (m.method == "ACK") {
      auto it = uas_.find(id);
      if (it != uas_.end()) it->second.ok.active = false;
      return;
    }
    if (m.method == "BYE") ++uas_byes;
    send(uas_fd_, response(m, 200, "OK", "", ""));  // BYE, OPTIONS, CANCEL, UPDATE ...
  }

  void start_call(int i, int64_t now) {
    UacCall& c = uac_[i];
    c.state = CallState::inviting;
    arm(c.tx, invite(c, i), uac_fd_, now, 16'000 * kMs);
    by_call_id_[c.call_id] = i;
  }

  void send_bye(int i, int64_t now) {
    UacCall& c = uac_[i];
    if (c.state != CallState::established) return;
    c.state = CallState::bye_sent;
    arm(c.tx, in_dialog(c, "BYE", 2, "z9hG4bK-rl-" + tag_ + "-" + std::to_string(i) + "-bye"), uac_fd_, now, 16'000 * kMs);
  }

  void setup(int calls, const std::vector<int>& a_eps, const std::vector<int>& b_eps) {
    uac_.resize(calls);
    for (int i = 0; i < calls; ++i) uac_[i].a = a_eps[i];
    b_endpoints_ = b_eps;
  }

  std::vector<UacCall> uac_;
  std::unordered_map<std::string, UasCall> uas_;
  uint64_t uas_answered = 0, uas_byes = 0, bye_timeouts = 0;

 private:
  const Options& opt_;
  int uac_fd_ = -1, uas_fd_ = -1;
  uint16_t uac_port_ = 0, uas_port_ = 0;
  std::string tag_;
  std::unordered_map<std::string, int> by_call_id_;
  std::vector<int> b_endpoints_;
  size_t next_b_ = 0;
};

void usage() {
  std::fprintf(stderr,
               "usage: rtpload (--rtpengine IP:PORT | --sip IP:PORT --password PW [--user 8001])\n"
               "               --calls N [--duration 60] [--warmup 2] [--setup-rate 200] [--threads 2]\n"
               "               [--server-pid PID] [--late-ms 40]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--rtpengine" || a == "--sip") {
      opt.mode = a.substr(2);
      opt.server = parse_addr(val());
    } else if (a == "--calls") opt.calls = std::stoi(val());
    else if (a == "--duration") opt.duration = std::stod(val());
    else if (a == "--warmup") opt.warmup = std::stod(val());
    else if (a == "--setup-rate") opt.setup_rate = std::stod(val());
    else if (a == "--threads") opt.threads = std::max(1, std::stoi(val()));
    else if (a == "--server-pid") opt.server_pid = std::stoi(val());
    else if (a == "--late-ms") opt.late_ms = std::stod(val());
    else if (a == "--user") opt.user = val();
    else if (a == "--password") opt.password = val();
    else usage();
  }
  if (opt.mode.empty() || opt.calls < 1) usage();
  std::mt19937 rng(static_cast<unsigned>(now_ns()));

  // Two endpoints a call: A (the caller's media) and B (the callee's).
  const int n = opt.calls;
  endpoints.resize(2 * static_cast<size_t>(n));
  std::vector<int> a_eps, b_eps;
  for (int i = 0; i < n; ++i) {
    for (int side = 0; side < 2; ++side) {
      Endpoint& e = endpoints[2 * i + side];
      e.fd = udp_socket(&e.port);
      e.ssrc = static_cast<uint32_t>(rng());
      e.seq = static_cast<uint16_t>(rng());
      e.ts = static_cast<uint32_t>(rng());
    }
    a_eps.push_back(2 * i);
    b_eps.push_back(2 * i + 1);
  }

  // ---- signalling: set the calls up at --setup-rate ----
  const int64_t setup_start = now_ns();
  const int64_t gap = static_cast<int64_t>(1e9 / opt.setup_rate);
  int established = 0, failed = 0, shed = 0;
  std::map<int, int> failures;  // status -> count
  std::unique_ptr<SipAgent> sip;
  int ng_fd = -1;
  if (opt.mode == "rtpengine") {
    uint16_t port;
    ng_fd = udp_socket(&port, 4 << 20);
    for (int i = 0; i < n; ++i) {
      int64_t due = setup_start + i * gap;
      while (now_ns() < due) std::this_thread::sleep_for(std::chrono::microseconds(200));
      std::string call_id = "rl" + std::to_string(i) + "-" + std::to_string(getpid());
      Endpoint& a = endpoints[a_eps[i]];
      Endpoint& b = endpoints[b_eps[i]];
      auto offer = ng_request(ng_fd, opt.server,
                              bdict({{"command", bstr("offer")}, {"call-id", bstr(call_id)},
                                     {"from-tag", bstr("a" + std::to_string(i))}, {"sdp", bstr(make_sdp("a", a.port))}}));
      auto t1 = offer["result"] == "ok" ? sdp_target(offer["sdp"]) : std::nullopt;
      std::optional<sockaddr_in> t2;
      if (t1) {
        auto answer = ng_request(ng_fd, opt.server,
                                 bdict({{"command", bstr("answer")}, {"call-id", bstr(call_id)},
                                        {"from-tag", bstr("a" + std::to_string(i))},
                                        {"to-tag", bstr("b" + std::to_string(i))}, {"sdp", bstr(make_sdp("b", b.port))}}));
        t2 = answer["result"] == "ok" ? sdp_target(answer["sdp"]) : std::nullopt;
        if (!t2) std::fprintf(stderr, "rtpload: answer %d: %s\n", i, answer["error-reason"].c_str());
      } else {
        std::fprintf(stderr, "rtpload: offer %d: %s\n", i, offer["error-reason"].c_str());
      }
      if (t1 && t2) {
        b.dst = *t1;  // offer's SDP goes to B: where B sends
        a.dst = *t2;  // answer's SDP goes to A: where A sends
        a.ready = b.ready = true;
        ++established;
      } else {
        ++failed;
        ++failures[0];
      }
    }
  } else {
    if (opt.password.empty()) fail("--sip needs --password");
    sip = std::make_unique<SipAgent>(opt);
    sip->register_uas();
    sip->setup(n, a_eps, b_eps);
    int started = 0;
    int64_t deadline = setup_start + static_cast<int64_t>(n * 1e9 / opt.setup_rate) + 20'000 * kMs;
    while (now_ns() < deadline) {
      int64_t now = now_ns();
      while (started < n && setup_start + started * gap <= now) sip->start_call(started++, now);
      sip->poll(now);
      if (started == n) {
        int open = 0;
        for (auto& c : sip->uac_) open += c.state == CallState::inviting;
        if (open == 0) break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    for (auto& c : sip->uac_) {
      if (c.state == CallState::established) {
        ++established;
      } else {
        ++failed;
        ++failures[c.state == CallState::failed ? c.status : 0];
        if (c.status == 503) ++shed;
      }
    }
    // B-side endpoints that never got an INVITE (the B2BUA failed the call) do not send.
  }
  const double setup_s = static_cast<double>(now_ns() - setup_start) / 1e9;
  std::printf("setup: %d calls in %.1f s: %d established, %d failed", n, setup_s, established, failed);
  for (auto& [code, count] : failures) std::printf(" [%s: %d]", code ? std::to_string(code).c_str() : "no answer", count);
  std::printf("\n");
  std::fflush(stdout);

  // ---- streaming ----
  std::vector<int> active;
  for (size_t i = 0; i < endpoints.size(); ++i)
    if (endpoints[i].ready) active.push_back(static_cast<int>(i));
  for (size_t k = 0; k < active.size(); ++k)
    endpoints[active[k]].offset = static_cast<int64_t>(k) * kPeriod / static_cast<int64_t>(std::max<size_t>(1, active.size()));
  Timeline tl;
  tl.start = now_ns() + 200 * kMs;
  tl.measure_from = tl.start + static_cast<int64_t>(opt.warmup * 1e9);
  tl.stop_sending = tl.measure_from + static_cast<int64_t>(opt.duration * 1e9);
  tl.stop_receiving = tl.stop_sending + 500 * kMs;
  std::vector<std::vector<int>> parts(opt.threads);
  for (size_t i = 0; i < endpoints.size(); ++i) parts[i % opt.threads].push_back(static_cast<int>(i));
  std::vector<Stats> stats(opt.threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < opt.threads; ++t)
    workers.emplace_back(stream_thread, std::cref(parts[t]), std::cref(tl), std::cref(opt), std::ref(stats[t]));

  // The main thread keeps SIP answered and reads the relay's CPU at the window's ends.
  double cpu0 = -1, cpu1 = -1, self0 = 0, self1 = 0;
  long rss = 0;
  int64_t window0 = 0, window1 = 0;
  while (true) {
    int64_t now = now_ns();
    if (cpu0 < 0 && now >= tl.measure_from) {
      window0 = now;
      cpu0 = opt.server_pid ? proc_cpu_seconds(opt.server_pid) : 0;
      self0 = self_cpu_seconds();
    }
    if (cpu1 < 0 && now >= tl.stop_sending) {
      window1 = now;
      cpu1 = opt.server_pid ? proc_cpu_seconds(opt.server_pid) : 0;
      self1 = self_cpu_seconds();
      rss = opt.server_pid ? proc_rss_kb(opt.server_pid) : 0;
    }
    if (now >= tl.stop_receiving) break;
    if (sip) sip->poll(now);
    std::this_thread::sleep_for(std::chrono::milliseconds(sip ? 2 : 10));
  }
  for (auto& w : workers) w.join();

  // ---- teardown ----
  int64_t td_start = now_ns();
  int bye_ok = 0, bye_lost = 0;
  if (sip) {
    int next = 0;
    int64_t deadline = td_start + static_cast<int64_t>(n * 1e9 / opt.setup_rate) + 20'000 * kMs;
    while (now_ns() < deadline) {
      int64_t now = now_ns();
      while (next < n && td_start + next * gap <= now) sip->send_bye(next++, now);
      sip->poll(now);
      if (next == n) {
        int open = 0;
        for (auto& c : sip->uac_) open += c.state == CallState::bye_sent;
        if (open == 0) break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    for (int64_t until = now_ns() + 1000 * kMs; now_ns() < until;) {  // late BYEs to the callee
      sip->poll(now_ns());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    sip->register_uas(0);
    for (auto& c : sip->uac_) bye_ok += c.state == CallState::done;
    bye_lost = static_cast<int>(sip->bye_timeouts);
    for (auto& c : sip->uac_) bye_lost += c.state == CallState::bye_sent;
  } else {
    for (int i = 0; i < n; ++i) {
      if (!endpoints[a_eps[i]].ready) continue;
      auto r = ng_request(ng_fd, opt.server,
                          bdict({{"command", bstr("delete")},
                                 {"call-id", bstr("rl" + std::to_string(i) + "-" + std::to_string(getpid()))},
                                 {"from-tag", bstr("a" + std::to_string(i))}}));
      if (r["result"] == "ok") ++bye_ok; else ++bye_lost;
    }
  }

  // ---- report ----
  Stats total;
  total.by_sender.assign(endpoints.size(), 0);
  for (auto& s : stats) {
    total.sent += s.sent;
    total.received += s.received;
    total.late += s.late;
    total.foreign += s.foreign;
    total.recv_errors += s.recv_errors;
    total.send_errors += s.send_errors;
    total.max_delay = std::max(total.max_delay, s.max_delay);
    total.max_lag = std::max(total.max_lag, s.max_lag);
    for (size_t b = 0; b < total.hist.size(); ++b) total.hist[b] += s.hist[b];
    for (size_t e = 0; e < s.by_sender.size(); ++e) total.by_sender[e] += s.by_sender[e];
  }
  auto percentile = [&](double q) {
    uint64_t want = static_cast<uint64_t>(q * static_cast<double>(total.received)), seen = 0;
    for (size_t b = 0; b < total.hist.size(); ++b) {
      seen += total.hist[b];
      if (seen > want) return static_cast<double>(b) / 10.0;
    }
    return 200.0;
  };
  int streams = static_cast<int>(active.size()), streams_with_loss = 0;
  // A stream's packets are counted at its sender; expected = measured packets per stream.
  const uint64_t per_stream = streams ? total.sent / static_cast<uint64_t>(streams) : 0;
  for (int e : active)
    if (total.by_sender[e] + 1 < per_stream) ++streams_with_loss;  // +1: a packet in flight at a boundary
  const double window = static_cast<double>(window1 - window0) / 1e9;
  const uint64_t lost = total.sent > total.received ? total.sent - total.received : 0;
  const double loss_pct = total.sent ? 100.0 * static_cast<double>(lost) / static_cast<double>(total.sent) : 100.0;
  const double server_cpu = cpu1 - cpu0;
  const double pps = window > 0 ? static_cast<double>(total.received) / window : 0;
  const double cpu_pct = window > 0 ? 100.0 * server_cpu / window : 0;
  const double us_per_pkt = total.received ? 1e6 * server_cpu / static_cast<double>(total.received) : 0;
  const double per_call = established ? cpu_pct / established : 0;
  const double projected = per_call > 0 ? 200.0 / per_call : 0;
  // Delays at or past 200 ms print as 200.0 (the histogram's last bin); the max is exact.
  std::printf("media: %d streams, %.1f s measured: sent %" PRIu64 ", received %" PRIu64 ", lost %" PRIu64
              " (%.4f%%), %d streams with loss, late (> %.0f ms) %" PRIu64 ", one-way delay p50 %.1f ms p99 %.1f ms max %.1f ms\n",
              streams, window, total.sent, total.received, lost, loss_pct, streams_with_loss, opt.late_ms, total.late,
              percentile(0.5), percentile(0.99), static_cast<double>(total.max_delay) / 1e6);
  std::printf("generator: CPU %.0f%%, send lag max %.1f ms, send errors %" PRIu64 ", foreign packets %" PRIu64
              "; teardown: %d ok, %d without answer\n",
              window > 0 ? 100.0 * (self1 - self0) / window : 0, static_cast<double>(total.max_lag) / 1e6, total.send_errors,
              total.foreign, bye_ok, bye_lost);
  if (opt.server_pid)
    std::printf("relay: CPU %.1f s = %.1f%%, RSS %ld kB, %.0f packets/s relayed, %.2f us CPU per relayed packet\n", server_cpu,
                cpu_pct, rss, pps, us_per_pkt);
  std::printf("RESULT mode=%s calls=%d established=%d setup_failed=%d shed503=%d streams=%d sent=%" PRIu64
              " received=%" PRIu64 " lost=%" PRIu64 " loss_pct=%.4f late=%" PRIu64
              " delay_p50_ms=%.1f delay_p99_ms=%.1f delay_max_ms=%.1f window_s=%.2f pps=%.0f"
              " server_cpu_s=%.2f server_cpu_pct=%.1f server_rss_kb=%ld cpu_us_per_pkt=%.3f projected_2core=%.0f"
              " gen_cpu_pct=%.0f send_lag_max_ms=%.1f teardown_ok=%d teardown_failed=%d\n",
              opt.mode.c_str(), n, established, failed, shed, streams, total.sent, total.received, lost, loss_pct,
              total.late, percentile(0.5), percentile(0.99), static_cast<double>(total.max_delay) / 1e6, window, pps,
              server_cpu, cpu_pct, rss, us_per_pkt, projected, window > 0 ? 100.0 * (self1 - self0) / window : 0,
              static_cast<double>(total.max_lag) / 1e6, bye_ok, bye_lost);
  return 0;
}
