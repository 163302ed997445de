// edgeloop-train-ml: the denoiser and classifier trainers without the daemon's CLI.
#include <iostream>
#include <string>
#include <vector>

#include "edgeloop/training/ml_training.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || (args[0] != "denoiser" && args[0] != "classifier")) {
    std::cerr << "usage: edgeloop-train-ml denoiser|classifier [options] (--help for them)\n";
    return 2;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  return args[0] == "denoiser" ? edgeloop::ml::train_denoiser_command(rest)
                               : edgeloop::ml::train_classifier_command(rest);
}
