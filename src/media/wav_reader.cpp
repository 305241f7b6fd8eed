#include "hotline/media/wav_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "g711.hpp"
#include "resample.hpp"

namespace hotline::media {
namespace {

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}
std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }

WavError fail(WavErrc code, std::string reason) { return WavError{code, std::move(reason)}; }

constexpr unsigned kTagPcm = 1, kTagAlaw = 6, kTagUlaw = 7, kTagExtensible = 0xFFFE;
constexpr std::size_t kMaxChunks = 1024;

}  // namespace

WavResult<WavFormat> parse_wav(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 12) return fail(WavErrc::too_short, "shorter than a RIFF header (12 bytes)");
  if (std::memcmp(bytes.data(), "RIFF", 4) != 0 || std::memcmp(bytes.data() + 8, "WAVE", 4) != 0)
    return fail(WavErrc::not_riff, "not a RIFF/WAVE file");
  WavFormat f;
  bool have_format = false;
  std::size_t pos = 12;
  for (std::size_t chunks = 0;; ++chunks) {
    if (chunks >= kMaxChunks) return fail(WavErrc::bad_chunk, "more than 1024 chunks before the data");
    if (pos + 8 > bytes.size()) {
      if (!have_format) return fail(WavErrc::no_format, "no fmt chunk");
      return fail(WavErrc::no_data, "no data chunk");
    }
    const std::uint8_t* header = bytes.data() + pos;
    std::uint64_t size = le32(header + 4);
    std::size_t body = pos + 8;
    std::size_t left = bytes.size() - body;
    if (std::memcmp(header, "fmt ", 4) == 0) {
      if (size < 16) return fail(WavErrc::bad_chunk, "fmt: " + std::to_string(size) + " bytes, at least 16 needed");
      if (size > left) return fail(WavErrc::bad_chunk, "fmt: cut off");
      const std::uint8_t* p = bytes.data() + body;
      f.format_tag = le16(p);
      f.channels = le16(p + 2);
      f.sample_rate = le32(p + 4);
      f.block_align = le16(p + 12);
      f.bits_per_sample = le16(p + 14);
      unsigned tag = f.format_tag;
      if (tag == kTagExtensible) {
        if (size < 40) return fail(WavErrc::bad_chunk, "fmt: WAVE_FORMAT_EXTENSIBLE shorter than 40 bytes");
        tag = le16(p + 24);  // the sub-format GUID starts with the format tag
      }
      if (tag == kTagPcm)
        f.encoding = WavEncoding::pcm16;
      else if (tag == kTagAlaw)
        f.encoding = WavEncoding::alaw;
      else if (tag == kTagUlaw)
        f.encoding = WavEncoding::ulaw;
      else
        return fail(WavErrc::unsupported_format, "fmt: format tag " + std::to_string(tag) +
                                                     ", only PCM (1), A-law (6) and µ-law (7) are played");
      unsigned want_bits = f.encoding == WavEncoding::pcm16 ? 16 : 8;
      if (f.bits_per_sample != want_bits)
        return fail(WavErrc::unsupported_format, "fmt: " + std::to_string(f.bits_per_sample) + " bits per sample, " +
                                                     std::to_string(want_bits) + " expected");
      if (f.channels != 1)
        return fail(WavErrc::unsupported_format, "fmt: " + std::to_string(f.channels) + " channels, mono only");
      if (f.sample_rate != 8000 && f.sample_rate != 16000)
        return fail(WavErrc::unsupported_format,
                    "fmt: " + std::to_string(f.sample_rate) + " Hz, 8000 or 16000 Hz only");
      if (f.block_align != want_bits / 8)
        return fail(WavErrc::bad_chunk, "fmt: block align " + std::to_string(f.block_align) + " does not match");
      have_format = true;
    } else if (std::memcmp(header, "data", 4) == 0) {
      if (!have_format) return fail(WavErrc::no_format, "data chunk before the fmt chunk");
      f.data_offset = body;
      std::uint64_t present = size;
      if (size > left) {
        f.truncated = true;
        present = left;
      }
      f.data_bytes = static_cast<std::size_t>(present - present % f.block_align);
      return f;
    }
    // Skip any other chunk (LIST, fact, cue, ...), with its pad byte.
    std::uint64_t next = static_cast<std::uint64_t>(body) + size + (size & 1);
    if (next > bytes.size()) {
      return fail(have_format ? WavErrc::no_data : WavErrc::bad_chunk,
                  std::string("chunk \"") + std::string(reinterpret_cast<const char*>(header), 4) +
                      "\" runs past the end of the file");
    }
    pos = static_cast<std::size_t>(next);
  }
}

std::vector<std::int16_t> wav_samples_8k(std::span<const std::uint8_t> bytes, const WavFormat& f) {
  if (f.data_offset > bytes.size() || f.data_bytes > bytes.size() - f.data_offset) return {};
  const std::uint8_t* p = bytes.data() + f.data_offset;
  std::vector<std::int16_t> linear;
  switch (f.encoding) {
    case WavEncoding::pcm16:
      linear.resize(f.data_bytes / 2);
      for (std::size_t i = 0; i < linear.size(); ++i) linear[i] = static_cast<std::int16_t>(le16(p + 2 * i));
      break;
    case WavEncoding::alaw:
      linear.resize(f.data_bytes);
      for (std::size_t i = 0; i < linear.size(); ++i) linear[i] = g711::alaw_to_linear(p[i]);
      break;
    case WavEncoding::ulaw:
      linear.resize(f.data_bytes);
      for (std::size_t i = 0; i < linear.size(); ++i) linear[i] = g711::ulaw_to_linear(p[i]);
      break;
  }
  if (f.sample_rate == 16000) return decimate_16k_to_8k(linear);
  return linear;
}

WavResult<std::vector<std::int16_t>> read_wav_file(const std::filesystem::path& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(WavErrc::io, "cannot open " + path.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(WavErrc::io, path.string() + ": not a regular file");
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return fail(WavErrc::io, path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  bytes.resize(done);
  auto format = parse_wav(bytes);
  if (!format) return format.error();
  return wav_samples_8k(bytes, format.value());
}

}  // namespace hotline::media
