#pragma once
// WAV files in: prompts recorded by an admin, uploads, TTS output. parse_wav()
// is a pure function over bytes that may be hostile (every size is checked
// against the bytes present); read_wav_file() reads a file and converts it to
// what the media path plays: 8 kHz mono linear PCM16.
//
// Accepted: RIFF/WAVE, mono, 8 or 16 kHz, PCM 16-bit, A-law or µ-law 8-bit
// (format tags 1, 6, 7, or WAVE_FORMAT_EXTENSIBLE with those sub-formats).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hotline::media {

enum class WavEncoding { pcm16, alaw, ulaw };

enum class WavErrc {
  too_short,           // fewer bytes than a RIFF header
  not_riff,            // no "RIFF" / "WAVE" magic
  bad_chunk,           // a chunk header or fmt chunk cut off or inconsistent
  no_format,           // no fmt chunk before the data chunk
  no_data,             // no data chunk
  unsupported_format,  // a real WAV, but not one we play (stereo, 44.1 kHz, float, ...)
  io,                  // the file could not be read or written
};

struct WavError {
  WavErrc code = WavErrc::io;
  std::string reason;  // for logs and API answers: "fmt: 2 channels, mono only"
};

// A value or a WavError; cheap on success, no exceptions across the parser.
template <class T>
class WavResult {
 public:
  WavResult() : error_{WavErrc::io, "no result"} {}
  WavResult(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  WavResult(WavError error) : error_(std::move(error)) {}  // NOLINT
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  const WavError& error() const { return error_; }

 private:
  std::optional<T> value_;
  WavError error_;
};

struct WavFormat {
  WavEncoding encoding = WavEncoding::pcm16;
  unsigned format_tag = 1;
  unsigned sample_rate = 8000;
  unsigned channels = 1;
  unsigned bits_per_sample = 16;
  unsigned block_align = 2;
  std::size_t data_offset = 0;  // first byte of the samples
  std::size_t data_bytes = 0;   // whole sample frames present (a partial frame at the end is dropped)
  bool truncated = false;       // the data chunk declared more bytes than there are
};

// Parses the header and locates the samples; checks the format is one we play.
WavResult<WavFormat> parse_wav(std::span<const std::uint8_t> bytes);

// The samples of a parsed file as 8 kHz mono linear PCM16 (G.711 expanded,
// 16 kHz decimated by a low-pass FIR).
std::vector<std::int16_t> wav_samples_8k(std::span<const std::uint8_t> bytes, const WavFormat& format);

// parse_wav + wav_samples_8k over a file of at most max_bytes.
WavResult<std::vector<std::int16_t>> read_wav_file(const std::filesystem::path& path,
                                                   std::size_t max_bytes = 64u << 20);

}  // namespace hotline::media
