// edgeloop: the command-line client (status, runs, live results, provenance).
#include "edgeloop/daemon/cli.hpp"

int main(int argc, char** argv) {
  return edgeloop::run_cli(argc, argv);
}
