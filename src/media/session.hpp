#pragma once
// A call's media: its legs and who hears whom. All state lives on one media
// thread; the public methods post there (add_leg binds first, on the
// caller's thread, then posts the new leg over).
#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hotline/media/engine.hpp"
#include "call_recording.hpp"
#include "leg.hpp"
#include "message_recorder.hpp"
#include "mix.hpp"
#include "media_thread.hpp"
#include "port_pool.hpp"
#include "webrtc/dtls_context.hpp"

namespace hotline::media {

class SessionImpl final : public Session, public std::enable_shared_from_this<SessionImpl> {
 public:
  // Browser legs: the engine's DTLS context and the consent timeout.
  struct WebRtcSetup {
    std::shared_ptr<const webrtc::DtlsContext> dtls;
    std::chrono::milliseconds consent_timeout{30'000};
  };
  SessionImpl(std::shared_ptr<MediaThread> thread, std::shared_ptr<PortPool> pool, boost::asio::ip::address address,
              std::chrono::milliseconds rtcp_interval, MediaMetrics& metrics, WebRtcSetup webrtc);
  ~SessionImpl() override;

  NewLeg add_leg() override;
  NewWebRtcLeg add_webrtc_leg(WebRtcStateHandler on_state) override;
  void set_webrtc_remote(LegId leg, WebRtcRemote remote, LegCodec codec) override;
  void webrtc_state(LegId leg, std::function<void(WebRtcState)> done) override;
  void set_remote(LegId leg, std::string address, std::uint16_t port, LegCodec codec) override;
  void set_flow(LegId leg, Flow flow) override;
  void bridge(LegId a, LegId b) override;
  void echo(LegId leg) override;
  void isolate(LegId leg) override;
  void play(LegId leg, std::vector<AudioPtr> clips, PlayOptions options, PlayDone done) override;
  void stop_playing(LegId leg) override;
  void watch_digits(LegId leg, DigitHandler on_digit) override;
  void digit_from_signalling(LegId leg, DtmfEvent event) override;
  void send_digits(LegId leg, std::string digits) override;
  void record(LegId citizen, RecordingWriter& writer, RecordingInfo info) override;
  void record_message(LegId leg, MessageOptions options, MessageDone done) override;
  void stop_message(LegId leg) override;
  void conference(LegId leg) override;
  void supervise(LegId supervisor, LegId agent, LegId citizen, Supervision mode) override;
  void leave_mix(LegId leg) override;
  void remove_legs(std::vector<LegId> legs, std::function<void(StatsList)> done) override;
  void close(std::function<void(std::vector<std::pair<LegId, LegStats>>)> done) override;
  void stats(LegId leg, std::function<void(LegStats)> done) override;

  // The engine is stopping: close without anyone waiting for the result.
  void shut_down() { close(nullptr); }

 private:
  template <class Job>
  void on_media_thread(Job job);
  Leg* find(LegId id) const;
  std::shared_ptr<Leg> make_leg(LegId id);
  void adopt(std::shared_ptr<Leg> leg);
  // Whoever was routed to leg (a former partner) hears nothing from it any more.
  void detach_partners(Leg& leg);
  void close_now();

  std::shared_ptr<MediaThread> thread_;
  std::shared_ptr<PortPool> pool_;
  const boost::asio::ip::address address_;
  const std::chrono::milliseconds rtcp_interval_;
  MediaMetrics& metrics_;
  const WebRtcSetup webrtc_;
  const std::string cname_;
  std::atomic<LegId> next_leg_id_{1};
  std::atomic<bool> close_requested_{false};

  // Media thread only.
  std::vector<std::shared_ptr<Leg>> legs_;
  std::unique_ptr<CallRecording> recording_;
  std::unique_ptr<Mix> mix_;
  std::map<LegId, std::pair<std::uint64_t, std::unique_ptr<MessageRecorder>>> messages_;  // serial, recorder
  std::uint64_t message_serial_ = 0;
  Mix& mix();  // made on first use
  bool closed_ = false;
  std::vector<std::pair<LegId, LegStats>> final_stats_;
};

}  // namespace hotline::media
