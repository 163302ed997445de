// Makes a directory's entries durable: a newly created file or subdirectory survives a crash or
// power loss only once the directory that names it has been synced.
#pragma once

#include <filesystem>

namespace edgeloop {

// fsyncs `dir`; throws std::system_error naming the directory on failure.
void fsync_directory(const std::filesystem::path& dir);

}  // namespace edgeloop
