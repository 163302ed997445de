#include "hdf5_failure.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "edgeloop/pipeline/storage/storage_error.hpp"

namespace edgeloop::storage::detail {
namespace {

// HDF5's driver messages carry a time stamp (with a newline), buffer addresses and byte counts;
// only what failed and the system's reason are worth a log line.
std::string condensed(std::string_view message) {
  const auto reason = message.find("error message = '");
  if (reason == std::string_view::npos) {
    std::string out(message);
    const auto time = out.find("time = ");
    const auto newline = out.find('\n', time);
    if (time != std::string::npos && newline != std::string::npos) {
      const auto rest = out.compare(newline + 1, 2, ", ") == 0 ? newline + 3 : newline + 1;
      out.erase(time, rest - time);
    }
    return out;
  }
  const auto start = reason + std::string_view("error message = '").size();
  const auto end = message.find('\'', start);
  const auto what = message.substr(0, message.find(':'));
  std::string out = fmt::format("{}: {}", what, message.substr(start, end - start));
  if (const auto n = message.find("errno = "); n != std::string_view::npos) {
    const auto comma = message.find(',', n);
    out += fmt::format(" ({})", message.substr(n, comma - n));
  }
  return out;
}

herr_t collect_message(unsigned /*depth*/, const H5E_error2_t* error, void* data) {
  auto& messages = *static_cast<std::vector<std::string>*>(data);
  if (error->desc != nullptr && *error->desc != '\0') {
    std::string message = condensed(error->desc);
    if (std::find(messages.begin(), messages.end(), message) == messages.end()) {
      messages.push_back(std::move(message));
    }
  }
  return 0;
}

bool mentions_full_disk(std::string_view text) {
  for (const std::string_view sign :
       {"No space left on device", "Disk quota exceeded", "File too large"}) {
    if (text.find(sign) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

QuietHdf5Errors::QuietHdf5Errors() {
  H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietHdf5Errors::~QuietHdf5Errors() {
  H5Eset_auto2(H5E_DEFAULT, function_, data_);
}

void throw_hdf5_failure(std::string_view file, std::string_view operation,
                        std::string_view object) {
  std::vector<std::string> messages;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_message, &messages);
  H5Eclear2(H5E_DEFAULT);
  std::string details;
  for (const auto& m : messages) {
    if (!details.empty()) details += "; ";
    details += m;
  }
  if (details.empty()) details = "no message from HDF5";
  // HDF5's file drivers put the system's error text into the message; errno itself may be
  // stale by now.
  const bool disk_full = mentions_full_disk(details);
  const std::string what =
      object.empty() ? std::string(operation) : fmt::format("{} '{}'", operation, object);
  throw StorageError(
      fmt::format("{}: {}cannot {}: {}", file, disk_full ? "disk full: " : "", what, details),
      disk_full);
}

}  // namespace edgeloop::storage::detail
