// WAV files: the parser over hostile bytes, G.711 and 16 kHz conversion, the
// writer's placeholder header and periodic size updates, and repair_wav on a
// file left open by a crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <vector>

#include "../../src/media/resample.hpp"
#include "hotline/media/wav_reader.hpp"
#include "hotline/media/wav_writer.hpp"

using namespace hotline::media;
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
// Byte by byte: GCC 12 at -O3 takes insert() into an empty vector for an overflow (-Wstringop-overflow).
void tag(Bytes& b, const char* t) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(t[i]));
}

// "RIFF" size "WAVE" "fmt " 16 {tag, channels, rate, byte rate, align, bits} "data" size samples
Bytes wav(unsigned format_tag, unsigned channels, unsigned rate, unsigned bits, const Bytes& data,
          std::uint32_t declared_data = 0xFFFFFFFF, const Bytes& extra_chunk = {}) {
  Bytes b;
  tag(b, "RIFF");
  put32(b, static_cast<std::uint32_t>(36 + extra_chunk.size() + data.size()));
  tag(b, "WAVE");
  b.insert(b.end(), extra_chunk.begin(), extra_chunk.end());
  tag(b, "fmt ");
  put32(b, 16);
  put16(b, format_tag);
  put16(b, channels);
  put32(b, rate);
  put32(b, rate * channels * bits / 8);
  put16(b, channels * bits / 8);
  put16(b, bits);
  tag(b, "data");
  put32(b, declared_data == 0xFFFFFFFF ? static_cast<std::uint32_t>(data.size()) : declared_data);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes pcm16(const std::vector<std::int16_t>& samples) {
  Bytes b;
  for (auto s : samples) put16(b, static_cast<std::uint16_t>(s));
  return b;
}

std::vector<std::int16_t> tone(double hz, unsigned rate, std::size_t n, double amplitude = 10000) {
  std::vector<std::int16_t> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<std::int16_t>(amplitude * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / rate));
  return out;
}

double rms(std::span<const std::int16_t> s) {
  double acc = 0;
  for (auto v : s) acc += static_cast<double>(v) * v;
  return s.empty() ? 0 : std::sqrt(acc / static_cast<double>(s.size()));
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/hotline-wav-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::uint32_t le32_at(const Bytes& b, std::size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (static_cast<std::uint32_t>(b[at + 3]) << 24);
}

}  // namespace

TEST(MediaWav, ParsesPcm16Mono8k) {
  auto bytes = wav(1, 1, 8000, 16, pcm16({1, -2, 3, 32767, -32768}));
  auto f = parse_wav(bytes);
  ASSERT_TRUE(f) << f.error().reason;
  EXPECT_EQ(f->encoding, WavEncoding::pcm16);
  EXPECT_EQ(f->data_offset, 44u);
  EXPECT_EQ(f->data_bytes, 10u);
  EXPECT_FALSE(f->truncated);
  auto samples = wav_samples_8k(bytes, f.value());
  EXPECT_EQ(samples, (std::vector<std::int16_t>{1, -2, 3, 32767, -32768}));
}

TEST(MediaWav, DecodesG711AgainstKnownValues) {
  // µ-law: 0x00 -> -32124, 0x80 -> 32124, 0xFF and 0x7F -> 0; A-law: 0xD5 -> 8, 0x55 -> -8, 0x2A -> -32256.
  auto u = wav(7, 1, 8000, 8, {0x00, 0x80, 0xFF, 0x7F});
  auto fu = parse_wav(u);
  ASSERT_TRUE(fu) << fu.error().reason;
  EXPECT_EQ(fu->encoding, WavEncoding::ulaw);
  EXPECT_EQ(wav_samples_8k(u, fu.value()), (std::vector<std::int16_t>{-32124, 32124, 0, 0}));
  auto a = wav(6, 1, 8000, 8, {0xD5, 0x55, 0x2A, 0xAA});
  auto fa = parse_wav(a);
  ASSERT_TRUE(fa) << fa.error().reason;
  EXPECT_EQ(fa->encoding, WavEncoding::alaw);
  EXPECT_EQ(wav_samples_8k(a, fa.value()), (std::vector<std::int16_t>{8, -8, -32256, 32256}));
}

TEST(MediaWav, SkipsUnknownChunksWithTheirPadByte) {
  Bytes list;
  tag(list, "LIST");
  put32(list, 3);  // odd: one pad byte follows
  list.insert(list.end(), {'a', 'b', 'c', 0});
  auto bytes = wav(1, 1, 8000, 16, pcm16({7, 8}), 0xFFFFFFFF, list);
  auto f = parse_wav(bytes);
  ASSERT_TRUE(f) << f.error().reason;
  EXPECT_EQ(wav_samples_8k(bytes, f.value()), (std::vector<std::int16_t>{7, 8}));
}

