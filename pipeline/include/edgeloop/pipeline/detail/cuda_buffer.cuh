// Device memory for the native CUDA kernels (included by .cu files only): a status check that
// names the kernel, and an allocation that only grows, so steady frame sizes reuse it.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace edgeloop::detail {

// Throws std::runtime_error "<kernel>: <what>: <CUDA's message>".
inline void check_cuda(cudaError_t status, const char* kernel, const char* what) {
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string(kernel) + ": " + what + ": " + cudaGetErrorString(status));
  }
}

class CudaBuffer {
 public:
  explicit CudaBuffer(const char* kernel, std::size_t bytes = 0) : kernel_(kernel) {
    if (bytes > 0) reserve(bytes);
  }
  ~CudaBuffer() { cudaFree(ptr_); }
  CudaBuffer(const CudaBuffer&) = delete;
  CudaBuffer& operator=(const CudaBuffer&) = delete;

  void reserve(std::size_t bytes) {
    if (bytes <= size_) return;
    cudaFree(ptr_);
    ptr_ = nullptr;
    size_ = 0;
    check_cuda(cudaMalloc(&ptr_, bytes), kernel_, "cudaMalloc");
    size_ = bytes;
  }
  template <typename T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  std::uint8_t* data() const { return as<std::uint8_t>(); }

 private:
  const char* kernel_;
  void* ptr_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace edgeloop::detail
