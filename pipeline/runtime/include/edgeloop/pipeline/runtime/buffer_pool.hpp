// A fixed set of equally sized, 64-byte aligned buffers that frames borrow on the hot path
// (decoded pixels, compressed chunks) instead of allocating. A borrowed buffer goes back to
// its pool when its handle is destroyed, on whichever thread that happens.
//
// Contract: the pool never grows; `acquire` waits for a free slot up to a timeout, so a
// pipeline that holds every slot slows its producer instead of exhausting memory. Handles may
// outlive the BufferPool object: the slots live as long as any handle does.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "edgeloop/pipeline/frame.hpp"

namespace edgeloop {

class BufferPool;

// A borrowed slot: up to capacity() bytes, of which size() are in use.
class PooledBuffer final : public PayloadOwner {
 public:
  ~PooledBuffer() override;
  PooledBuffer(const PooledBuffer&) = delete;
  PooledBuffer& operator=(const PooledBuffer&) = delete;

  std::span<const std::byte> bytes() const override { return {data_, size_}; }
  std::span<std::byte> writable() { return {data_, size_}; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  // Sets the bytes in use; throws std::length_error beyond capacity().
  void resize(std::size_t bytes);

  struct Slots;  // shared by the pool and its handles
  // Only BufferPool can make a Key, so only it can hand out slots.
  class Key {
    friend class BufferPool;
    Key() = default;
  };
  PooledBuffer(Key, std::shared_ptr<Slots> slots, std::size_t index, std::byte* data,
               std::size_t capacity, std::size_t size);

 private:
  std::shared_ptr<Slots> slots_;
  std::size_t index_;
  std::byte* data_;
  std::size_t capacity_;
  std::size_t size_;
};

class BufferPool {
 public:
  // `slots` buffers of `slot_bytes` each, allocated once here.
  BufferPool(std::size_t slots, std::size_t slot_bytes);

  std::size_t slot_bytes() const;
  std::size_t slots() const;
  std::size_t available() const;
  // Borrows a slot sized `bytes`: nullptr when none frees up within `timeout`. Throws
  // std::length_error when `bytes` exceeds slot_bytes().
  std::unique_ptr<PooledBuffer> acquire(std::size_t bytes, std::chrono::milliseconds timeout);
  // Times acquire had to wait for a slot: the pool is too small for the pipeline's depth.
  std::uint64_t waits() const;

 private:
  std::shared_ptr<PooledBuffer::Slots> slots_;
};

}  // namespace edgeloop
