// Loopback TCP ports for tests that run daemons as separate processes.
#pragma once

#include <string>

namespace edgeloop::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice for port 0).
int free_loopback_port();
// "tcp://127.0.0.1:<free port>"
std::string free_loopback_endpoint();

}  // namespace edgeloop::testing
