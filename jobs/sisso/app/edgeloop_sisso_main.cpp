// edgeloop-sisso: runs SISSO (feature construction, SIS, exhaustive L0) on a train.dat and
// writes a SISSO.out-like report and, optionally, JSON. Exit codes: 0 ok, 1 runtime failure,
// 2 bad input or usage.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "edgeloop/core/build_info.hpp"
#include "edgeloop/sisso/input_error.hpp"
#include "edgeloop/sisso/kokkos_scope.hpp"
#include "edgeloop/sisso/report.hpp"
#include "edgeloop/sisso/settings.hpp"
#include "edgeloop/sisso/solver.hpp"
#include "edgeloop/sisso/training_data.hpp"

namespace {

namespace sisso = edgeloop::sisso;

constexpr int kExitRuntime = 1;
constexpr int kExitInput = 2;

struct Options {
  std::string train = "train.dat";
  std::string settings_file;
  std::vector<std::string> set;  // key=value overrides, applied last
  std::vector<std::pair<std::string, std::string>> shortcuts;
  std::string report_file;
  std::string json_file;
  bool quiet = false;
};

sisso::Settings load_settings(const Options& o) {
  sisso::Settings s =
      o.settings_file.empty() ? sisso::Settings{} : sisso::read_settings(o.settings_file);
  for (const auto& [key, value] : o.shortcuts) sisso::apply_setting(s, key, value);
  for (const auto& kv : o.set) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) throw sisso::InputError("--set '" + kv + "': expected KEY=VALUE");
    sisso::apply_setting(s, kv.substr(0, eq), kv.substr(eq + 1));
  }
  sisso::validate(s);
  return s;
}

int run(const Options& o) {
  const sisso::TrainingData data = sisso::read_training_data(o.train);
  const sisso::Settings settings = load_settings(o);
  std::ofstream report_stream;
  if (!o.report_file.empty()) {
    report_stream.open(o.report_file);
    if (!report_stream) throw sisso::InputError(o.report_file + ": cannot open for writing");
  }
  std::ofstream json_stream;
  if (!o.json_file.empty()) {
    json_stream.open(o.json_file);
    if (!json_stream) throw sisso::InputError(o.json_file + ": cannot open for writing");
  }

  // The one Kokkos initialisation of this process; every kernel runs inside it.
  sisso::KokkosScope kokkos;
  const sisso::Progress progress = [&](std::string_view msg) {
    if (!o.quiet) std::cerr << "edgeloop-sisso: " << msg << "\n";
  };
  const sisso::SissoResult result = sisso::run_sisso(data, settings, progress);

  sisso::RunInfo info;
  info.train_path = o.train;
  info.settings_path = o.settings_file;
  info.version = edgeloop::build_info::kVersion;
  info.git = edgeloop::build_info::kGitDescribe;
  std::ostream& report = o.report_file.empty() ? std::cout : report_stream;
  sisso::write_report(report, data, settings, result, info);
  if (!o.json_file.empty()) {
    json_stream << sisso::result_json(data, settings, result, info).dump(2) << "\n";
    if (!json_stream) throw std::runtime_error(o.json_file + ": write failed");
  }
  report.flush();
  if (!report) throw std::runtime_error("writing the report failed");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "edgeloop-sisso: SISSO symbolic regression (feature construction, sure independence "
      "screening, exhaustive L0) on Kokkos"};
  Options o;
  app.add_option("-t,--train", o.train, "SISSO train.dat (default: train.dat)");
  app.add_option("-s,--settings", o.settings_file,
                 "SISSO.in-style settings file (key = value, '!' comments)");
  app.add_option("--set", o.set,
                 "override a setting, KEY=VALUE (repeatable), e.g. --set nf_sis=100");
  const auto shortcut = [&](const char* flag, const char* key, const char* help) {
    app.add_option_function<std::string>(
        flag, [&o, key](const std::string& v) { o.shortcuts.emplace_back(key, v); }, help);
  };
  shortcut("--ops", "ops", "operators, e.g. '(+)(-)(*)(/)(exp)(^2)'");
  shortcut("--fcomplexity", "fcomplexity", "max operators per feature, 0..7");
  shortcut("--nf-sis", "nf_sis", "SIS subspace size (or one per dimension: 100,50,50)");
  shortcut("--desc-dim", "desc_dim", "highest descriptor dimension D");
  shortcut("--fmax-min", "fmax_min", "features with max|x| below are not selected");
  shortcut("--fmax-max", "fmax_max", "features with max|x| above are not selected");
  shortcut("--funit", "funit", "SISSO units: (n1:n2)(n3:n4), 1-based feature ranges");
  shortcut("--units", "units", "units per feature: 'IP_A:eV,IP_B:eV,rs_A:AA'");
  app.add_flag_function(
      "--no-intercept",
      [&o](std::int64_t) { o.shortcuts.emplace_back("fit_intercept", ".false."); },
      "fit y = sum(ci*di) without c0");
  app.add_option("-o,--report", o.report_file, "write the report here instead of stdout");
  app.add_option("-j,--json", o.json_file, "also write the results as JSON");
  app.add_flag("-q,--quiet", o.quiet, "no progress messages on stderr");
  app.set_version_flag("--version", std::string(edgeloop::build_info::kVersion) + " (" +
                                        edgeloop::build_info::kGitDescribe + ")");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitInput;
  }
  try {
    return run(o);
  } catch (const sisso::InputError& e) {
    std::cerr << "edgeloop-sisso: " << e.what() << "\n";
    return kExitInput;
  } catch (const std::exception& e) {
    std::cerr << "edgeloop-sisso: failed: " << e.what() << "\n";
    return kExitRuntime;
  }
}
