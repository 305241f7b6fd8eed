#include "hotline/media/engine.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>
#include <mutex>
#include <thread>

#include "hotline/core/error.hpp"
#include "media_thread.hpp"
#include "port_pool.hpp"
#include "session.hpp"
#include "webrtc/dtls_context.hpp"
#include "webrtc/srtp_session.hpp"

namespace hotline::media {
namespace asio = boost::asio;

namespace {
asio::ip::address parse_address(const std::string& text) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(text, ec);
  if (ec) throw Error(Errc::invalid_argument, "rtp.address is not an IP address: " + text);
  return address;
}
}  // namespace

struct Engine::Impl {
  Impl(MediaConfig config, Metrics& metrics_registry)
      : config(std::move(config)),
        address(parse_address(this->config.address)),
        metrics(metrics_registry),
        pool(std::make_shared<PortPool>(this->config.port_min, this->config.port_max, &metrics.ports_in_use)) {
    if (pool->capacity() == 0) {
      throw Error(Errc::invalid_argument,
                  "rtp.ports holds no even/odd port pair: " + std::to_string(this->config.port_min) + ".." +
                      std::to_string(this->config.port_max));
    }
    const unsigned count =
        this->config.threads ? this->config.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < count; ++i) {
      threads.push_back(std::make_shared<MediaThread>("media-" + std::to_string(i), metrics));
    }
    auto identity = this->config.dtls_dir.empty() ? webrtc::DtlsIdentity::generate()
                                                   : webrtc::DtlsIdentity::load_or_create(this->config.dtls_dir);
    webrtc.dtls = std::make_shared<const webrtc::DtlsContext>(std::move(identity));
    webrtc::initialise_srtp();
    webrtc.consent_timeout = std::chrono::milliseconds(this->config.webrtc_consent_timeout_ms);
  }

  MediaConfig config;
  asio::ip::address address;
  MediaMetrics metrics;
  std::shared_ptr<PortPool> pool;
  std::vector<std::shared_ptr<MediaThread>> threads;
  SessionImpl::WebRtcSetup webrtc;
  std::atomic<std::size_t> next_thread{0};

  std::mutex mutex;  // lifecycle and the list of sessions, not the packet path
  bool stopped = false;
  std::vector<std::weak_ptr<SessionImpl>> sessions;
  std::size_t prune_at = 64;
};

Engine::Engine(MediaConfig config, Metrics& metrics) : impl_(std::make_unique<Impl>(std::move(config), metrics)) {}

Engine::~Engine() { stop(); }

void Engine::start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->stopped) throw Error(Errc::unavailable, "media engine was stopped");
  for (auto& thread : impl_->threads) thread->start();
  spdlog::info("event=media.started threads={} address={} ports={}..{} dtls_fingerprint={}", impl_->threads.size(),
               impl_->config.address, impl_->config.port_min, impl_->config.port_max, dtls_fingerprint().value);
}

void Engine::stop() {
  std::vector<std::weak_ptr<SessionImpl>> sessions;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
    sessions.swap(impl_->sessions);
  }
  // Closes queued before the threads are let go, so every socket is closed
  // on its own thread and every port is back before join returns.
  for (auto& weak : sessions) {
    if (auto session = weak.lock()) session->shut_down();
  }
  for (auto& thread : impl_->threads) thread->mark_stopped();
  for (auto& thread : impl_->threads) thread->join();
}

std::shared_ptr<Session> Engine::open_session() {
  const auto& thread = impl_->threads[impl_->next_thread++ % impl_->threads.size()];
  auto session = std::make_shared<SessionImpl>(
      thread, impl_->pool, impl_->address, std::chrono::milliseconds(impl_->config.rtcp_interval_ms), impl_->metrics,
      impl_->webrtc);
  std::lock_guard lock(impl_->mutex);
  if (impl_->stopped) throw Error(Errc::unavailable, "media engine is stopped");
  auto& sessions = impl_->sessions;
  if (sessions.size() >= impl_->prune_at) {
    std::erase_if(sessions, [](const auto& weak) { return weak.expired(); });
    impl_->prune_at = std::max<std::size_t>(64, 2 * sessions.size());
  }
  sessions.push_back(session);
  return session;
}

const std::string& Engine::address() const { return impl_->config.address; }
const DtlsFingerprint& Engine::dtls_fingerprint() const { return impl_->webrtc.dtls->identity().fingerprint(); }
std::size_t Engine::ports_in_use() const { return 2 * impl_->pool->in_use(); }
std::size_t Engine::ports_free() const { return 2 * impl_->pool->free(); }

}  // namespace hotline::media
