#include "edgeloop/jobs/slurm_output.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include "edgeloop/jobs/subprocess.hpp"

namespace edgeloop::jobs {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = s.find(separator, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

template <class Parse>
SlurmJobList parse_lines(std::string_view out, Parse parse_line) {
  SlurmJobList list;
  for (const auto raw : split(out, '\n')) {
    const std::string_view line = trim(raw);
    if (line.empty()) continue;
    if (auto job = parse_line(line)) {
      list.jobs.push_back(std::move(*job));
    } else {
      ++list.bad_lines;
    }
  }
  return list;
}

std::optional<long long> parse_integer(std::string_view text) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool is_state_word(std::string_view word) {
  return !word.empty() && word.size() <= 32 && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string_view first_word(std::string_view text) {
  return text.substr(0, text.find(' '));
}

}  // namespace

bool is_slurm_job_id(std::string_view text) {
  return !text.empty() && text.size() <= 19 && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

std::optional<std::string> parse_sbatch_parsable(std::string_view out) {
  std::string_view line = trim(out);
  if (line.find('\n') != std::string_view::npos) return std::nullopt;
  line = line.substr(0, line.find(';'));
  if (!is_slurm_job_id(line)) return std::nullopt;
  return std::string(line);
}

SlurmJobList parse_squeue(std::string_view out) {
  return parse_lines(out, [](std::string_view line) -> std::optional<SlurmJobInfo> {
    // The name is everything between the fourth '|' and the final one.
    const auto parts = split(line, '|');
    if (parts.size() < 6 || !parts.back().empty()) return std::nullopt;
    SlurmJobInfo job;
    job.job_id = std::string(trim(parts[0]));
    job.state = std::string(first_word(trim(parts[1])));
    job.reason = std::string(trim(parts[3]));
    std::string name;
    for (std::size_t i = 4; i + 1 < parts.size(); ++i) {
      if (i > 4) name += '|';
      name += parts[i];
    }
    job.name = std::string(trim(name));
    if (!is_slurm_job_id(job.job_id) || !is_state_word(job.state)) return std::nullopt;
    // squeue prints the raw wait status (768 for exit 3, 15 for SIGTERM).
    const auto raw = parse_integer(trim(parts[2]));
    if (!raw || *raw < 0 || *raw > 0xffff) return std::nullopt;
    job.exit_code = decode_wait_status(static_cast<int>(*raw));
    return job;
  });
}

SlurmJobList parse_sacct(std::string_view out) {
  return parse_lines(out, [](std::string_view line) -> std::optional<SlurmJobInfo> {
    const auto parts = split(line, '|');
    if (parts.size() != 4) return std::nullopt;
    SlurmJobInfo job;
    job.job_id = std::string(trim(parts[0]));
    job.name = std::string(trim(parts[1]));
    job.state = std::string(first_word(trim(parts[2])));
    job.exit_code = parse_slurm_exit_code(trim(parts[3]));
    if (!is_slurm_job_id(job.job_id) || !is_state_word(job.state) || !job.exit_code) {
      return std::nullopt;
    }
    return job;
  });
}

std::optional<int> parse_slurm_exit_code(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto code = parse_integer(text.substr(0, colon));
  const auto signal = parse_integer(text.substr(colon + 1));
  if (!code || !signal || *code < 0 || *code > 255 || *signal < 0 || *signal > 127) {
    return std::nullopt;
  }
  return *signal != 0 ? 128 + static_cast<int>(*signal) : static_cast<int>(*code);
}

std::optional<JobState> job_state_from_slurm(std::string_view slurm_state) {
  static constexpr std::array<std::pair<std::string_view, JobState>, 24> kStates{{
      {"PENDING", JobState::Queued},
      {"CONFIGURING", JobState::Queued},
      {"REQUEUED", JobState::Queued},
      {"REQUEUE_HOLD", JobState::Queued},
      {"REQUEUE_FED", JobState::Queued},
      {"RESV_DEL_HOLD", JobState::Queued},
      {"RUNNING", JobState::Running},
      {"COMPLETING", JobState::Running},  // finished, epilog still running: wait for the end
      {"SUSPENDED", JobState::Running},
      {"STOPPED", JobState::Running},
      {"SIGNALING", JobState::Running},
      {"STAGE_OUT", JobState::Running},
      {"RESIZING", JobState::Running},
      {"COMPLETED", JobState::Completed},
      {"FAILED", JobState::Failed},
      {"OUT_OF_MEMORY", JobState::Failed},
      {"NODE_FAIL", JobState::Failed},
      {"BOOT_FAIL", JobState::Failed},
      {"PREEMPTED", JobState::Failed},
      {"SPECIAL_EXIT", JobState::Failed},
      {"REVOKED", JobState::Failed},
      {"CANCELLED", JobState::Cancelled},
      {"TIMEOUT", JobState::TimedOut},
      {"DEADLINE", JobState::TimedOut},
  }};
  for (const auto& [name, state] : kStates) {
    if (name == slurm_state) return state;
  }
  return std::nullopt;
}

}  // namespace edgeloop::jobs
