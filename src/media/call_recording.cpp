#include "call_recording.hpp"

#include <array>

namespace hotline::media {

CallRecording::CallRecording(FrameClock& clock, RecordingWriter& writer, RecordingWriter::Id id)
    : writer_(writer), id_(id), beat_(clock.subscribe([this](FrameClock::Clock::time_point) { on_beat(); })) {}

CallRecording::~CallRecording() {
  beat_.reset();
  if (id_) writer_.close(id_);
}

void CallRecording::on_beat() {
  std::array<std::int16_t, 2 * ChannelAligner::kFrameSamples> frame{};
  aligner_.pull(frame);
  // A full queue drops the frame and counts it (the writer's metric): the media thread never waits.
  if (id_) writer_.append(id_, frame);
}

}  // namespace hotline::media
