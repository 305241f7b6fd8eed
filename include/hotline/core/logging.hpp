#pragma once
// Logging: spdlog with a console sink and a rotating file under the data dir.
// Messages are key=value pairs ("event=login.ok user=1001 ip=127.0.0.1") so that
// logs can be grepped and parsed; never a password, a token or a full phone number
// (see privacy.hpp for masking).
#include <spdlog/spdlog.h>

#include "hotline/core/config.hpp"

namespace hotline {

// Installs the default logger. Safe to call more than once (replaces the sinks).
void init_logging(const LogConfig& config, const std::filesystem::path& file, bool to_file);

}  // namespace hotline
