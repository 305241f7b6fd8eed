#include "hotline/media/prompts.hpp"

#include <boost/asio/post.hpp>
#include <fstream>

#include "hotline/media/wav_writer.hpp"

namespace hotline::media {
namespace {

std::int64_t mtime_ms(const std::filesystem::path& p) {
  std::error_code ec;
  auto t = std::filesystem::last_write_time(p, ec);
  if (ec) return 0;
  auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count();
}

// Folders of recorded prompts in other languages than the default one.
constexpr std::string_view kLanguageFolders[] = {"en"};

}  // namespace

PromptLibrary::PromptLibrary(std::filesystem::path directory, TtsEngine& tts)
    : directory_(std::move(directory)), tts_(tts) {
  rescan();
}

bool PromptLibrary::valid_key(std::string_view key) {
  if (key.empty() || key.size() > 64 || key.front() == '.') return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) return false;
  }
  return true;
}

bool PromptLibrary::valid_resolvable_key(std::string_view key) {
  if (valid_key(key)) return true;
  for (auto lang : kLanguageFolders) {
    if (key.size() > lang.size() + 1 && key.substr(0, lang.size()) == lang && key[lang.size()] == '/' &&
        valid_key(key.substr(lang.size() + 1)))
      return true;
  }
  return false;
}

void PromptLibrary::rescan() {
  std::set<std::string> found;
  auto scan = [&found](const std::filesystem::path& folder, const std::string& prefix) {
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(folder, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
      auto key = it->path().stem().string();
      if (it->path().extension() == ".wav" && valid_key(key)) found.insert(prefix + key);
    }
  };
  scan(directory_, "");
  for (auto lang : kLanguageFolders) scan(directory_ / lang, std::string(lang) + "/");
  std::lock_guard lock(mutex_);
  recorded_ = std::move(found);
}

void PromptLibrary::resolve(const std::string& key, std::string fallback_text, std::string voice,
                            boost::asio::any_io_executor executor, TtsEngine::Callback done, int rate) {
  bool recorded = false;
  {
    std::lock_guard lock(mutex_);
    recorded = valid_resolvable_key(key) && recorded_.count(key);
  }
  if (recorded) {
    TtsResult r{directory_ / (key + ".wav"), {}, true, true};
    boost::asio::post(executor, [done = std::move(done), r]() mutable { done(std::move(r)); });
    return;
  }
  tts_.render(std::move(fallback_text), std::move(voice), rate, std::move(executor), std::move(done));
}

std::vector<PromptFile> PromptLibrary::list() {
  rescan();
  std::set<std::string> keys;
  {
    std::lock_guard lock(mutex_);
    keys = recorded_;
  }
  std::vector<PromptFile> out;
  for (const auto& key : keys) {
    PromptFile f;
    f.key = key;
    auto path = directory_ / (key + ".wav");
    std::error_code ec;
    f.size_bytes = std::filesystem::file_size(path, ec);
    f.modified_at_ms = mtime_ms(path);
    std::vector<std::uint8_t> head;
    {
      std::ifstream in(path, std::ios::binary);
      head.resize(static_cast<std::size_t>(std::min<std::uint64_t>(f.size_bytes, 64u << 20)));
      in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
      head.resize(static_cast<std::size_t>(in.gcount()));
    }
    auto format = parse_wav(head);
    if (format) {
      unsigned bytes_per_second = format->sample_rate * format->block_align;
      f.duration_ms = static_cast<std::int64_t>(format->data_bytes * 1000 / bytes_per_second);
    } else {
      f.playable = false;
      f.problem = format.error().reason;
    }
    out.push_back(std::move(f));
  }
  return out;
}

WavResult<PromptFile> PromptLibrary::store(const std::string& key, std::span<const std::uint8_t> bytes) {
  if (!valid_key(key)) return WavError{WavErrc::io, "key: 1 to 64 of a-z 0-9 _ - . (not starting with a dot)"};
  auto format = parse_wav(bytes);
  if (!format) return format.error();
  auto samples = wav_samples_8k(bytes, format.value());
  if (samples.empty()) return WavError{WavErrc::no_data, "the data chunk holds no samples"};
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  auto path = directory_ / (key + ".wav");
  if (auto e = write_wav_file(path, samples, 1, 8000)) return WavError{WavErrc::io, "cannot store: " + e.message()};
  {
    std::lock_guard lock(mutex_);
    recorded_.insert(key);
  }
  PromptFile f;
  f.key = key;
  f.size_bytes = kWavHeaderBytes + samples.size() * 2;
  f.duration_ms = static_cast<std::int64_t>(samples.size() / 8);
  f.modified_at_ms = mtime_ms(path);
  return f;
}

}  // namespace hotline::media
