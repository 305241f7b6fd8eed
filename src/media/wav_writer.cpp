#include "hotline/media/wav_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>

namespace hotline::media {
namespace {

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}
std::uint16_t get16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }

std::error_code last_error() { return {errno, std::generic_category()}; }

std::error_code write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_error();
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

std::error_code pwrite_all(int fd, const std::uint8_t* data, std::size_t size, off_t at) {
  while (size) {
    ssize_t n = ::pwrite(fd, data, size, at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_error();
    data += n;
    at += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

constexpr std::uint64_t kMaxData = std::numeric_limits<std::uint32_t>::max() - kWavHeaderBytes;

WavError io_error(const std::filesystem::path& path, const char* what) {
  return WavError{WavErrc::io, path.string() + ": " + what + ": " + std::strerror(errno)};
}

}  // namespace

std::vector<std::uint8_t> wav_header(unsigned channels, unsigned sample_rate, std::uint32_t data_bytes) {
  std::vector<std::uint8_t> h(kWavHeaderBytes);
  std::memcpy(h.data(), "RIFF", 4);
  put32(h.data() + 4, 36 + data_bytes);
  std::memcpy(h.data() + 8, "WAVEfmt ", 8);
  put32(h.data() + 16, 16);
  put16(h.data() + 20, 1);  // PCM
  put16(h.data() + 22, static_cast<std::uint16_t>(channels));
  put32(h.data() + 24, sample_rate);
  put32(h.data() + 28, sample_rate * channels * 2);  // byte rate
  put16(h.data() + 32, static_cast<std::uint16_t>(channels * 2));
  put16(h.data() + 34, 16);
  std::memcpy(h.data() + 36, "data", 4);
  put32(h.data() + 40, data_bytes);
  return h;
}

WavWriter::~WavWriter() { close(false); }

WavWriter::WavWriter(WavWriter&& other) noexcept { *this = std::move(other); }

WavWriter& WavWriter::operator=(WavWriter&& other) noexcept {
  if (this != &other) {
    close(false);
    fd_ = std::exchange(other.fd_, -1);
    channels_ = other.channels_;
    sample_rate_ = other.sample_rate_;
    written_ = std::exchange(other.written_, 0);
    buffer_ = std::move(other.buffer_);
    buffer_limit_ = other.buffer_limit_;
  }
  return *this;
}

std::error_code WavWriter::create(const std::filesystem::path& path, unsigned channels, unsigned sample_rate,
                                  std::size_t buffer_bytes) {
  if (fd_ >= 0) return std::make_error_code(std::errc::device_or_resource_busy);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return last_error();
  auto header = wav_header(channels, sample_rate, 0);
  if (auto ec = write_all(fd, header.data(), header.size())) {
    ::close(fd);
    ::unlink(path.c_str());
    return ec;
  }
  fd_ = fd;
  channels_ = channels;
  sample_rate_ = sample_rate;
  written_ = 0;
  buffer_limit_ = std::max<std::size_t>(buffer_bytes, 64);
  buffer_.clear();
  buffer_.reserve(buffer_limit_);
  return {};
}

std::error_code WavWriter::append(std::span<const std::int16_t> samples) {
  if (fd_ < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  if (data_bytes() + samples.size() * 2 > kMaxData) return std::make_error_code(std::errc::file_too_large);
  for (std::int16_t s : samples) {
    auto u = static_cast<std::uint16_t>(s);
    buffer_.push_back(static_cast<std::uint8_t>(u));
    buffer_.push_back(static_cast<std::uint8_t>(u >> 8));
    if (buffer_.size() >= buffer_limit_) {
      if (auto ec = flush()) return ec;
    }
  }
  return {};
}

std::error_code WavWriter::flush() {
  if (fd_ < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  if (buffer_.empty()) return {};
  auto ec = write_all(fd_, buffer_.data(), buffer_.size());
  if (ec) {
    // What reached the file is unknown: take the file's length as the truth.
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && static_cast<std::uint64_t>(st.st_size) >= kWavHeaderBytes) {
      std::uint64_t have = static_cast<std::uint64_t>(st.st_size) - kWavHeaderBytes;
      have -= have % (2u * channels_);
      written_ = have;
      if (::ftruncate(fd_, static_cast<off_t>(kWavHeaderBytes + have)) == 0) ::lseek(fd_, 0, SEEK_END);
    }
    buffer_.clear();
    return ec;
  }
  written_ += buffer_.size();
  buffer_.clear();
  return {};
}

std::error_code WavWriter::update_header() {
  auto ec = flush();
  if (fd_ < 0) return ec;
  std::uint8_t sizes[4];
  put32(sizes, static_cast<std::uint32_t>(36 + written_));
  if (auto e = pwrite_all(fd_, sizes, 4, 4)) return e;
  put32(sizes, static_cast<std::uint32_t>(written_));
  if (auto e = pwrite_all(fd_, sizes, 4, 40)) return e;
  return ec;
}

std::error_code WavWriter::close(bool sync) {
  if (fd_ < 0) return {};
  auto ec = update_header();
  if (sync && ::fsync(fd_) != 0 && !ec) ec = last_error();
  if (::close(fd_) != 0 && !ec) ec = last_error();
  fd_ = -1;
  buffer_.clear();
  buffer_.shrink_to_fit();
  return ec;
}

WavResult<WavRepair> repair_wav(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return io_error(path, "open");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error(path, "stat");
  auto file_size = static_cast<std::uint64_t>(st.st_size);
  // The header and any chunks before the data: the first 64 KiB are plenty.
  std::vector<std::uint8_t> head(static_cast<std::size_t>(std::min<std::uint64_t>(file_size, 64 * 1024)));
  std::size_t got = 0;
  while (got < head.size()) {
    ssize_t n = ::pread(fd, head.data() + got, head.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(path, "read");
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  head.resize(got);
  if (head.size() < 12) return WavError{WavErrc::too_short, "shorter than a RIFF header (12 bytes)"};
  if (std::memcmp(head.data(), "RIFF", 4) != 0 || std::memcmp(head.data() + 8, "WAVE", 4) != 0)
    return WavError{WavErrc::not_riff, "not a RIFF/WAVE file"};

  WavRepair r;
  bool have_format = false;
  std::size_t pos = 12;
  std::uint32_t declared = 0;
  for (;;) {
    if (pos + 8 > head.size())
      return WavError{have_format ? WavErrc::no_data : WavErrc::no_format,
                      have_format ? "no data chunk header" : "no fmt chunk"};
    std::uint32_t size = get32(head.data() + pos + 4);
    if (std::memcmp(head.data() + pos, "fmt ", 4) == 0) {
      if (size < 16 || pos + 8 + 16 > head.size()) return WavError{WavErrc::bad_chunk, "fmt: cut off"};
      const std::uint8_t* p = head.data() + pos + 8;
      r.format.format_tag = get16(p);
      r.format.channels = get16(p + 2);
      r.format.sample_rate = get32(p + 4);
      r.format.block_align = get16(p + 12);
      r.format.bits_per_sample = get16(p + 14);
      if (r.format.block_align == 0 || r.format.channels == 0)
        return WavError{WavErrc::bad_chunk, "fmt: zero channels or block align"};
      have_format = true;
    } else if (std::memcmp(head.data() + pos, "data", 4) == 0) {
      if (!have_format) return WavError{WavErrc::no_format, "data chunk before the fmt chunk"};
      declared = size;
      r.format.data_offset = pos + 8;
      break;
    }
    std::uint64_t next = static_cast<std::uint64_t>(pos) + 8 + size + (size & 1);
    if (next > head.size()) return WavError{WavErrc::bad_chunk, "a chunk before the data runs past the header"};
    pos = static_cast<std::size_t>(next);
  }

  const std::uint64_t offset = r.format.data_offset;
  const std::uint64_t present = file_size - offset;
  const std::uint32_t riff = get32(head.data() + 4);
  // Sizes are trusted only when they are consistent: the data fits in the
  // file and either more chunks follow it (RIFF claims more) or it ends the
  // file. Placeholders (0, or 0xFFFFFFFF of streaming writers) never are.
  bool ends_at_data = static_cast<std::uint64_t>(riff) + 8 <= offset + declared;
  bool consistent = declared != 0xFFFFFFFFu && declared <= present &&
                    (!ends_at_data || (declared == present && static_cast<std::uint64_t>(riff) + 8 == file_size));
  if (consistent && !(declared == 0 && present > 0)) {
    r.data_bytes = declared - declared % r.format.block_align;
    r.format.data_bytes = static_cast<std::size_t>(r.data_bytes);
    return r;
  }
  std::uint64_t data = std::min<std::uint64_t>(present, kMaxData);
  r.dropped_bytes = data % r.format.block_align + (present - data);
  data -= data % r.format.block_align;
  if (offset + data != file_size && ::ftruncate(fd, static_cast<off_t>(offset + data)) != 0)
    return io_error(path, "truncate");
  std::uint8_t sizes[4];
  put32(sizes, static_cast<std::uint32_t>(offset + data - 8));
  if (pwrite_all(fd, sizes, 4, 4)) return io_error(path, "write");
  put32(sizes, static_cast<std::uint32_t>(data));
  if (pwrite_all(fd, sizes, 4, static_cast<off_t>(offset - 4))) return io_error(path, "write");
  if (::fsync(fd) != 0) return io_error(path, "fsync");
  r.changed = true;
  r.data_bytes = data;
  r.format.data_bytes = static_cast<std::size_t>(data);
  return r;
}

std::error_code write_wav_file(const std::filesystem::path& path, std::span<const std::int16_t> samples,
                               unsigned channels, unsigned sample_rate) {
  auto temp = path;
  static std::atomic<unsigned> sequence{0};
  temp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(sequence.fetch_add(1));
  ::unlink(temp.c_str());
  WavWriter w;
  if (auto ec = w.create(temp, channels, sample_rate, 64 * 1024)) return ec;
  auto ec = w.append(samples);
  if (auto e = w.close(true); !ec) ec = e;
  if (!ec && ::rename(temp.c_str(), path.c_str()) != 0) ec = last_error();
  if (ec) ::unlink(temp.c_str());
  return ec;
}

}  // namespace hotline::media
