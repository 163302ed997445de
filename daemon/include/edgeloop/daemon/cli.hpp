// The `edgeloop` command-line client: talks to a running edgeloopd over its admin and results
// sockets, and checks run files offline. Exit codes: 0 ok, 1 check failed, 2 usage, 3 no daemon.
#pragma once

namespace edgeloop {

int run_cli(int argc, char** argv);

}  // namespace edgeloop
