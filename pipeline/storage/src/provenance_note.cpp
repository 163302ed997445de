#include "provenance_note.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "edgeloop/core/sha256.hpp"

namespace edgeloop::storage::detail {

void write_provenance_note(const NexusNode& entry, const std::filesystem::path& log) {
  const NexusNode note = entry.create_group("provenance", "NXnote");
  note.write_text("type", "application/x-edgeloop-provenance");
  note.write_text("file_name", log.filename().string());
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(log, error);
  std::ifstream in(log, std::ios::binary);
  if (error || !in) {
    const std::string why = fmt::format("{}: cannot read the provenance log{}", log.string(),
                                        error ? ": " + error.message() : std::string());
    note.write_text("description", why);
    throw std::runtime_error(why);
  }
  note.write_text("description",
                  "the run's hash-chained provenance log, byte for byte (docs/provenance.md)");
  const hsize_t n = size;
  const NexusNode data =
      note.create_dataset("data", H5T_NATIVE_UINT8, std::span<const hsize_t>(&n, 1),
                          std::span<const hsize_t>(&n, 1), H5P_DEFAULT);
  Sha256 hash;
  constexpr std::size_t kBlock = std::size_t{4} << 20;
  std::vector<char> block(kBlock);
  hsize_t offset = 0;
  while (offset < n) {
    const auto want = static_cast<std::streamsize>(std::min<hsize_t>(kBlock, n - offset));
    if (!in.read(block.data(), want)) {
      throw std::runtime_error(fmt::format("{}: the provenance log ended early", log.string()));
    }
    const auto bytes = std::as_bytes(std::span(block.data(), static_cast<std::size_t>(want)));
    hash.update(bytes);
    const hsize_t count = static_cast<hsize_t>(want);
    const h5::Handle file_space(H5Dget_space(data.id()));
    const h5::Handle memory_space(H5Screate_simple(1, &count, nullptr));
    if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &offset, nullptr, &count, nullptr) <
            0 ||
        H5Dwrite(data.id(), H5T_NATIVE_UINT8, memory_space.get(), file_space.get(), H5P_DEFAULT,
                 block.data()) < 0) {
      data.fail("write", data.path());
    }
    offset += count;
  }
  note.write_text("sha256", to_hex(hash.finish()));
}

}  // namespace edgeloop::storage::detail
