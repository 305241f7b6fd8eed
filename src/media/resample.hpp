#pragma once
// Sample-rate conversion to the 8 kHz of G.711, for prompts and TTS output
// (never on the RTP path). Both filters band-limit before decimating, so a
// 16 kHz prompt's energy above 4 kHz is removed instead of folded back.
#include <cstdint>
#include <span>
#include <vector>

namespace hotline::media {

// 16 kHz -> 8 kHz: a 95-tap Blackman-windowed sinc low-pass (cut-off 3.5 kHz,
// stop band from ~4 kHz) evaluated at every other input sample.
std::vector<std::int16_t> decimate_16k_to_8k(std::span<const std::int16_t> in);

// Any rate -> any rate by windowed-sinc interpolation (cut-off at 0.45 of the
// lower of the two rates). For TTS output (espeak-ng speaks at 22.05 kHz).
std::vector<std::int16_t> resample(std::span<const std::int16_t> in, unsigned in_rate, unsigned out_rate);

}  // namespace hotline::media