TEST(MediaWav, HostileHeadersGiveTypedErrors) {
  struct Case {
    const char* name;
    Bytes bytes;
    WavErrc code;
  };
  auto good = wav(1, 1, 8000, 16, pcm16({1, 2}));
  Bytes not_riff = good;
  not_riff[0] = 'X';
  Bytes short_fmt = good;
  short_fmt[16] = 8;  // fmt chunk of 8 bytes
  Bytes huge_chunk;
  tag(huge_chunk, "RIFF");
  put32(huge_chunk, 100);
  tag(huge_chunk, "WAVE");
  tag(huge_chunk, "junk");
  put32(huge_chunk, 0xFFFFFFF0);  // runs past the end
  Bytes fmt_cut(good.begin(), good.begin() + 30);
  Bytes data_first;
  tag(data_first, "RIFF");
  put32(data_first, 12);
  tag(data_first, "WAVE");
  tag(data_first, "data");
  put32(data_first, 0);
  std::vector<Case> cases = {
      {"empty", {}, WavErrc::too_short},
      {"eleven bytes", Bytes(good.begin(), good.begin() + 11), WavErrc::too_short},
      {"not riff", not_riff, WavErrc::not_riff},
      {"fmt too short", short_fmt, WavErrc::bad_chunk},
      {"chunk past the end", huge_chunk, WavErrc::bad_chunk},
      {"fmt cut off", fmt_cut, WavErrc::bad_chunk},
      {"data before fmt", data_first, WavErrc::no_format},
      {"no data", Bytes(good.begin(), good.begin() + 36), WavErrc::no_data},
      {"stereo", wav(1, 2, 8000, 16, pcm16({1, 2})), WavErrc::unsupported_format},
      {"44.1 kHz", wav(1, 1, 44100, 16, pcm16({1, 2})), WavErrc::unsupported_format},
      {"8-bit PCM", wav(1, 1, 8000, 8, {1, 2}), WavErrc::unsupported_format},
      {"float", wav(3, 1, 8000, 32, Bytes(8)), WavErrc::unsupported_format},
  };
  for (const auto& c : cases) {
    auto f = parse_wav(c.bytes);
    ASSERT_FALSE(f) << c.name;
    EXPECT_EQ(f.error().code, c.code) << c.name << ": " << f.error().reason;
    EXPECT_FALSE(f.error().reason.empty()) << c.name;
  }
}

TEST(MediaWav, TruncatedDataKeepsWholeSamples) {
  auto bytes = wav(1, 1, 8000, 16, pcm16({1, 2, 3}), 1000);  // declares 1000 bytes, has 6
  bytes.push_back(0x11);                                     // and half a sample
  auto f = parse_wav(bytes);
  ASSERT_TRUE(f) << f.error().reason;
  EXPECT_TRUE(f->truncated);
  EXPECT_EQ(f->data_bytes, 6u);
  EXPECT_EQ(wav_samples_8k(bytes, f.value()).size(), 3u);
}

TEST(MediaWav, EveryPrefixOfAFileIsHandled) {
  Bytes list;
  tag(list, "LIST");
  put32(list, 4);
  list.insert(list.end(), {'I', 'N', 'F', 'O'});
  auto bytes = wav(7, 1, 16000, 8, Bytes(64, 0x55), 0xFFFFFFFF, list);
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    auto f = parse_wav(prefix);
    if (f) wav_samples_8k(prefix, f.value());  // no overread (ASan)
  }
}

TEST(MediaWav, Decimates16kWithALowPassNotBySampleDropping) {
  // 1 kHz passes; 6 kHz would fold to 2 kHz if every other sample were dropped.
  auto pass = decimate_16k_to_8k(tone(1000, 16000, 16000));
  auto stop = decimate_16k_to_8k(tone(6000, 16000, 16000));
  ASSERT_EQ(pass.size(), 8000u);
  ASSERT_EQ(stop.size(), 8000u);
  double in_rms = 10000 / std::sqrt(2.0);
  auto steady = [](const std::vector<std::int16_t>& v) { return std::span<const std::int16_t>(v).subspan(200, 7600); };
  EXPECT_NEAR(rms(steady(pass)), in_rms, in_rms * 0.02);
  EXPECT_LT(rms(steady(stop)), in_rms * 0.01);  // at least 40 dB down
  // Through the reader, a 16 kHz PCM file comes out at 8 kHz.
  auto bytes = wav(1, 1, 16000, 16, pcm16(tone(500, 16000, 3200)));
  auto f = parse_wav(bytes);
  ASSERT_TRUE(f);
  EXPECT_EQ(wav_samples_8k(bytes, f.value()).size(), 1600u);
}

TEST(MediaWav, ResamplesTtsRateTo8k) {
  auto out = resample(tone(440, 22050, 22050), 22050, 8000);
  EXPECT_EQ(out.size(), 8000u);
  double in_rms = 10000 / std::sqrt(2.0);
  EXPECT_NEAR(rms(std::span<const std::int16_t>(out).subspan(100, 7800)), in_rms, in_rms * 0.03);
  auto alias = resample(tone(7000, 22050, 22050), 22050, 8000);
  EXPECT_LT(rms(std::span<const std::int16_t>(alias).subspan(100, 7800)), in_rms * 0.02);
}

