// A command-line writer of HDF5 files whose raw-frame chunks edgeloop's encoders made, so
// compress_hdf5plugin_test.py can read them with h5py + hdf5plugin and compare the frames.
//
//   compress_tool write-h5 FILE.h5 DATASET DTYPE CODEC IN.raw FRAMES ROWS COLS
//
// CODEC is a bitshuffle+LZ4 backend (cpu-sse2, kokkos, cuda; filter 32008) or zstd:LEVEL
// (filter 32015). DTYPE is u8/u16/u32/i32/f32/f64. One chunk per frame, each written with
// H5Dwrite_chunk exactly as the storage worker writes it. Exit 77 when the backend cannot run
// here (no CUDA device), which the Python test reports as a skipped case.
#include <hdf5.h>

#include <array>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/formats/zstd_hdf5.hpp"
#include "edgeloop/pipeline/compress/bitshuffle_lz4_encoder.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"

namespace {

using edgeloop::h5::Handle;
namespace fmts = edgeloop::formats;

constexpr int kUnavailable = 77;

std::vector<std::byte> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  const std::vector<char> chars((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) bytes[i] = static_cast<std::byte>(chars[i]);
  return bytes;
}

hsize_t parse_size(const std::string& text) {
  std::size_t used = 0;
  const unsigned long long value = std::stoull(text, &used);
  if (used != text.size()) throw std::invalid_argument("not a number: " + text);
  return value;
}

hid_t file_type(const std::string& name) {
  static const std::map<std::string, hid_t> types{{"u8", H5T_STD_U8LE},    {"u16", H5T_STD_U16LE},
                                                  {"u32", H5T_STD_U32LE},  {"i32", H5T_STD_I32LE},
                                                  {"f32", H5T_IEEE_F32LE}, {"f64", H5T_IEEE_F64LE}};
  const auto found = types.find(name);
  if (found == types.end()) throw std::invalid_argument("unknown dtype " + name);
  return found->second;
}

void check(herr_t status, const char* what) {
  if (status < 0) throw std::runtime_error(std::string("HDF5: ") + what + " failed");
}

Handle checked(hid_t id, const char* what) {
  if (id < 0) throw std::runtime_error(std::string("HDF5: ") + what + " failed");
  return Handle(id);
}

int write_h5(const std::vector<std::string>& args) {
  const std::string& path = args[0];
  const std::string& dataset = args[1];
  const hid_t type = file_type(args[2]);
  const std::string& codec = args[3];
  const std::vector<std::byte> data = read_file(args[4]);
  const std::array<hsize_t, 3> dims{parse_size(args[5]), parse_size(args[6]), parse_size(args[7])};
  const std::size_t element_size = H5Tget_size(type);
  const std::size_t frame_bytes = static_cast<std::size_t>(dims[1] * dims[2]) * element_size;
  if (data.size() != frame_bytes * dims[0]) {
    throw std::invalid_argument("raw file size does not match the shape");
  }

  const bool zstd = codec.starts_with("zstd:");
  const int level = zstd ? std::stoi(codec.substr(5)) : 0;
  std::unique_ptr<edgeloop::BitshuffleLz4Encoder> encoder;
  if (!zstd) {
    const std::string reason = edgeloop::bitshuffle_lz4_backend_unavailable_reason(codec);
    if (!reason.empty()) {
      std::fprintf(stderr, "compress_tool: backend %s unavailable: %s\n", codec.c_str(),
                   reason.c_str());
      return kUnavailable;
    }
    encoder = edgeloop::make_bitshuffle_lz4_encoder(codec);
  }

  const Handle file =
      std::filesystem::exists(path)
          ? checked(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "H5Fopen")
          : checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate");
  const Handle space = checked(H5Screate_simple(3, dims.data(), nullptr), "H5Screate_simple");
  const Handle dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate");
  const std::array<hsize_t, 3> chunk{1, dims[1], dims[2]};
  check(H5Pset_chunk(dcpl.get(), 3, chunk.data()), "H5Pset_chunk");
  if (zstd) {
    // Declared as the storage writer declares it; registered so no plugin is needed to create it.
    fmts::register_zstd_hdf5_filter();
    const auto values = fmts::zstd_hdf5_cd_values(level);
    check(H5Pset_filter(dcpl.get(), fmts::kZstdFilterId, H5Z_FLAG_OPTIONAL, values.size(),
                        values.data()),
          "H5Pset_filter");
  } else {
    fmts::register_bitshuffle_hdf5_filter();
    const auto values = fmts::bitshuffle_hdf5_cd_values(element_size);
    check(H5Pset_filter(dcpl.get(), fmts::kBitshuffleFilterId, H5Z_FLAG_OPTIONAL, values.size(),
                        values.data()),
          "H5Pset_filter");
  }
  // Datasets are named <codec>/<case>: the groups are made on the way.
  const Handle lcpl = checked(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate");
  check(H5Pset_create_intermediate_group(lcpl.get(), 1), "H5Pset_create_intermediate_group");
  const Handle set = checked(H5Dcreate2(file.get(), dataset.c_str(), type, space.get(), lcpl.get(),
                                        dcpl.get(), H5P_DEFAULT),
                             "H5Dcreate2");
  for (hsize_t f = 0; f < dims[0]; ++f) {
    const auto frame =
        std::span(data).subspan(static_cast<std::size_t>(f) * frame_bytes, frame_bytes);
    const std::vector<std::byte> bytes =
        zstd ? fmts::zstd_hdf5_compress(frame, level) : encoder->encode(frame, element_size);
    const std::array<hsize_t, 3> offset{f, 0, 0};
    check(H5Dwrite_chunk(set.get(), H5P_DEFAULT, 0, offset.data(), bytes.size(), bytes.data()),
          "H5Dwrite_chunk");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 9 && args[0] == "write-h5") {
      const edgeloop::KokkosRuntime kokkos;
      return write_h5(std::vector<std::string>(args.begin() + 1, args.end()));
    }
    std::fputs("usage: compress_tool write-h5 FILE DATASET DTYPE CODEC IN.raw FRAMES ROWS COLS\n",
               stderr);
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "compress_tool: %s\n", error.what());
    return 1;
  }
}
