// Private: a list of ints with access and insertion by position in about log n steps (blocks
// indexed by a Fenwick tree), to replay SISSO's insertion-sorted duplicate check.
#pragma once

#include <cstddef>
#include <iterator>
#include <tuple>
#include <utility>
#include <vector>

namespace edgeloop::sisso::detail {

class PositionList {
 public:
  std::size_t size() const { return size_; }

  int at(std::size_t pos) const {
    const auto [b, off] = locate(pos);
    return blocks_[b][off];
  }
  void set(std::size_t pos, int value) {
    const auto [b, off] = locate(pos);
    blocks_[b][off] = value;
  }
  // Inserts `value` before the element now at `pos`; pos == size() appends.
  void insert(std::size_t pos, int value) {
    if (blocks_.empty()) {
      blocks_.emplace_back();
      rebuild_index();
    }
    std::size_t b = blocks_.size() - 1;
    std::size_t off = blocks_[b].size();
    if (pos < size_) std::tie(b, off) = locate(pos);
    auto& block = blocks_[b];
    block.insert(block.begin() + static_cast<std::ptrdiff_t>(off), value);
    ++size_;
    add(b, 1);
    if (block.size() >= 2 * kBlock) {
      // Split the full block in two; block indices after it shift, so the index is rebuilt
      // (once per kBlock insertions at most).
      std::vector<int> tail(block.begin() + static_cast<std::ptrdiff_t>(kBlock), block.end());
      block.resize(kBlock);
      blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(b + 1), std::move(tail));
      rebuild_index();
    }
  }

 private:
  static constexpr std::size_t kBlock = 256;

  // Block and offset of position `pos` (< size()): the first block whose running size
  // exceeds pos, found by descending the Fenwick tree.
  std::pair<std::size_t, std::size_t> locate(std::size_t pos) const {
    std::size_t b = 0;  // 1-based Fenwick position of the last block wholly before pos
    std::size_t step = 1;
    while (step * 2 <= tree_.size() - 1) step *= 2;
    for (; step > 0; step /= 2) {
      if (b + step < tree_.size() && tree_[b + step] <= pos) {
        b += step;
        pos -= tree_[b];
      }
    }
    return {b, pos};
  }

  void add(std::size_t block, std::size_t delta) {
    for (std::size_t i = block + 1; i < tree_.size(); i += i & (~i + 1)) tree_[i] += delta;
  }

  void rebuild_index() {
    tree_.assign(blocks_.size() + 1, 0);
    for (std::size_t b = 0; b < blocks_.size(); ++b) add(b, blocks_[b].size());
  }

  std::vector<std::vector<int>> blocks_;
  std::vector<std::size_t> tree_;  // Fenwick tree over block sizes, 1-based
  std::size_t size_ = 0;
};

}  // namespace edgeloop::sisso::detail
