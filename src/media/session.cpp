#include "session.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <algorithm>
#include <cstdio>
#include <random>

#include "hotline/core/error.hpp"

namespace hotline::media {
namespace asio = boost::asio;

namespace {
// RFC 7022: a random CNAME per session, nothing that identifies the host or the caller.
// Seeded once per thread: std::random_device opens /dev/urandom on every
// construction, which showed up at 7 % of the daemon's CPU at 300 calls/s.
std::uint32_t random32() {
  thread_local std::mt19937 engine{std::random_device{}()};
  return static_cast<std::uint32_t>(engine());
}

std::string random_cname() {
  char text[24];
  std::snprintf(text, sizeof text, "%08x%08x", random32(), random32());
  return text;
}
}  // namespace

SessionImpl::SessionImpl(std::shared_ptr<MediaThread> thread, std::shared_ptr<PortPool> pool, asio::ip::address address,
                         std::chrono::milliseconds rtcp_interval, MediaMetrics& metrics, WebRtcSetup webrtc)
    : thread_(std::move(thread)),
      pool_(std::move(pool)),
      address_(address),
      rtcp_interval_(rtcp_interval),
      metrics_(metrics),
      webrtc_(std::move(webrtc)),
      cname_(random_cname()) {
  metrics_.sessions.add(1);
}

SessionImpl::~SessionImpl() {
  // Nothing else refers to the session now, so legs_ can be read here; the
  // legs' sockets belong to the media thread, so they are closed there.
  if (closed_) return;
  metrics_.sessions.add(-1);
  if (!legs_.empty() || recording_ || mix_ || !messages_.empty()) {
    // The recording's, the mix's and the messages' clock subscriptions are the media thread's too.
    asio::post(thread_->io(), [thread = thread_, legs = std::move(legs_), recording = std::move(recording_),
                               mix = std::move(mix_), messages = std::move(messages_)]() mutable {
      for (auto& [id, message] : messages) message.second->stop(MessageEnd::hangup);
      messages.clear();
      mix.reset();
      for (const auto& leg : legs) leg->close();
      if (recording) --thread->counters().recordings;
      recording.reset();
    });
  }
}

template <class Job>
void SessionImpl::on_media_thread(Job job) {
  // After Engine::stop nothing runs there any more: the job (and its callback) is dropped.
  if (thread_->stopped()) return;
  asio::post(thread_->io(), [self = shared_from_this(), job = std::move(job)]() mutable { job(*self); });
}

Leg* SessionImpl::find(LegId id) const {
  for (const auto& leg : legs_) {
    if (leg->id() == id) return leg.get();
  }
  return nullptr;
}

std::shared_ptr<Leg> SessionImpl::make_leg(LegId id) {
  if (close_requested_.load() || thread_->stopped()) throw Error(Errc::unavailable, "media session is closed");
  return std::make_shared<Leg>(id, thread_->io(), pool_, address_, thread_->counters(), thread_->clock(), cname_,
                               rtcp_interval_);
}

void SessionImpl::adopt(std::shared_ptr<Leg> leg) {
  on_media_thread([leg = std::move(leg)](SessionImpl& self) {
    if (self.closed_) {
      leg->close();
      return;
    }
    self.legs_.push_back(leg);
    leg->start(leg);
  });
}

Session::NewLeg SessionImpl::add_leg() {
  auto leg = make_leg(next_leg_id_++);
  const NewLeg made{leg->id(), leg->local_port()};
  adopt(std::move(leg));
  return made;
}

Session::NewWebRtcLeg SessionImpl::add_webrtc_leg(WebRtcStateHandler on_state) {
  if (!webrtc_.dtls) throw Error(Errc::unavailable, "this media engine has no DTLS certificate");
  auto leg = make_leg(next_leg_id_++);
  auto credentials = webrtc::random_ice_credentials();
  NewWebRtcLeg made{leg->id(), leg->local_port(),
                    WebRtcLocal{credentials.ufrag, credentials.pwd, webrtc_.dtls->identity().fingerprint(),
                                leg->output_ssrc(), cname_}};
  webrtc::Transport::Options options;
  options.consent_timeout = webrtc_.consent_timeout;
  leg->enable_webrtc(webrtc_.dtls, std::move(credentials), options, std::move(on_state));
  adopt(std::move(leg));
  return made;
}

void SessionImpl::set_webrtc_remote(LegId id, WebRtcRemote remote, LegCodec codec) {
  on_media_thread([id, remote = std::move(remote), codec](SessionImpl& self) {
    if (Leg* leg = self.find(id)) leg->set_webrtc_remote(remote, codec);
  });
}

void SessionImpl::webrtc_state(LegId id, std::function<void(WebRtcState)> done) {
  on_media_thread([id, done = std::move(done)](SessionImpl& self) {
    const Leg* leg = self.find(id);
    done(leg ? leg->webrtc_state() : WebRtcState{});
  });
}

void SessionImpl::set_remote(LegId id, std::string address, std::uint16_t port, LegCodec codec) {
  on_media_thread([id, address = std::move(address), port, codec](SessionImpl& self) {
    if (Leg* leg = self.find(id)) leg->set_remote(address, port, codec);
  });
}

void SessionImpl::set_flow(LegId id, Flow flow) {
  on_media_thread([id, flow](SessionImpl& self) {
    if (Leg* leg = self.find(id)) leg->set_flow(flow);
  });
}

void SessionImpl::detach_partners(Leg& leg) {
  for (const auto& other : legs_) {
    if (other.get() != &leg && other->target() == &leg) other->route_to(nullptr);
  }
}

void SessionImpl::bridge(LegId a, LegId b) {
  on_media_thread([a, b](SessionImpl& self) {
    Leg* first = self.find(a);
    Leg* second = self.find(b);
    if (!first || !second) {
      spdlog::warn("event=media.bridge_unknown_leg a={} b={}", a, b);
      return;
    }
    self.detach_partners(*first);
    self.detach_partners(*second);
    first->route_to(second);
    second->route_to(first);
  });
}

void SessionImpl::echo(LegId id) {
  on_media_thread([id](SessionImpl& self) {
    if (Leg* leg = self.find(id)) {
      self.detach_partners(*leg);
      leg->route_to(leg);
    }
  });
}

void SessionImpl::isolate(LegId id) {
  on_media_thread([id](SessionImpl& self) {
    if (Leg* leg = self.find(id)) {
      self.detach_partners(*leg);
      leg->route_to(nullptr);
    }
  });
}

void SessionImpl::play(LegId id, std::vector<AudioPtr> clips, PlayOptions options, PlayDone done) {
  on_media_thread([id, clips = std::move(clips), options, done = std::move(done)](SessionImpl& self) mutable {
    Leg* leg = self.find(id);
    if (!leg) {
      if (done) done(PlayEnd::stopped, 0);
      return;
    }
    leg->play(std::move(clips), options, std::move(done));
  });
}

void SessionImpl::stop_playing(LegId id) {
  on_media_thread([id](SessionImpl& self) {
    if (Leg* leg = self.find(id)) leg->stop_playing();
  });
}

void SessionImpl::watch_digits(LegId id, DigitHandler on_digit) {
  on_media_thread([id, on_digit = std::move(on_digit)](SessionImpl& self) mutable {
    if (Leg* leg = self.find(id)) leg->watch_digits(std::move(on_digit));
  });
}

void SessionImpl::digit_from_signalling(LegId id, DtmfEvent event) {
  on_media_thread([id, event](SessionImpl& self) {
    if (Leg* leg = self.find(id)) leg->digit_from_signalling(event);
  });
}

void SessionImpl::send_digits(LegId id, std::string digits) {
  on_media_thread([id, digits = std::move(digits)](SessionImpl& self) {
    if (Leg* leg = self.find(id)) leg->send_digits(digits);
  });
}

void SessionImpl::record(LegId citizen, RecordingWriter& writer, RecordingInfo info) {
  on_media_thread([citizen, &writer, info = std::move(info)](SessionImpl& self) mutable {
    Leg* leg = self.find(citizen);
    if (!leg || self.recording_ || self.closed_) return;
    const auto id = writer.open(std::move(info));
    if (!id) return;  // the writer is stopping
    self.recording_ = std::make_unique<CallRecording>(self.thread_->clock(), writer, id);
    ++self.thread_->counters().recordings;
    leg->set_recording(self.recording_.get());
  });
}

void SessionImpl::record_message(LegId id, MessageOptions options, MessageDone done) {
  on_media_thread([id, options, done = std::move(done)](SessionImpl& self) mutable {
    Leg* leg = self.find(id);
    if (!leg) {
      if (done) done(MessageEnd::hangup, std::make_shared<Audio>());
      return;
    }
    self.messages_.erase(id);  // a new message replaces one in progress (which ends "stopped")
    const auto serial = ++self.message_serial_;
    auto finished = [weak = self.weak_from_this(), id, serial, done = std::move(done)](
                        MessageEnd end, std::shared_ptr<const Audio> audio) {
      if (auto s = weak.lock()) {
        if (Leg* l = s->find(id)) l->set_audio_tap(nullptr);
        // Erased later, not from inside its own callback; and only if no newer message took its place.
        asio::post(s->thread_->io(), [s, id, serial] {
          auto it = s->messages_.find(id);
          if (it != s->messages_.end() && it->second.first == serial) s->messages_.erase(it);
        });
      }
      if (done) done(end, std::move(audio));
    };
    auto recorder = std::make_unique<MessageRecorder>(self.thread_->clock(), options, std::move(finished));
    leg->set_audio_tap([r = recorder.get()](std::span<const std::int16_t> samples, std::uint32_t, std::uint32_t) {
      r->hear(samples);
    });
    self.messages_[id] = {serial, std::move(recorder)};
  });
}

void SessionImpl::stop_message(LegId id) {
  on_media_thread([id](SessionImpl& self) {
    auto it = self.messages_.find(id);
    if (it != self.messages_.end()) it->second.second->stop(MessageEnd::stopped);
  });
}

Mix& SessionImpl::mix() {
  if (!mix_) mix_ = std::make_unique<Mix>(thread_->clock());
  return *mix_;
}

void SessionImpl::conference(LegId id) {
  on_media_thread([id](SessionImpl& self) {
    Leg* leg = self.find(id);
    if (!leg) return;
    self.detach_partners(*leg);
    leg->route_to(nullptr);
    self.mix().add(*leg, true);
  });
}

void SessionImpl::supervise(LegId supervisor, LegId agent, LegId citizen, Supervision mode) {
  on_media_thread([=](SessionImpl& self) {
    Leg* s = self.find(supervisor);
    Leg* a = self.find(agent);
    Leg* c = self.find(citizen);
    if (!s || !a || !c) {
      spdlog::warn("event=media.supervise_unknown_leg supervisor={} agent={} citizen={}", supervisor, agent, citizen);
      return;
    }
    for (Leg* leg : {s, a, c}) {
      self.detach_partners(*leg);
      leg->route_to(nullptr);
      self.mix().add(*leg, false);
    }
    self.mix().supervise(supervisor, agent, citizen, mode);
  });
}

void SessionImpl::leave_mix(LegId id) {
  on_media_thread([id](SessionImpl& self) {
    if (self.mix_) self.mix_->remove(id);
  });
}

void SessionImpl::remove_legs(std::vector<LegId> ids, std::function<void(StatsList)> done) {
  on_media_thread([ids = std::move(ids), done = std::move(done)](SessionImpl& self) {
    StatsList stats;
    for (LegId id : ids) {
      auto it = std::find_if(self.legs_.begin(), self.legs_.end(), [id](const auto& l) { return l->id() == id; });
      if (it == self.legs_.end()) continue;
      Leg& leg = **it;
      if (self.mix_) self.mix_->remove(id);
      self.detach_partners(leg);
      if (self.recording_ && leg.recording() == self.recording_.get()) {
        --self.thread_->counters().recordings;
        self.recording_.reset();
      }
      stats.emplace_back(id, leg.close());
      self.legs_.erase(it);
    }
    if (done) done(std::move(stats));
  });
}

void SessionImpl::close_now() {
  if (closed_) return;
  closed_ = true;
  mix_.reset();  // before the legs: it sends to them
  for (auto& [id, message] : messages_) message.second->stop(MessageEnd::hangup);
  for (const auto& leg : legs_) final_stats_.emplace_back(leg->id(), leg->close());
  if (recording_) --thread_->counters().recordings;
  recording_.reset();  // after the legs: they hold a pointer to it
  // The receive handlers still hold the legs until their cancellations run.
  legs_.clear();
  metrics_.sessions.add(-1);
  thread_->flush_counters();
}

void SessionImpl::close(std::function<void(std::vector<std::pair<LegId, LegStats>>)> done) {
  close_requested_ = true;
  on_media_thread([done = std::move(done)](SessionImpl& self) {
    self.close_now();
    if (done) done(self.final_stats_);
  });
}

void SessionImpl::stats(LegId id, std::function<void(LegStats)> done) {
  on_media_thread([id, done = std::move(done)](SessionImpl& self) {
    if (Leg* leg = self.find(id)) return done(leg->stats());
    for (const auto& [closed_id, stats] : self.final_stats_) {
      if (closed_id == id) return done(stats);
    }
    done(LegStats{});
  });
}

}  // namespace hotline::media
