#include "edgeloop/jobs/job_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace edgeloop::jobs {

namespace {

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

void check_text(std::string_view field, std::string_view text, bool allow_empty) {
  if (!allow_empty && text.empty()) throw JobSpecError(fmt::format("{} is empty", field));
  if (text.size() > kMaxTextBytes) {
    throw JobSpecError(
        fmt::format("{} is {} bytes, more than {}", field, text.size(), kMaxTextBytes));
  }
  if (text.find('\0') != std::string_view::npos) {
    throw JobSpecError(fmt::format("{} contains a NUL byte", field));
  }
}

template <class T>
void check_range(std::string_view field, T value, T min, T max) {
  if (value < min || value > max) {
    throw JobSpecError(fmt::format("{} = {} is outside {}..{}", field, value, min, max));
  }
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

}  // namespace

void validate_input_name(std::string_view name) {
  if (name.empty()) throw JobSpecError("input name is empty");
  if (name.size() > 1024) throw JobSpecError(fmt::format("input name '{}' is too long", name));
  if (has_control(name) || name.find('\0') != std::string_view::npos) {
    throw JobSpecError("input name contains control characters");
  }
  if (name.front() == '/') throw JobSpecError(fmt::format("input name '{}' is absolute", name));
  std::size_t start = 0;
  bool first = true;
  while (start <= name.size()) {
    const std::size_t slash = std::min(name.find('/', start), name.size());
    const std::string_view part = name.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") {
      throw JobSpecError(fmt::format("input name '{}' has an empty, '.' or '..' component", name));
    }
    if (part.size() > 255) {
      throw JobSpecError(fmt::format("input name '{}' has a component over 255 bytes", name));
    }
    // The runners own these names in every job directory.
    if (first && (part == "out" || part == ".edgeloop" || part.starts_with("stdout-") ||
                  part.starts_with("stderr-"))) {
      throw JobSpecError(fmt::format(
          "input name '{}' is reserved (out/, .edgeloop/, stdout-*, stderr-* belong to the runner)",
          name));
    }
    first = false;
    start = slash + 1;
  }
}

void validate(const JobSpec& spec) {
  check_text("program", spec.program, false);
  if (has_control(spec.program)) throw JobSpecError("program contains control characters");
  check_text("program_version", spec.program_version, true);
  if (spec.program_version.size() > 256) throw JobSpecError("program_version is over 256 bytes");
  if (spec.args.size() > kMaxArgs) {
    throw JobSpecError(fmt::format("{} args, more than {}", spec.args.size(), kMaxArgs));
  }
  for (std::size_t i = 0; i < spec.args.size(); ++i) {
    check_text(fmt::format("args[{}]", i), spec.args[i], true);
  }
  if (spec.inputs.size() > kMaxInputs) {
    throw JobSpecError(fmt::format("{} inputs, more than {}", spec.inputs.size(), kMaxInputs));
  }
  std::set<std::string_view> names;
  for (const auto& input : spec.inputs) {
    validate_input_name(input.name);
    if (!names.insert(input.name).second) {
      throw JobSpecError(fmt::format("input '{}' is listed twice", input.name));
    }
  }
  // Prefixes of other inputs' paths would have to be both a file and a directory.
  for (const auto& name : names) {
    const std::string prefix = std::string(name) + "/";
    const auto next = names.lower_bound(prefix);
    if (next != names.end() && next->starts_with(prefix)) {
      throw JobSpecError(
          fmt::format("input '{}' is both a file and the directory of '{}'", name, *next));
    }
  }
  if (spec.environment.size() > kMaxEnvironment) {
    throw JobSpecError(fmt::format("{} environment variables, more than {}",
                                   spec.environment.size(), kMaxEnvironment));
  }
  for (const auto& [key, value] : spec.environment) {
    if (!valid_env_name(key)) {
      throw JobSpecError(fmt::format("environment name '{}' is not [A-Za-z_][A-Za-z0-9_]*", key));
    }
    check_text(fmt::format("environment {}", key), value, true);
  }
  check_range<std::uint32_t>("cpus", spec.cpus, 1, kMaxCpus);
  check_range<std::uint32_t>("mpi_ranks", spec.mpi_ranks, 0, kMaxMpiRanks);
  check_range<std::uint64_t>("memory_mb", spec.memory_mb, 0, std::uint64_t{1} << 32);
  check_range<std::uint32_t>("time_limit_s", spec.time_limit_s, 0, kMaxTimeLimitS);
  check_range<std::uint32_t>("max_retries", spec.max_retries, 0, kMaxRetries);
  if (!spec.runner.empty() && spec.runner != "local" && spec.runner != "slurm") {
    throw JobSpecError(fmt::format("runner '{}' is neither 'local' nor 'slurm'", spec.runner));
  }
}

std::uint32_t task_count(const JobSpec& spec) {
  return spec.mpi_ranks == 0 ? 1 : spec.mpi_ranks;
}

}  // namespace edgeloop::jobs
