#include "edgeloop/jobs/slurm_client.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace edgeloop::jobs {

namespace {

std::string join(const std::vector<std::string>& items, char separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// The first line of stderr, or of stdout when stderr is empty: what people need to see.
std::string first_error_line(const CommandResult& result) {
  const std::string& text = result.err.empty() ? result.out : result.err;
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 500) line.resize(500);
  if (result.timed_out) return "timed out" + (line.empty() ? "" : ": " + line);
  if (line.empty()) return "exit code " + std::to_string(result.exit_code);
  return line;
}

}  // namespace

SlurmOutcome classify_failure(const CommandResult& result) {
  if (result.timed_out) return SlurmOutcome::Unreachable;
  static constexpr std::array<std::string_view, 7> kUnreachable{
      "Unable to contact slurm controller",
      "Socket timed out",
      "Connection refused",
      "Zero Bytes were transmitted or received",
      "Communication connection failure",
      "Slurm backup controller in standby mode",
      "Transport endpoint is not connected",
  };
  for (const auto needle : kUnreachable) {
    if (result.err.find(needle) != std::string::npos) return SlurmOutcome::Unreachable;
  }
  return SlurmOutcome::Refused;
}

SlurmClient::SlurmClient(SlurmClientConfig config)
    : config_(std::move(config)), environment_(current_environment()) {
  if (!config_.slurm_conf.empty()) {
    set_environment(environment_, "SLURM_CONF", config_.slurm_conf.string());
  }
}

CommandResult SlurmClient::run(const std::string& program,
                               const std::vector<std::string>& args) const {
  std::vector<std::string> argv;
  argv.push_back(config_.bin_dir.empty() ? program : (config_.bin_dir / program).string());
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, environment_, config_.timeout);
}

SlurmSubmitResult SlurmClient::submit(const std::filesystem::path& script,
                                      const std::vector<std::string>& options) const {
  std::vector<std::string> args{"--parsable"};
  args.insert(args.end(), options.begin(), options.end());
  args.push_back(script.string());
  const CommandResult result = run("sbatch", args);
  SlurmSubmitResult submitted;
  if (result.exit_code != 0 || result.timed_out) {
    submitted.outcome = classify_failure(result);
    submitted.error = first_error_line(result);
    return submitted;
  }
  const auto id = parse_sbatch_parsable(result.out);
  if (!id) {
    submitted.outcome = SlurmOutcome::BadOutput;
    submitted.error = "sbatch printed '" + result.out.substr(0, 200) + "', not a job id";
    return submitted;
  }
  submitted.outcome = SlurmOutcome::Ok;
  submitted.job_id = *id;
  return submitted;
}

SlurmQueryResult SlurmClient::read_list(const CommandResult& result, bool squeue) const {
  SlurmQueryResult query;
  if (result.exit_code != 0 || result.timed_out) {
    // squeue fails as a whole when none of the ids is known any more: that is an answer.
    if (squeue && result.err.find("Invalid job id specified") != std::string::npos) {
      query.outcome = SlurmOutcome::Ok;
      return query;
    }
    query.outcome = classify_failure(result);
    query.error = first_error_line(result);
    return query;
  }
  query.list = squeue ? parse_squeue(result.out) : parse_sacct(result.out);
  query.outcome = SlurmOutcome::Ok;
  return query;
}

SlurmQueryResult SlurmClient::query(const std::vector<std::string>& job_ids) const {
  if (job_ids.empty()) return {SlurmOutcome::Ok, {}, {}};
  return read_list(run("squeue", {"--noheader", "--states=all", "--jobs=" + join(job_ids, ','),
                                  "--Format=" + std::string(kSqueueFormat)}),
                   true);
}

SlurmQueryResult SlurmClient::query_by_name(const std::string& name) const {
  return read_list(run("squeue", {"--noheader", "--states=all", "--name=" + name,
                                  "--Format=" + std::string(kSqueueFormat)}),
                   true);
}

SlurmQueryResult SlurmClient::accounting(const std::vector<std::string>& job_ids) const {
  if (job_ids.empty()) return {SlurmOutcome::Ok, {}, {}};
  return read_list(
      run("sacct", {"--completion", "--noheader", "--parsable2", "--jobs=" + join(job_ids, ','),
                    "--format=" + std::string(kSacctFields)}),
      false);
}

SlurmCancelResult SlurmClient::cancel(const std::string& job_id) const {
  const CommandResult result = run("scancel", {job_id});
  if (result.exit_code == 0 && !result.timed_out) return {SlurmOutcome::Ok, {}};
  return {classify_failure(result), first_error_line(result)};
}

}  // namespace edgeloop::jobs
