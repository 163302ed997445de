# Finds every third-party dependency once and exposes each as an imported target,
# mending the Debian packages that ship broken CMake metadata.

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# ZeroMQ: libzmq via pkg-config, cppzmq (header-only) on top.
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq>=4.3)
find_path(CPPZMQ_INCLUDE_DIR zmq.hpp REQUIRED)
add_library(edgeloop_zmq INTERFACE)
add_library(edgeloop::zmq ALIAS edgeloop_zmq)
target_include_directories(edgeloop_zmq SYSTEM INTERFACE ${CPPZMQ_INCLUDE_DIR})
target_link_libraries(edgeloop_zmq INTERFACE PkgConfig::ZMQ)

find_package(FlatBuffers REQUIRED CONFIG)
find_program(FLATC flatc REQUIRED)

find_package(spdlog REQUIRED CONFIG)
find_package(fmt REQUIRED CONFIG)
find_package(tomlplusplus REQUIRED CONFIG)
find_package(CLI11 QUIET CONFIG)
if(NOT TARGET CLI11::CLI11)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 SYSTEM INTERFACE ${CLI11_INCLUDE_DIR})
endif()
find_package(nlohmann_json 3.10 REQUIRED CONFIG)

pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium>=1.0.18)

# Compression (bitshuffle+LZ4 chunks), CBOR (DECTRIS stream2) and SHA-256 with the CPU's SHA
# extensions (OpenSSL's libcrypto; libsodium's portable code is 4x slower).
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4>=1.9)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd>=1.4)  # zstd chunks (HDF5 filter 32015)
pkg_check_modules(CBOR REQUIRED IMPORTED_TARGET libcbor>=0.8)
pkg_check_modules(CRYPTO REQUIRED IMPORTED_TARGET libcrypto>=3.0)

find_package(Eigen3 3.4 REQUIRED CONFIG NO_MODULE)
find_package(HDF5 REQUIRED COMPONENTS C)

# FFTW (double precision) for the simulators' wave-optics models.
pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3>=3.3)

# Debian's Trilinos build of Kokkos 3.4 exports `trilinos_kokkoscore` without any include
# directory; wrap it in our own target that carries /usr/include/trilinos as a system path.
find_package(Kokkos REQUIRED CONFIG)
find_path(EDGELOOP_KOKKOS_INCLUDE_DIR Kokkos_Core.hpp PATHS /usr/include/trilinos ${Kokkos_INCLUDE_DIRS} REQUIRED)
add_library(edgeloop_kokkos INTERFACE)
add_library(edgeloop::kokkos ALIAS edgeloop_kokkos)
target_include_directories(edgeloop_kokkos SYSTEM INTERFACE ${EDGELOOP_KOKKOS_INCLUDE_DIR})
target_link_libraries(edgeloop_kokkos INTERFACE trilinos_kokkoscore)

# LibTorch 1.13 (CPU). Only the libraries holding models link it; their headers are slow, so
# `#include <torch/...>` stays inside a few .cpp files and public headers forward-declare.
find_package(Torch REQUIRED CONFIG)
add_library(edgeloop_torch INTERFACE)
add_library(edgeloop::torch ALIAS edgeloop_torch)
target_link_libraries(edgeloop_torch INTERFACE ${TORCH_LIBRARIES})

if(EDGELOOP_BUILD_TESTS)
  find_package(GTest REQUIRED CONFIG)
  find_program(EDGELOOP_DEBIAN_PYTHON /usr/bin/python3 NO_DEFAULT_PATH)
endif()
