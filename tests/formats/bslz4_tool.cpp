// A command-line front to edgeloop's bitshuffle+LZ4 codec, so bslz4_hdf5plugin_test.py can
// hold it against the real bitshuffle (h5py + hdf5plugin) byte for byte.
//
//   bslz4_tool compress ELEMENT_SIZE BLOCK_ELEMENTS IN.raw OUT.bslz4
//   bslz4_tool decompress ELEMENT_SIZE IN.bslz4 OUT.raw
//   bslz4_tool write-h5 FILE.h5 DATASET DTYPE BLOCK_ELEMENTS IN.raw DIM...
//
// write-h5 adds DATASET (DTYPE u8/u16/u32/u64/i8/i16/i32/i64/f32/f64, shape DIM...) to FILE.h5
// (created when missing) with the filter declared, one chunk per slice along the first axis,
// every chunk compressed here and stored with H5Dwrite_chunk.
#include <hdf5.h>

#include <cstdio>
#include <cstdlib>
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

namespace {

using edgeloop::h5::Handle;
namespace fmts = edgeloop::formats;

std::vector<std::byte> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  const std::vector<char> chars((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) bytes[i] = static_cast<std::byte>(chars[i]);
  return bytes;
}

void write_file(const std::string& path, const std::vector<std::byte>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::size_t parse_size(const std::string& text) {
  std::size_t used = 0;
  const unsigned long long value = std::stoull(text, &used);
  if (used != text.size()) throw std::invalid_argument("not a number: " + text);
  return static_cast<std::size_t>(value);
}

hid_t native_type(const std::string& name) {
  static const std::map<std::string, hid_t> types{
      {"u8", H5T_NATIVE_UINT8},   {"u16", H5T_NATIVE_UINT16}, {"u32", H5T_NATIVE_UINT32},
      {"u64", H5T_NATIVE_UINT64}, {"i8", H5T_NATIVE_INT8},    {"i16", H5T_NATIVE_INT16},
      {"i32", H5T_NATIVE_INT32},  {"i64", H5T_NATIVE_INT64},  {"f32", H5T_NATIVE_FLOAT},
      {"f64", H5T_NATIVE_DOUBLE}};
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
  const hid_t type = native_type(args[2]);
  const std::size_t block_elements = parse_size(args[3]);
  const std::vector<std::byte> data = read_file(args[4]);
  std::vector<hsize_t> dims;
  for (std::size_t i = 5; i < args.size(); ++i) dims.push_back(parse_size(args[i]));
  if (dims.empty()) throw std::invalid_argument("write-h5 needs at least one dimension");

  const std::size_t element_size = H5Tget_size(type);
  std::vector<hsize_t> chunk = dims;
  if (dims.size() > 1) chunk[0] = 1;
  std::size_t chunk_elements = 1;
  for (const hsize_t d : chunk) chunk_elements *= static_cast<std::size_t>(d);
  const std::size_t chunk_bytes = chunk_elements * element_size;
  const std::size_t chunk_count = dims.size() > 1 ? static_cast<std::size_t>(dims[0]) : 1;
  if (data.size() != chunk_bytes * chunk_count) {
    throw std::invalid_argument("raw file size does not match the shape");
  }

  fmts::register_bitshuffle_hdf5_filter();
  const Handle file =
      std::filesystem::exists(path)
          ? checked(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "H5Fopen")
          : checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate");
  const Handle space = checked(
      H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "H5Screate_simple");
  const Handle dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate");
  check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "H5Pset_chunk");
  // hdf5plugin's options: block size, 2 = LZ4; set_local puts the version and element size first.
  const unsigned options[] = {static_cast<unsigned>(block_elements), 2};
  check(H5Pset_filter(dcpl.get(), fmts::kBitshuffleFilterId, H5Z_FLAG_MANDATORY, 2, options),
        "H5Pset_filter");
  const Handle set = checked(H5Dcreate2(file.get(), dataset.c_str(), type, space.get(), H5P_DEFAULT,
                                        dcpl.get(), H5P_DEFAULT),
                             "H5Dcreate2");
  for (std::size_t c = 0; c < chunk_count; ++c) {
    const auto compressed = fmts::bslz4_compress(
        std::span(data).subspan(c * chunk_bytes, chunk_bytes), element_size, block_elements);
    std::vector<hsize_t> offset(dims.size(), 0);
    offset[0] = dims.size() > 1 ? c : 0;
    check(H5Dwrite_chunk(set.get(), H5P_DEFAULT, 0, offset.data(), compressed.size(),
                         compressed.data()),
          "H5Dwrite_chunk");
  }
  return 0;
}

int run(const std::vector<std::string>& args) {
  if (args.size() == 5 && args[0] == "compress") {
    const auto input = read_file(args[3]);
    write_file(args[4], fmts::bslz4_compress(input, parse_size(args[1]), parse_size(args[2])));
    return 0;
  }
  if (args.size() == 4 && args[0] == "decompress") {
    const auto chunk = read_file(args[2]);
    std::vector<std::byte> output(fmts::bslz4_uncompressed_size(chunk));
    fmts::bslz4_decompress(chunk, parse_size(args[1]), output);
    write_file(args[3], output);
    return 0;
  }
  if (args.size() >= 7 && args[0] == "write-h5") {
    return write_h5(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::fputs(
      "usage: bslz4_tool compress ELEMENT_SIZE BLOCK_ELEMENTS IN OUT\n"
      "       bslz4_tool decompress ELEMENT_SIZE IN OUT\n"
      "       bslz4_tool write-h5 FILE DATASET DTYPE BLOCK_ELEMENTS IN DIM...\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bslz4_tool: %s\n", error.what());
    return 1;
  }
}
