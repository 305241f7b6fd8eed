#pragma once
// Queue settings in the config's words and as JSON (API, acd_queues rows);
// views as JSON (API, WebSocket notices).
#include <nlohmann/json.hpp>

#include "hotline/acd/types.hpp"
#include "hotline/core/config.hpp"

namespace hotline::acd {

QueueSettings settings_from(const AcdQueueConfig& config);
AcdQueueConfig config_from(const QueueSettings& settings);

nlohmann::json to_json(const AcdQueueConfig& config);
// Settings given in j over `base` (unknown keys and bad values: Error invalid_argument with the key).
AcdQueueConfig queue_config_from_json(const nlohmann::json& j, AcdQueueConfig base);

nlohmann::json to_json(const QueueView& view);
nlohmann::json to_json(const AgentView& view);
nlohmann::json to_json(const QueueEvent& event);

}  // namespace hotline::acd
