#include "rfc3339_time.hpp"

#include <chrono>

namespace edgeloop::stream2_detail {

namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool digits(std::size_t count, int& value) {
    if (text_.size() - pos_ < count) return false;
    value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text_[pos_ + i];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    pos_ += count;
    return true;
  }
  bool literal(char expected) {
    if (pos_ >= text_.size() || text_[pos_] != expected) return false;
    ++pos_;
    return true;
  }
  bool one_of(std::string_view options, char& seen) {
    if (pos_ >= text_.size() || options.find(text_[pos_]) == std::string_view::npos) return false;
    seen = text_[pos_++];
    return true;
  }
  // Digits after a decimal point, as nanoseconds (digits beyond the ninth are dropped).
  bool fraction_ns(std::int64_t& ns) {
    std::size_t count = 0;
    ns = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (count < 9) {
        ns = ns * 10 + (text_[pos_] - '0');
        ++count;
      }
      ++pos_;
    }
    if (pos_ == 0 || text_[pos_ - 1] == '.') return false;
    for (; count < 9; ++count) ns *= 10;
    return true;
  }
  bool done() const { return pos_ == text_.size(); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::int64_t> parse_rfc3339_ns(std::string_view text) {
  Cursor c(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char separator = 0;
  if (!c.digits(4, year) || !c.literal('-') || !c.digits(2, month) || !c.literal('-') ||
      !c.digits(2, day) || !c.one_of("Tt ", separator) || !c.digits(2, hour) || !c.literal(':') ||
      !c.digits(2, minute) || !c.literal(':') || !c.digits(2, second)) {
    return std::nullopt;
  }
  std::int64_t fraction = 0;
  if (c.literal('.') && !c.fraction_ns(fraction)) return std::nullopt;
  char zone = 0;
  if (!c.one_of("Zz+-", zone)) return std::nullopt;
  int offset_minutes = 0;
  if (zone == '+' || zone == '-') {
    int offset_hour = 0, offset_minute = 0;
    if (!c.digits(2, offset_hour) || !c.literal(':') || !c.digits(2, offset_minute) ||
        offset_hour > 23 || offset_minute > 59) {
      return std::nullopt;
    }
    offset_minutes = (offset_hour * 60 + offset_minute) * (zone == '-' ? -1 : 1);
  }
  // 60 is a leap second, which RFC 3339 allows.
  if (!c.done() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  // int64 nanoseconds span the years 1678..2261.
  if (year < 1678 || year > 2261) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  const std::int64_t seconds =
      days * 86400 + hour * 3600 + minute * 60 + second - std::int64_t{offset_minutes} * 60;
  // The year range keeps seconds within +-9.2e9, whose nanoseconds fit only up to 2262-04;
  // the check makes the edge of that range a refusal rather than an overflow.
  constexpr std::int64_t kMaxSeconds = 9'223'372'035;
  if (seconds > kMaxSeconds || seconds < -kMaxSeconds) return std::nullopt;
  return seconds * 1'000'000'000 + fraction;
}

}  // namespace edgeloop::stream2_detail