TEST(MediaWav, WriterUpdatesSizesPeriodicallyAndCloses) {
  TempDir dir;
  auto path = dir.path() / "a.wav";
  WavWriter w;
  ASSERT_FALSE(w.create(path, 2, 8000, 256));
  auto head = read_file(path);
  ASSERT_EQ(head.size(), 44u);
  EXPECT_EQ(le32_at(head, 40), 0u);  // placeholder
  std::vector<std::int16_t> frame(320, 0);
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::int16_t>(i);
  ASSERT_FALSE(w.append(frame));
  ASSERT_FALSE(w.update_header());
  auto mid = read_file(path);
  EXPECT_EQ(mid.size(), 44u + 640u);
  EXPECT_EQ(le32_at(mid, 4), 36u + 640u);
  EXPECT_EQ(le32_at(mid, 40), 640u);
  ASSERT_FALSE(w.append(frame));
  EXPECT_EQ(w.frames(), 320u);
  ASSERT_FALSE(w.close(true));
  auto done = read_file(path);
  EXPECT_EQ(le32_at(done, 40), 1280u);
  // A stereo recording is not something the prompt reader plays; repair sees it as sound.
  auto r = repair_wav(path);
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_FALSE(r->changed);
  EXPECT_EQ(r->data_bytes, 1280u);
  // Never replaces a file.
  WavWriter again;
  EXPECT_EQ(again.create(path, 2, 8000), std::errc::file_exists);
}

TEST(MediaWav, RepairFixesAFileLeftOpenByACrash) {
  TempDir dir;
  auto path = dir.path() / "crash.wav";
  {
    WavWriter w;
    ASSERT_FALSE(w.create(path, 2, 8000, 64));
    std::vector<std::int16_t> frame(320, 1000);
    ASSERT_FALSE(w.append(frame));
    ASSERT_FALSE(w.update_header());  // the last update before the "crash": 640 bytes
    ASSERT_FALSE(w.append(frame));
    ASSERT_FALSE(w.flush());
    // Simulate the crash: the destructor would fix the header, so write the
    // rest by hand, plus 3 bytes of a partial stereo frame.
  }
  auto bytes = read_file(path);
  // The destructor brought the header up to date; put back the stale sizes.
  bytes[40] = 0x80, bytes[41] = 0x02, bytes[42] = 0, bytes[43] = 0;  // 640
  std::uint32_t riff = 36 + 640;
  for (int i = 0; i < 4; ++i) bytes[4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(riff >> (8 * i));
  bytes.insert(bytes.end(), {1, 2, 3});
  write_file(path, bytes);
  auto r = repair_wav(path);
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->data_bytes, 1280u);
  EXPECT_EQ(r->dropped_bytes, 3u);
  auto fixed = read_file(path);
  EXPECT_EQ(fixed.size(), 44u + 1280u);
  EXPECT_EQ(le32_at(fixed, 4), 36u + 1280u);
  EXPECT_EQ(le32_at(fixed, 40), 1280u);
  // Idempotent.
  auto again = repair_wav(path);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->changed);
}

TEST(MediaWav, RepairHandlesPlaceholderAndTruncatedHeaders) {
  TempDir dir;
  auto placeholder = dir.path() / "p.wav";
  auto bytes = wav(1, 1, 8000, 16, pcm16(std::vector<std::int16_t>(100, 5)), 0);  // sizes never written
  bytes[4] = bytes[5] = bytes[6] = bytes[7] = 0;
  write_file(placeholder, bytes);
  auto r = repair_wav(placeholder);
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->data_bytes, 200u);
  auto samples = read_wav_file(placeholder);
  ASSERT_TRUE(samples) << samples.error().reason;
  EXPECT_EQ(samples->size(), 100u);

  auto cut = dir.path() / "cut.wav";
  write_file(cut, Bytes(bytes.begin(), bytes.begin() + 20));
  auto bad = repair_wav(cut);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, WavErrc::bad_chunk);

  auto missing = repair_wav(dir.path() / "none.wav");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, WavErrc::io);

  auto foreign = dir.path() / "list-after-data.wav";  // valid sizes, a chunk after the data: untouched
  Bytes f = wav(1, 1, 8000, 16, pcm16({1, 2}));
  tag(f, "LIST");
  put32(f, 4);
  f.insert(f.end(), {'I', 'N', 'F', 'O'});
  std::uint32_t riff = static_cast<std::uint32_t>(f.size() - 8);
  for (int i = 0; i < 4; ++i) f[4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(riff >> (8 * i));
  write_file(foreign, f);
  auto kept = repair_wav(foreign);
  ASSERT_TRUE(kept) << kept.error().reason;
  EXPECT_FALSE(kept->changed);
  EXPECT_EQ(read_file(foreign), f);
}

TEST(MediaWav, WriteWavFileIsAtomicAndReadable) {
  TempDir dir;
  auto path = dir.path() / "t.wav";
  auto samples = tone(300, 8000, 800);
  ASSERT_FALSE(write_wav_file(path, samples, 1, 8000));
  auto back = read_wav_file(path);
  ASSERT_TRUE(back) << back.error().reason;
  EXPECT_EQ(back.value(), samples);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}
