// CPU cost of browser legs against plain RTP legs, in the real media engine.
//
// LEGS sessions, each with one leg that echoes (Session::echo): every leg
// receives 50 packets/s from its peer and sends 50 packets/s back, so its
// media thread does one receive and one send per packet as for a bridged
// call's leg. --mode plain: plain RTP legs, the peer a UDP socket. --mode
// webrtc: browser legs, the peer an in-process browser (its ICE check,
// DTLS client handshake, SRTP with the exported keys, a consent check every
// 5 s as browsers send). The peers all run on this program's main thread;
// only the engine's media threads ("media-N") are measured, from
// /proc/self/task/*/stat, over SECONDS after a warm-up.
//
// The cost per packet is the media threads' CPU over the packets the engine
// relayed (hotline_rtp_packets_relayed_total: each one received and sent
// once), so a peer that falls behind on a busy machine (its losses are
// reported too) does not distort it; CPU per leg is that cost at 50
// packets/s each way.
//
// Prints one line: RESULT mode=... legs=... seconds=... media_cpu_s=...
// relayed=... us_per_relayed_packet=... cpu_pct_per_leg=... sent=...
// received=... lost_pct=...
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "hotline/core/metrics.hpp"
#include "hotline/media/engine.hpp"
#include "webrtc/dtls_context.hpp"
#include "webrtc/dtls_session.hpp"
#include "webrtc/srtp_session.hpp"
#include "webrtc/stun.hpp"
#include "webrtc/transport.hpp"

using namespace hotline::media;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "webrtc-legs-bench: %s\n", why.c_str());
  std::exit(1);
}

double media_threads_cpu_seconds() {
  double ticks = 0;
  DIR* dir = ::opendir("/proc/self/task");
  if (!dir) die("cannot read /proc/self/task");
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string base = std::string("/proc/self/task/") + entry->d_name;
    std::ifstream comm(base + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name.rfind("media-", 0) != 0) continue;
    std::ifstream stat_file(base + "/stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 15; ++i) {  // state is field 3; utime 14, stime 15
      fields >> field;
      if (i == 14 || i == 15) ticks += std::stod(field);
    }
  }
  ::closedir(dir);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

struct Peer {
  int fd = -1;
  sockaddr_in leg{};
  std::uint16_t port = 0;
  Session::NewWebRtcLeg browser_leg{};
  std::unique_ptr<webrtc::DtlsSession> dtls;
  std::unique_ptr<webrtc::SrtpSession> srtp;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::uint8_t check_seed = 0;
};

void send_to_leg(const Peer& p, std::span<const std::uint8_t> bytes) {
  ::sendto(p.fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&p.leg), sizeof p.leg);
}

std::vector<std::uint8_t> binding_request(const Peer& p, bool nominate, std::uint8_t seed) {
  webrtc::TransactionId id{};
  id.fill(seed);
  id[0] = static_cast<std::uint8_t>(p.port);
  id[1] = static_cast<std::uint8_t>(p.port >> 8);
  std::array<std::uint8_t, 256> buffer{};
  webrtc::StunBuilder b(buffer, webrtc::kStunBinding, webrtc::StunClass::request, id);
  b.add_string(webrtc::stun_attribute::username, p.browser_leg.local.ice_ufrag + ":brws");
  b.add_u32(webrtc::stun_attribute::priority, 0x6e7f1eff);
  b.add_u64(webrtc::stun_attribute::ice_controlling, 0x0102030405060708ull);
  if (nominate) b.add_flag(webrtc::stun_attribute::use_candidate);
  b.add_message_integrity(webrtc::as_bytes(p.browser_leg.local.ice_pwd));
  b.add_fingerprint();
  const auto bytes = b.finish();
  return {bytes.begin(), bytes.end()};
}

// Blocking receive with a deadline (set-up only).
std::optional<std::vector<std::uint8_t>> receive(int fd, int timeout_ms) {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::vector<std::uint8_t> buffer(4096);
  const auto n = ::recv(fd, buffer.data(), buffer.size(), 0);
  if (n < 0) return std::nullopt;
  buffer.resize(static_cast<std::size_t>(n));
  return buffer;
}

