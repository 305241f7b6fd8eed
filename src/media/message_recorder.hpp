#pragma once
// A message the caller leaves (mayor's mailbox, a complaint, a night-time
// message): the caller's decoded audio collected in memory on the media
// thread, ended by length, by silence after speech, or by whoever stops it
// (a key). The samples then go to the owner, who has them written to disk
// off the media thread. Two minutes are under 2 MB, so memory is fine.
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "frame_clock.hpp"
#include "hotline/media/engine.hpp"

namespace hotline::media {

class MessageRecorder {
 public:
  using Clock = std::chrono::steady_clock;
  using Done = std::function<void(MessageEnd end, std::shared_ptr<const Audio> audio)>;

  MessageRecorder(FrameClock& clock, MessageOptions options, Done done);
  ~MessageRecorder();  // stops with MessageEnd::stopped if still running
  MessageRecorder(const MessageRecorder&) = delete;
  MessageRecorder& operator=(const MessageRecorder&) = delete;

  void hear(std::span<const std::int16_t> samples);
  void stop(MessageEnd end);
  bool done() const { return !done_; }

 private:
  void on_beat(Clock::time_point now);

  MessageOptions options_;
  Done done_;
  std::shared_ptr<Audio> audio_ = std::make_shared<Audio>();
  Clock::time_point started_;
  Clock::time_point last_voice_;
  bool heard_voice_ = false;
  FrameClock::Subscription beat_;
};

}  // namespace hotline::media
