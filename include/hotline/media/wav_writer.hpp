#pragma once
// WAV files out: recordings (stereo, 8 kHz, 16-bit) and TTS cache entries
// (mono). The header is written first with placeholder sizes (0); samples are
// appended through a buffer; update_header() writes the real RIFF and data
// sizes of what has reached the file, so a crash leaves a file that plays up
// to the last update, and repair_wav() can fix the rest.
//
// Not thread-safe: one writer per file, on one thread (the recorder's
// "rec-writer" thread or the "tts" thread).
#include <cstdint>
#include <filesystem>
#include <span>
#include <system_error>
#include <vector>

#include "hotline/media/wav_reader.hpp"

namespace hotline::media {

inline constexpr std::size_t kWavHeaderBytes = 44;

// The 44-byte header of a PCM16 file with data_bytes of samples.
std::vector<std::uint8_t> wav_header(unsigned channels, unsigned sample_rate, std::uint32_t data_bytes);

class WavWriter {
 public:
  WavWriter() = default;
  ~WavWriter();  // closes without fsync; the header is brought up to date first
  WavWriter(WavWriter&& other) noexcept;
  WavWriter& operator=(WavWriter&& other) noexcept;
  WavWriter(const WavWriter&) = delete;
  WavWriter& operator=(const WavWriter&) = delete;

  // Creates the file (never replacing one: EEXIST) with a placeholder header.
  std::error_code create(const std::filesystem::path& path, unsigned channels, unsigned sample_rate,
                         std::size_t buffer_bytes = 32 * 1024);
  // Interleaved samples (L R L R ... for stereo); buffered. An append that
  // would pass the 4 GiB limit of RIFF is refused with EFBIG.
  std::error_code append(std::span<const std::int16_t> samples);
  // The buffer to the file.
  std::error_code flush();
  // flush, then the RIFF and data sizes of what is in the file.
  std::error_code update_header();
  // update_header, fsync when asked, close. Safe to call twice.
  std::error_code close(bool sync);

  bool is_open() const { return fd_ >= 0; }
  std::uint64_t data_bytes() const { return written_ + buffer_.size(); }  // appended so far
  std::uint64_t frames() const { return data_bytes() / (2u * channels_); }
  unsigned channels() const { return channels_; }
  unsigned sample_rate() const { return sample_rate_; }

 private:
  int fd_ = -1;
  unsigned channels_ = 1;
  unsigned sample_rate_ = 8000;
  std::uint64_t written_ = 0;  // data bytes in the file
  std::vector<std::uint8_t> buffer_;
  std::size_t buffer_limit_ = 0;
};

struct WavRepair {
  bool changed = false;            // the header (or the length) was rewritten
  std::uint64_t data_bytes = 0;    // samples in the file afterwards
  std::uint64_t dropped_bytes = 0;  // a partial sample frame cut off the end
  WavFormat format;
};

// Fixes a file left open by a crash: the data chunk (the last chunk) gets the
// size of what follows its header, rounded down to whole sample frames (the
// partial frame is truncated away), and RIFF the file's length less 8. A file
// whose sizes are already right is left untouched (changed == false).
// Handles any format parse_wav() knows, and also stereo PCM16 (recordings).
WavResult<WavRepair> repair_wav(const std::filesystem::path& path);

// Writes a whole mono or stereo PCM16 file through a temporary name and a
// rename, so readers never see half a file.
std::error_code write_wav_file(const std::filesystem::path& path, std::span<const std::int16_t> samples,
                               unsigned channels, unsigned sample_rate);

}  // namespace hotline::media