// The browser's side of one leg: ICE check, DTLS handshake as client, SRTP keys.
void connect_browser(Peer& p, const webrtc::DtlsContext& browser_context) {
  const auto check = binding_request(p, true, ++p.check_seed);
  send_to_leg(p, check);
  const auto answer = receive(p.fd, 2000);
  if (!answer || webrtc::classify(*answer) != webrtc::PacketKind::stun) die("no answer to the ICE check");
  p.dtls = std::make_unique<webrtc::DtlsSession>(browser_context, webrtc::DtlsSession::Role::client,
                                                 p.browser_leg.local.fingerprint);
  p.dtls->start();
  for (int round = 0; round < 20 && p.dtls->state() == webrtc::DtlsSession::State::handshaking; ++round) {
    for (const auto& d : p.dtls->take_outgoing()) send_to_leg(p, d);
    if (const auto d = receive(p.fd, 1000)) {
      if (webrtc::classify(*d) == webrtc::PacketKind::dtls) p.dtls->receive(*d);
    } else {
      p.dtls->handle_timeout();
    }
  }
  for (const auto& d : p.dtls->take_outgoing()) send_to_leg(p, d);
  if (p.dtls->state() != webrtc::DtlsSession::State::connected) die("DTLS handshake failed: " + p.dtls->failure());
  p.srtp = std::make_unique<webrtc::SrtpSession>(*p.dtls->keys());
}

