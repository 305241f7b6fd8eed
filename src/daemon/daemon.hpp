#pragma once
// Wires the subsystems together and owns their lifetimes (see
// docs/architecture.md for the threads and who owns what).
#include "hotline/core/config.hpp"

namespace hotline {

// Runs until SIGTERM/SIGINT; returns the process exit code.
int run_daemon(const Config& config);

// First start on an empty database: creates the `admin` user with the password
// from HOTLINE_ADMIN_PASSWORD, else a random one written to
// DATA_DIR/initial-admin-password (mode 0600).
void bootstrap_admin(const Config& config);

}  // namespace hotline
