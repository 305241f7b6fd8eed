#include "daemon.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <thread>

#include "hotline/acd/service.hpp"
#include "hotline/api/api.hpp"
#include "hotline/api/server.hpp"
#include "hotline/api/tickets.hpp"
#include "hotline/api/ws_hub.hpp"
#include "hotline/auth/audit.hpp"
#include "hotline/auth/crypto.hpp"
#include "hotline/auth/sessions.hpp"
#include "hotline/auth/users.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"
#include "hotline/core/version.hpp"
#include "hotline/ivr/library.hpp"
#include "hotline/ivr/schedule.hpp"
#include "hotline/media/engine.hpp"
#include "hotline/ivr/services.hpp"
#include "hotline/ivr/watcher.hpp"
#include "hotline/media/audio_files.hpp"
#include "hotline/media/prompts.hpp"
#include "hotline/media/recording_writer.hpp"
#include "hotline/media/tts_engine.hpp"
#include "hotline/pbx/calls.hpp"
#include "hotline/pbx/cdr.hpp"
#include "hotline/pbx/sip_accounts.hpp"
#include "hotline/recordings/recordings.hpp"
#include "hotline/sip/endpoint.hpp"
#include "hotline/sip/transport.hpp"
#include "hotline/store/backup.hpp"
#include "hotline/store/store.hpp"
#include "hotline/tickets/scheduler.hpp"
#include "hotline/tickets/services.hpp"

namespace hotline {
namespace {

namespace asio = boost::asio;

constexpr auto kDrainLimit = std::chrono::seconds(10);
constexpr auto kConsoleCloseGrace = std::chrono::seconds(1);
constexpr auto kSessionPurgeInterval = std::chrono::minutes(10);

// Thousands of consoles and phones each hold a socket.
void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

void write_secret_file(const std::filesystem::path& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(Errc::unavailable, "cannot write " + path.string());
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::fchmod(fd, 0600);
  ::close(fd);
  if (!ok) throw Error(Errc::unavailable, "cannot write " + path.string());
}

// A repeating timer on the io_context; the pending wait owns it, so it lives
// until the io_context stops.
class Ticker : public std::enable_shared_from_this<Ticker> {
 public:
  Ticker(asio::io_context& io, std::chrono::milliseconds period, std::function<void()> tick)
      : timer_(io), period_(period), tick_(std::move(tick)) {}
  void arm() {
    timer_.expires_after(period_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      self->tick_();
      self->arm();
    });
  }

 private:
  asio::steady_timer timer_;
  std::chrono::milliseconds period_;
  std::function<void()> tick_;
};

void every(asio::io_context& io, std::chrono::milliseconds period, std::function<void()> tick) {
  std::make_shared<Ticker>(io, period, std::move(tick))->arm();
}

media::MediaConfig media_config_from(const RtpConfig& rtp, const std::filesystem::path& data_dir) {
  media::MediaConfig m;
  m.address = rtp.address;
  m.port_min = rtp.port_min;
  m.port_max = rtp.port_max;
  m.threads = rtp.threads;
  m.dtls_dir = data_dir;  // var/dtls-cert.pem: the DTLS certificate browsers pin, kept across restarts
  return m;
}

sip::RegistrarConfig registrar_config_from(const SipConfig& sip) {
  sip::RegistrarConfig r;
  r.realm = sip.realm;
  r.algorithms.clear();
  for (const auto& name : sip.digest_algorithms) {
    r.algorithms.push_back(name == "MD5" ? sip::DigestAlgorithm::md5 : sip::DigestAlgorithm::sha256);
  }
  r.min_expires = sip.register_min_expires;
  r.max_expires = sip.register_max_expires;
  r.default_expires = sip.register_max_expires;
  r.failures_before_ban = sip.auth_failures_before_ban;
  r.ban_seconds = sip.ban_seconds;
  r.max_requests_per_second = sip.max_requests_per_second;
  return r;
}

}  // namespace

void bootstrap_admin(const Config& config) {
  store::Database db(config.database_path(), store::OpenMode::read_write,
                     static_cast<int>(config.store.busy_timeout_ms));
  if (auth::count_users(db) > 0) return;
  const char* from_env = std::getenv("HOTLINE_ADMIN_PASSWORD");
  std::string password = from_env && *from_env ? std::string(from_env) : auth::random_password();
  auth::validate_password(password, config.auth.password_min_length);
  auth::NewUser admin{
      "admin", "系统管理员 Administrator", auth::hash_password(password), {auth::Role::admin}, std::nullopt, true};
  store::in_transaction(db, [&] {
    auto user = auth::insert_user(db, admin);
    auth::append_audit(db,
                       {std::nullopt, "system", "user.bootstrap", user.job_number,
                        from_env && *from_env ? R"({"password_source":"env"})" : R"({"password_source":"file"})", ""});
  });
  if (from_env && *from_env) {
    spdlog::info("event=auth.bootstrap user=admin password_source=HOTLINE_ADMIN_PASSWORD");
  } else {
    auto file = config.data_dir / "initial-admin-password";
    write_secret_file(file, password + "\n");
    spdlog::warn("event=auth.bootstrap user=admin password_file={} note=\"read it, log in, change it\"", file.string());
  }
}