struct Options {
  std::string mode = "webrtc";
  int legs = 200;
  int seconds = 60;
  int warmup = 3;
  unsigned media_threads = 1;
  std::uint16_t port_min = 30000;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--mode") {
      o.mode = value;
    } else if (key == "--legs") {
      o.legs = std::stoi(value);
    } else if (key == "--seconds") {
      o.seconds = std::stoi(value);
    } else if (key == "--warmup") {
      o.warmup = std::stoi(value);
    } else if (key == "--media-threads") {
      o.media_threads = static_cast<unsigned>(std::stoi(value));
    } else if (key == "--port-min") {
      o.port_min = static_cast<std::uint16_t>(std::stoi(value));
    } else {
      die("unknown option " + key);
    }
  }
  if (o.mode != "webrtc" && o.mode != "plain") die("--mode is webrtc or plain");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  const bool browser = options.mode == "webrtc";
  spdlog::set_level(spdlog::level::warn);  // no line per leg set-up
  hotline::Metrics metrics;
  MediaConfig config;
  config.address = "127.0.0.1";
  config.port_min = options.port_min;
  config.port_max = static_cast<std::uint16_t>(options.port_min + 4 * options.legs + 100);
  config.threads = options.media_threads;
  Engine engine(config, metrics);
  engine.start();
  const webrtc::DtlsContext browser_context(webrtc::DtlsIdentity::generate());

  std::vector<std::shared_ptr<Session>> sessions;
  std::vector<Peer> peers(static_cast<std::size_t>(options.legs));
  const int epoll = ::epoll_create1(0);
  const auto setup_started = Clock::now();
  for (std::size_t i = 0; i < peers.size(); ++i) {
    Peer& p = peers[i];
    p.fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    const int buffer_bytes = 1 << 20;  // the peers' thread may be descheduled for a while on a shared machine
    ::setsockopt(p.fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
    sockaddr_in self = loopback(0);
    if (::bind(p.fd, reinterpret_cast<sockaddr*>(&self), sizeof self) != 0) die("bind");
    socklen_t length = sizeof self;
    ::getsockname(p.fd, reinterpret_cast<sockaddr*>(&self), &length);
    p.port = ntohs(self.sin_port);
    p.ssrc = 0x10000u + static_cast<std::uint32_t>(i);
    auto session = engine.open_session();
    LegId id = 0;
    if (browser) {
      p.browser_leg = session->add_webrtc_leg(nullptr);
      id = p.browser_leg.id;
      p.leg = loopback(p.browser_leg.local_port);
      session->set_webrtc_remote(id,
                                 WebRtcRemote{"brws", "browserpassword0123456789",
                                              browser_context.identity().fingerprint(), DtlsSetup::actpass},
                                 LegCodec{0, -1});
    } else {
      const auto leg = session->add_leg();
      id = leg.id;
      p.leg = loopback(leg.local_port);
      session->set_remote(id, "127.0.0.1", p.port, LegCodec{0, -1});
    }
    session->echo(id);
    if (browser) connect_browser(p, browser_context);
    sessions.push_back(std::move(session));
    const int flags = ::fcntl(p.fd, F_GETFL);
    ::fcntl(p.fd, F_SETFL, flags | O_NONBLOCK);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, p.fd, &event);
  }
  const double setup_s = std::chrono::duration<double>(Clock::now() - setup_started).count();

  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t sent_counted = 0;
  std::uint64_t received_counted = 0;
  double media_cpu_start = 0;
  double process_cpu_start = 0;
  auto& relayed_counter = metrics.counter("hotline_rtp_packets_relayed_total", "");
  std::uint64_t relayed_start = 0;
  bool counting = false;
  std::vector<std::uint8_t> packet(12 + 160, 0xd5);
  std::array<std::uint8_t, 4096> in{};
  const auto start = Clock::now();
  const auto measure_from = start + std::chrono::seconds(options.warmup);
  const auto end = measure_from + std::chrono::seconds(options.seconds);
  auto next_tick = start;
  std::uint64_t tick = 0;
  std::uint64_t skipped_catch_ups = 0;
  std::array<epoll_event, 256> events{};
  while (true) {
    const auto now = Clock::now();
    if (!counting && now >= measure_from) {
      counting = true;
      media_cpu_start = media_threads_cpu_seconds();
      process_cpu_start = process_cpu_seconds();
      relayed_start = relayed_counter.value();
      sent_counted = sent;
      received_counted = received;
    }
    if (now >= end) break;
    if (now >= next_tick) {
      // One 20 ms frame from every peer; browsers also renew consent every 5 s (spread over the legs).
      for (std::size_t i = 0; i < peers.size(); ++i) {
        Peer& p = peers[i];
        packet[0] = 0x80;
        packet[1] = 0;
        packet[2] = static_cast<std::uint8_t>(p.sequence >> 8);
        packet[3] = static_cast<std::uint8_t>(p.sequence);
        for (int k = 0; k < 4; ++k) packet[4 + k] = static_cast<std::uint8_t>(p.timestamp >> (24 - 8 * k));
        for (int k = 0; k < 4; ++k) packet[8 + k] = static_cast<std::uint8_t>(p.ssrc >> (24 - 8 * k));
        ++p.sequence;
        p.timestamp += 160;
        if (browser) {
          std::array<std::uint8_t, 172 + webrtc::SrtpSession::kMaxTrailer> buffer{};
          std::copy(packet.begin(), packet.end(), buffer.begin());
          const auto size = p.srtp->protect_rtp(buffer, packet.size());
          if (!size) die("protect failed");
          send_to_leg(p, std::span(buffer.data(), *size));
          if ((tick + i) % 250 == 0) send_to_leg(p, binding_request(p, false, ++p.check_seed));
        } else {
          send_to_leg(p, packet);
        }
        ++sent;
      }
      ++tick;
      next_tick += std::chrono::milliseconds(20);
      // Behind (the machine is busy): real sources do not burst to catch up.
      if (Clock::now() - next_tick > std::chrono::milliseconds(100)) {
        next_tick = Clock::now() + std::chrono::milliseconds(20);
        ++skipped_catch_ups;
      }
    }
    // Always read what came back, even when behind on sending.
    const auto wait_ms =
        std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - Clock::now()).count());
    const int ready = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), static_cast<int>(wait_ms));
    for (int e = 0; e < ready; ++e) {
      Peer& p = peers[events[static_cast<std::size_t>(e)].data.u64];
      for (;;) {
        const auto n = ::recv(p.fd, in.data(), in.size(), 0);
        if (n <= 0) break;
        const std::span<std::uint8_t> datagram(in.data(), static_cast<std::size_t>(n));
        if (browser) {
          if (webrtc::classify(datagram) != webrtc::PacketKind::rtp) continue;  // STUN answers, SRTCP
          if (p.srtp->unprotect_rtp(datagram)) ++received;
        } else if (n >= 12 && in[1] < 192) {
          ++received;
        }
      }
    }
  }
  const double media_cpu = media_threads_cpu_seconds() - media_cpu_start;
  const auto relayed = relayed_counter.value() - relayed_start;  // flushed every second by the media thread
  const double process_cpu = process_cpu_seconds() - process_cpu_start;
  sent_counted = sent - sent_counted;
  const double expected = 50.0 * options.legs * options.seconds;
  received_counted = received - received_counted;
  const double us_per_relayed = relayed ? 1e6 * media_cpu / static_cast<double>(relayed) : 0.0;
  // Replies to packets sent just before the window count in it: never below 0.
  const double lost_pct =
      sent_counted ? std::max(0.0, 100.0 * (1.0 - static_cast<double>(received_counted) / static_cast<double>(sent_counted)))
                   : 0.0;
  std::printf(
      "RESULT mode=%s legs=%d seconds=%d media_threads=%u setup_s=%.2f media_cpu_s=%.2f relayed=%llu "
      "us_per_relayed_packet=%.2f cpu_pct_per_leg=%.4f process_cpu_s=%.2f sent=%llu send_rate_pct=%.1f received=%llu "
      "lost_pct=%.3f resyncs=%llu\n",
      options.mode.c_str(), options.legs, options.seconds, options.media_threads, setup_s, media_cpu,
      static_cast<unsigned long long>(relayed), us_per_relayed, us_per_relayed * 50 / 1e6 * 100, process_cpu,
      static_cast<unsigned long long>(sent_counted), 100.0 * static_cast<double>(sent_counted) / expected,
      static_cast<unsigned long long>(received_counted), lost_pct, static_cast<unsigned long long>(skipped_catch_ups));
  for (auto& session : sessions) session->close(nullptr);
  engine.stop();
  for (auto& p : peers) ::close(p.fd);
  ::close(epoll);
  return 0;
}
