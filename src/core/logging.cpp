#include "hotline/core/logging.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace hotline {

void init_logging(const LogConfig& config, const std::filesystem::path& file, bool to_file) {
  std::vector<spdlog::sink_ptr> sinks;
  if (config.console) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (to_file) {
    std::filesystem::create_directories(file.parent_path());
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        file.string(), static_cast<std::size_t>(config.max_size_mb) * 1024 * 1024, config.max_files));
  }
  auto logger = std::make_shared<spdlog::logger>("hotlined", sinks.begin(), sinks.end());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l thread=%t %v");
  logger->set_level(spdlog::level::from_str(config.level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace hotline
