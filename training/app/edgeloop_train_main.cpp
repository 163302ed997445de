// edgeloop-train: reproduces the models the project ships from the simulated instruments
// (`edgeloop train <what>` runs it).
#include <iostream>
#include <string>
#include <vector>

#include "edgeloop/training/ml_training.hpp"
#include "edgeloop/training/scan_policy_training.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const std::string what = args.empty() ? "" : args[0];
  const std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
  try {
    if (what == "denoiser") return edgeloop::ml::train_denoiser_command(rest);
    if (what == "classifier") return edgeloop::ml::train_classifier_command(rest);
    if (what == "scan-policy") return edgeloop::train_scan_policy_command(rest);
  } catch (const std::exception& e) {
    std::cerr << "edgeloop train " << what << ": " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: edgeloop train denoiser|classifier|scan-policy [options]\n"
               "  denoiser    --modality 4dstem|saxs --out models/denoiser-<modality>.pt\n"
               "  classifier  --modality 4dstem|saxs --out models/classifier-<modality>.pt\n"
               "  scan-policy --out models/scan-policy.pt\n"
               "  (each takes --help for its options; defaults reproduce the shipped files)\n";
  return what.empty() || what == "--help" || what == "-h" ? 0 : 2;
}