int run_daemon(const Config& config) {
  std::filesystem::create_directories(config.data_dir);
  store::DataDirLock lock(config.data_dir / "hotlined.lock");
  raise_file_limit();
  std::signal(SIGPIPE, SIG_IGN);
  auth::init_crypto();

  Metrics metrics;
  store::Store store(config.database_path(), config.store, metrics);
  bootstrap_admin(config);
  auth::SessionCache sessions;
  api::CpuPool cpu("cpu", std::max(1u, std::thread::hardware_concurrency()),
                   [] { return std::make_unique<api::CpuContext>(); });
  api::WsHub hub(metrics);
  // Work orders: the caller-data key (DATA_DIR/caller.key, 0600), calendar and deadlines.
  tickets::Services ticket_services(config.tickets, tickets::load_or_create_key(config.data_dir));
  tickets::Scheduler ticket_scheduler(store, std::chrono::seconds(config.tickets.scheduler_interval_seconds),
                                      ticket_services.yellow_fraction,
                                      [&hub](const std::vector<tickets::Alert>& alerts) { api::push_alerts(hub, alerts); });
  ticket_services.scheduler = &ticket_scheduler;
  // Recordings: the writer thread (handed to the media side), the start-up
  // scan that repairs and indexes what a crash left, the daily purge.
  recordings::Service recordings(config, store, metrics, ticket_services.key);
  recordings.start();
  // TTS (espeak-ng on its own thread) and the prompts an admin recorded.
  media::TtsEngine tts(config.tts_cache_path(), metrics);
  tts.start();
  media::PromptLibrary prompts(config.prompts_path(), tts);
  // Prompts, music on hold: WAV files decoded once, off the io and media threads.
  media::AudioFiles audio_files(metrics);
  audio_files.start();
  // IVR flows: validated at load; an invalid file is logged and kept out
  // (its errors are shown by GET /api/v1/ivr/flows). Reloaded on SIGHUP and on file changes.
  ivr::ValidationContext flow_checks;
  flow_checks.prompts_dir = config.prompts_path();
  auto ivr_schedules = ivr::Schedules::from_config(config.ivr, config.tickets);
  flow_checks.schedules = ivr_schedules.names();
  ivr::FlowLibrary ivr_flows(config.ivr.flows_dir, flow_checks);
  ivr_flows.reload_all();
  // Edited, added or removed flow files are reloaded by themselves (inotify,
  // debounced; the "ivr-watch" thread validates them, as SIGHUP does).
  ivr::FlowWatcher ivr_flow_watcher(ivr_flows);
  api::ApiContext context{config, store, metrics, sessions, cpu, hub, now_ms()};
  context.tickets = &ticket_services;
  context.recordings = &recordings;
  context.prompts = &prompts;
  context.ivr_flows = &ivr_flows;
  api::Api api(context);
  metrics.gauge_fn("hotline_sessions_cached", "Login sessions held in memory.",
                   [&sessions] { return static_cast<double>(sessions.size()); });

  asio::io_context io;
  auto work = asio::make_work_guard(io);
  api::Server server(io, api);
  server.start();
  auto registrar_config = registrar_config_from(config.sip);
  sip::TransportConfig sip_config{config.sip.listen, {}, config.sip.tcp_idle_seconds, {}};
  sip_config.limits.max_message_bytes = config.sip.max_message_bytes;
  sip_config.tls = {config.sip.tls.enabled,     config.sip.tls.listen,  config.sip.tls.certificate,
                    config.sip.tls.private_key, config.sip.tls.ca_file, config.sip.tls.verify_peer};
  sip::Guard sip_guard(registrar_config, metrics);
  // Made after the endpoint, which it calls; the endpoint answers through it.
  std::optional<sip::Transport> sip_transport;
  auto lookup_account = [&store, &sip_transport](const std::string& username,
                                                 std::function<void(std::optional<sip::AccountSecrets>)> done) {
    auto read = [username](store::Database& db) { return pbx::sip_account_secrets(db, username); };
    store.read(std::move(read), asio::bind_executor(sip_transport->strand(),
                                                    [done = std::move(done)](std::exception_ptr e,
                                                                             std::optional<sip::AccountSecrets> s) {
                                                      if (e) spdlog::error("event=sip.account_lookup_failed");
                                                      done(e ? std::nullopt : std::move(s));
                                                    }));
  };
  sip::Registrar registrar(registrar_config, lookup_account, sip_guard, metrics, auth::random_password(32));
  sip::Endpoint sip_endpoint(metrics, sip_guard, registrar);
  sip::Timing sip_timing;
  sip_timing.overload_lag_ms = static_cast<int>(config.sip.overload_lag_ms);
  sip::TransactionLayer transactions(
      metrics, sip_timing, [&sip_endpoint](const sip::Message& m, const sip::Source& s) { return sip_endpoint.admit(m, s); });
  transactions.set_user(sip_endpoint);
  sip_endpoint.attach(transactions);
  sip_transport.emplace(io, sip_config, transactions, metrics);
  transactions.attach(*sip_transport);
  sip_transport->start();
  transactions.set_local({config.sip.listen.host, sip_transport->port(), sip_transport->tls_port()});

  media::Engine media_engine(media_config_from(config.rtp, config.data_dir), metrics);
  media_engine.start();
  auto write_record = [&store](pbx::CallRecord record) {
    auto job = [record = std::move(record)](store::Database& db) { return pbx::insert_call_record(db, record); };
    store.write(std::move(job), [](std::exception_ptr e, std::int64_t) {
      if (e) spdlog::error("event=cdr.write_failed");
    });
  };
  pbx::CallManager calls(config, sip_transport->strand(), transactions, registrar, media_engine, metrics, write_record);
  pbx::MediaServices media_services;
  media_services.audio = &audio_files;
  media_services.prompts = &prompts;
  media_services.recorder = config.recordings.enabled ? recordings.writer() : nullptr;
  if (!config.prompts.hold_music.empty()) media_services.hold_music = config.prompts_path() / config.prompts.hold_music;
  calls.use_media_services(std::move(media_services));
  // ivr:FLOW routes: the flows, the services their actions use (tickets, KB,
  // surveys, missed calls; completions come back on the SIP strand).
  ivr::StoreServices ivr_store_services(store, ticket_services, sip_transport->strand());
  pbx::IvrServices ivr_services;
  ivr_services.flows = &ivr_flows;
  ivr_services.services = &ivr_store_services;
  ivr_services.schedules = &ivr_schedules;
  ivr_services.prompts_dir = config.prompts_path();
  ivr_services.messages_dir = config.recordings_path() / "messages";
  calls.use_ivr(std::move(ivr_services));
  // The ACD: the router on its own strand; offers, overflows and
  // announcements reach calls on the SIP strand; consoles hear of agents and
  // queues over the WebSocket; a callback that failed for good becomes a
  // missed-call ticket.
  acd::Service acd_service(config, io.get_executor(), store, metrics, ticket_services.key);
  acd_service.on_notice([&hub](acd::Notice notice) { api::push_acd_notice(hub, notice); });
  acd_service.on_callback_given_up([&ivr_store_services](const acd::Entry& entry) {
    ivr::IvrTicket ticket;
    ticket.type = "other";
    ticket.caller_phone = entry.callback_number;
    ticket.summary = "排队回电未接通（已尝试" + std::to_string(entry.callback_attempts) + "次），请人工回访";
    ticket.call_id = entry.id;
    ticket.flow = "acd:" + entry.queue;
    ivr_store_services.create_ticket(ticket, [id = entry.id](ivr::ServiceStatus status, ivr::CreatedTicket created) {
      if (!status.ok) return spdlog::error("event=acd.missed_call_ticket_failed call={}", id);
      spdlog::info("event=acd.missed_call_ticket call={} ticket={}", id, created.number);
    });
  });
  calls.use_acd(acd_service);
  // Browser softphones: call.invite / call.state go to the page's own connection.
  calls.use_browser_push([&hub](const std::string& session, const std::string& method, const std::string& params) {
    api::push_to_session(hub, session, method, params);
  });
  // A phone that unregisters (or lets its registration expire) logs its agent out: device_lost.
  registrar.on_unregistered([&acd_service](const std::string& username) {
    acd_service.post([device = "extension:" + username](acd::Router& router, acd::Ms now) {
      for (const auto& a : router.agents()) {
        if (a.device == device && a.state != acd::AgentState::logged_out) router.device_lost(a.agent, now);
      }
    });
  });
  acd_service.start();
  context.acd = &acd_service;
  context.calls = &calls;
  context.sip_strand = sip_transport->strand();
  sip_endpoint.set_call_handler(calls);
  every(io, std::chrono::seconds(30),
        [&] { asio::post(sip_transport->strand(), [&registrar] { registrar.sweep(now_ms()); }); });
  // The wallboard's trunks and channels: counted on the SIP strand once a
  // second, pushed when they change (and every 5 s for wallboards just opened).
  auto last_use = std::make_shared<std::pair<pbx::ChannelUse, int>>();
  every(io, std::chrono::seconds(1), [&, last_use] {
    asio::post(sip_transport->strand(), [&, last_use] {
      auto use = calls.channel_use();
      if (use == last_use->first && ++last_use->second < 5) return;
      last_use->first = use;
      last_use->second = 0;
      api::push_channel_use(hub, use, config.calls.max_calls, config.trunks);
    });
  });
  spdlog::info("event=sip.listening address={}:{} udp=true tcp=true realm={}", config.sip.listen.host,
               sip_transport->port(), config.sip.realm);
  if (config.sip.tls.enabled)
    spdlog::info("event=sip.tls_listening address={}:{}", config.sip.tls.listen.host, sip_transport->tls_port());
  spdlog::info("event=rtp.ready address={} ports={}-{}", config.rtp.address, config.rtp.port_min, config.rtp.port_max);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signal_number) {
    if (ec) return;
    spdlog::info("event=daemon.stopping signal={}", signal_number);
    sd_notify(0, "STOPPING=1");
    server.begin_shutdown();
    // Calls end with a BYE (or CANCEL, or 503) before the SIP sockets close.
    asio::post(sip_transport->strand(), [&calls] { calls.hang_up_all(); });
    acd_service.stop();
    sip_transport->stop();
    auto started = std::chrono::steady_clock::now();
    auto deadline = started + kDrainLimit;
    every(io, std::chrono::milliseconds(20), [&, started, deadline] {
      // Requests in flight finish; consoles get a second to answer the close
      // frame, and one that does not answer is not waited for.
      bool consoles_done = hub.size() == 0 || std::chrono::steady_clock::now() - started > kConsoleCloseGrace;
      bool drained = server.in_flight() == 0 && consoles_done;
      if (!drained && std::chrono::steady_clock::now() < deadline) return;
      if (!drained)
        spdlog::warn("event=daemon.drain_timeout in_flight={} websockets={}", server.in_flight(), hub.size());
      work.reset();
      io.stop();
    });
  });

  // SIGHUP: reload the IVR flows (validated first; an invalid file keeps its running version).
  asio::signal_set reload_signal(io, SIGHUP);
  std::function<void()> wait_for_reload = [&] {
    reload_signal.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      spdlog::info("event=ivr.reload_requested by=SIGHUP");
      api::CpuPool::Job reload = [&ivr_flows](api::CpuContext&) { ivr_flows.reload_all(); };
      cpu.push(reload);
      wait_for_reload();
    });
  };
  wait_for_reload();

  std::uint64_t watchdog_usec = 0;
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0) {
    // Sent from an io thread: a stuck event loop stops the pings and systemd restarts us.
    every(io, std::chrono::milliseconds(watchdog_usec / 2000), [] { sd_notify(0, "WATCHDOG=1"); });
  }
  every(io, kSessionPurgeInterval, [&store, &io] {
    store.write([](store::Database& db) { return auth::purge_expired_sessions(db); },
                asio::bind_executor(io, [](std::exception_ptr e, int purged) {
                  if (e) return spdlog::warn("event=auth.session_purge_failed");
                  if (purged) spdlog::info("event=auth.sessions_purged count={}", purged);
                }));
  });

  ticket_scheduler.start();
  unsigned threads = config.http.threads ? config.http.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) {
    pool.emplace_back([&io, i] {
      std::string name = "io-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      io.run();
    });
  }
  sd_notifyf(0, "READY=1\nSTATUS=serving on %s\nMAINPID=%lu", server.local_endpoint().to_string().c_str(),
             static_cast<unsigned long>(getpid()));
  spdlog::info("event=daemon.ready version={} http={} data_dir={} io_threads={}", version(),
               server.local_endpoint().to_string(), config.data_dir.string(), threads);
  for (auto& t : pool) t.join();
  // The context outlives io: nothing in it may keep one of io's strands alive past io itself.
  context.sip_strand = {};
  context.calls = nullptr;
  context.acd = nullptr;

  ticket_scheduler.stop();
  media_engine.stop();
  audio_files.stop();  // its answers go to the SIP strand, which io still holds
  // After the media threads: no frame is queued any more; open recordings
  // are closed, checksummed and indexed before the store stops.
  recordings.stop();
  tts.stop();
  cpu.stop();
  store.stop();
  spdlog::info("event=daemon.stopped");
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace hotline
