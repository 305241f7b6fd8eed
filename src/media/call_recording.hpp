#pragma once
// One call's recording on its media thread: left is what the citizen says
// (their leg's inbound audio), right is what the citizen hears (everything
// sent to their leg: the agent relayed, prompts, music on hold, digits we
// key). So transfers, IVR and hold need no re-wiring: the recording follows
// the citizen's leg. Each beat of the frame clock pulls one aligned stereo
// frame and hands it to the writer thread; nothing here touches a file.
#include <cstdint>
#include <span>

#include "channel_aligner.hpp"
#include "frame_clock.hpp"
#include "hotline/media/recording_writer.hpp"

namespace hotline::media {

class CallRecording {
 public:
  CallRecording(FrameClock& clock, RecordingWriter& writer, RecordingWriter::Id id);
  ~CallRecording();  // closes the file (the writer finishes it)
  CallRecording(const CallRecording&) = delete;
  CallRecording& operator=(const CallRecording&) = delete;

  void said(std::span<const std::int16_t> samples, std::uint32_t ssrc, std::uint32_t timestamp) {
    aligner_.push(ChannelAligner::left, ssrc, timestamp, samples);
  }
  void heard(std::span<const std::int16_t> samples, std::uint32_t ssrc, std::uint32_t timestamp) {
    aligner_.push(ChannelAligner::right, ssrc, timestamp, samples);
  }
  // The citizen's stream stopped or moved (hold, re-INVITE): anchor afresh.
  void reset() {
    aligner_.reset(ChannelAligner::left);
    aligner_.reset(ChannelAligner::right);
  }

 private:
  void on_beat();

  RecordingWriter& writer_;
  RecordingWriter::Id id_;
  ChannelAligner aligner_;
  FrameClock::Subscription beat_;
};

}  // namespace hotline::media
