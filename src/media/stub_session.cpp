// First cut: sockets and ports only; the relay follows in leg.cpp.
#include <boost/asio.hpp>
#include <mutex>
#include <thread>

#include "hotline/core/error.hpp"
#include "hotline/media/engine.hpp"
#include "port_pool.hpp"

namespace hotline::media {
namespace asio = boost::asio;

namespace {

class StubSession final : public Session, public std::enable_shared_from_this<StubSession> {
 public:
  StubSession(asio::io_context& io, PortPool& pool, asio::ip::address address) : io_(io), pool_(pool), address_(address) {}
  NewLeg add_leg() override {
    auto sockets = std::make_unique<std::pair<asio::ip::udp::socket, asio::ip::udp::socket>>(io_, io_);
    std::uint16_t port = pool_.acquire([&](std::uint16_t p) {
      boost::system::error_code ec;
      sockets->first.open(address_.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4(), ec);
      if (!ec) sockets->first.bind({address_, p}, ec);
      if (!ec) sockets->second.open(address_.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4(), ec);
      if (!ec) sockets->second.bind({address_, static_cast<std::uint16_t>(p + 1)}, ec);
      if (ec) {
        sockets->first.close(ec);
        sockets->second.close(ec);
        return false;
      }
      return true;
    });
    std::lock_guard lock(mutex_);
    LegId id = static_cast<LegId>(legs_.size() + 1);
    legs_.push_back({port, std::move(sockets)});
    return {id, port};
  }
  void set_remote(LegId, std::string, std::uint16_t, LegCodec) override {}
  void set_flow(LegId, Flow) override {}
  void bridge(LegId, LegId) override {}
  void echo(LegId) override {}
  void isolate(LegId) override {}
  void close(std::function<void(std::vector<std::pair<LegId, LegStats>>)> done) override {
    asio::post(io_, [self = shared_from_this(), done = std::move(done)] {
      std::vector<std::pair<LegId, LegStats>> out;
      std::lock_guard lock(self->mutex_);
      LegId id = 1;
      for (auto& [port, sockets] : self->legs_) {
        sockets.reset();
        self->pool_.release(port);
        out.emplace_back(id++, LegStats{});
      }
      self->legs_.clear();
      if (done) done(std::move(out));
    });
  }
  void stats(LegId, std::function<void(LegStats)> done) override {
    asio::post(io_, [done = std::move(done)] { done(LegStats{}); });
  }

 private:
  asio::io_context& io_;
  PortPool& pool_;
  asio::ip::address address_;
  std::mutex mutex_;
  std::vector<std::pair<std::uint16_t, std::unique_ptr<std::pair<asio::ip::udp::socket, asio::ip::udp::socket>>>> legs_;
};

}  // namespace

struct Engine::Impl {
  MediaConfig config;
  PortPool pool;
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  std::atomic<std::size_t> next{0};
  Impl(MediaConfig c, Metrics& metrics)
      : config(std::move(c)),
        pool(config.port_min, config.port_max,
             &metrics.gauge("hotline_rtp_ports_in_use", "RTP and RTCP ports held by call legs")) {
    unsigned n = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) ios.push_back(std::make_unique<asio::io_context>(1));
  }
};

Engine::Engine(MediaConfig config, Metrics& metrics) : impl_(std::make_unique<Impl>(std::move(config), metrics)) {}
Engine::~Engine() { stop(); }

void Engine::start() {
  for (std::size_t i = 0; i < impl_->ios.size(); ++i) {
    impl_->guards.push_back(asio::make_work_guard(*impl_->ios[i]));
    impl_->threads.emplace_back([io = impl_->ios[i].get(), i] {
      std::string name = "media-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      io->run();
    });
  }
}

void Engine::stop() {
  impl_->guards.clear();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

std::shared_ptr<Session> Engine::open_session() {
  auto& io = *impl_->ios[impl_->next++ % impl_->ios.size()];
  return std::make_shared<StubSession>(io, impl_->pool, asio::ip::make_address(impl_->config.address));
}

const std::string& Engine::address() const { return impl_->config.address; }
std::size_t Engine::ports_in_use() const { return 2 * impl_->pool.in_use(); }
std::size_t Engine::ports_free() const { return 2 * impl_->pool.free(); }

}  // namespace hotline::media
