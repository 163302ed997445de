#include "edgeloop/sisso/candidate_rules.hpp"

#include <algorithm>

namespace edgeloop::sisso {
namespace {

bool is_exp_or_log(Op op) {
  return op == Op::Exp || op == Op::ExpNeg || op == Op::Log;
}

std::int32_t as_index(std::size_t i) {
  return static_cast<std::int32_t>(i);
}

}  // namespace

PartnerLists::PartnerLists(const FeatureStore& store, std::size_t partner_end, int fcomplexity)
    : end_(partner_end), lists_(static_cast<std::size_t>(std::max(fcomplexity, 0) + 1)) {
  for (std::size_t j = 0; j < partner_end; ++j) {
    const int c = store.node(j).complexity;
    for (int bound = c; bound <= fcomplexity; ++bound) {
      lists_[static_cast<std::size_t>(bound)].push_back(as_index(j));
    }
  }
}

std::span<const std::int32_t> PartnerLists::up_to(int max_complexity) const {
  if (max_complexity < 0) return {};
  const auto bound = std::min(static_cast<std::size_t>(max_complexity), lists_.size() - 1);
  return lists_[bound];
}

void append_candidates(const FeatureStore& store, const RungRules& rules, std::size_t new_begin,
                       const PartnerLists& partners, std::size_t i, std::vector<Candidate>& out) {
  const FeatureNode& a = store.node(i);
  const OperatorSet& ops = rules.ops;
  const auto ai = as_index(i);

  // Unary operators, in SISSO's order and with its rules against trivial inverses.
  if (a.complexity + 1 <= rules.fcomplexity) {
    for (const Op op : kUnaryOrder) {
      if (!ops.contains(op)) continue;
      if (rules.dimensionless_transcendentals && is_transcendental(op) && !a.unit.dimensionless()) {
        continue;
      }
      bool allowed = true;
      switch (op) {
        case Op::Exp:
        case Op::ExpNeg:
        case Op::Log:
          allowed = !is_exp_or_log(a.op);
          break;  // no exp(exp x), exp(log x), ...
        case Op::Square:
          allowed = a.op != Op::Sqrt;
          break;
        case Op::Cube:
          allowed = a.op != Op::Cbrt;
          break;
        case Op::Sqrt:
          allowed = a.op != Op::Square;
          break;
        case Op::Cbrt:
          allowed = a.op != Op::Cube;
          break;
        default:
          break;
      }
      if (op == Op::Inv && !(a.min_abs > 1e-50)) allowed = false;
      if ((op == Op::Sqrt || op == Op::Log) && !(a.min_value > 0.0)) allowed = false;
      if (allowed) out.push_back({op, ai, -1});
    }
  }

  const bool linear = ops.contains(Op::Add) || ops.contains(Op::Sub) || ops.contains(Op::AbsDiff);
  for (const std::int32_t bj : partners.up_to(rules.fcomplexity - 1 - a.complexity)) {
    const auto j = static_cast<std::size_t>(bj);
    if (j >= new_begin && j <= i) continue;  // pairs of new features are visited once
    const FeatureNode& b = store.node(j);

    if (linear && a.unit.same_as(b.unit)) {
      if (ops.contains(Op::Add)) out.push_back({Op::Add, ai, bj});
      if (ops.contains(Op::Sub)) {
        out.push_back({Op::Sub, ai, bj});
        // B-A only adds a sign, which a linear model absorbs; SISSO keeps it for further
        // combination in all but the last rung.
        if (!rules.last_rung) out.push_back({Op::Sub, bj, ai});
      }
      if (ops.contains(Op::AbsDiff)) out.push_back({Op::AbsDiff, ai, bj});
    }

    if (ops.contains(Op::Mul)) out.push_back({Op::Mul, ai, bj});

    if (!ops.contains(Op::Div)) continue;
    // With (*) available, A/(B/C) = (A*C)/B and (A/B)/C = A/(B*C) already exist.
    if (ops.contains(Op::Mul) && (a.op == Op::Div || b.op == Op::Div) && !rules.last_rung) continue;
    bool a_over_b = true;
    bool b_over_a = true;
    // A*B/B: if b is a factor of product a, a/b is trivial; with (^-1) so is b/a = a^-1-like.
    if (a.op == Op::Mul && (bj == a.no_divide_by_first || bj == a.no_divide_by_second)) {
      a_over_b = false;
      if (ops.contains(Op::Inv)) b_over_a = false;
    } else if (b.op == Op::Mul && (ai == b.no_divide_by_first || ai == b.no_divide_by_second)) {
      b_over_a = false;
      if (ops.contains(Op::Inv)) a_over_b = false;
    }
    if (a_over_b && b.min_abs > 1e-50) out.push_back({Op::Div, ai, bj});
    if (b_over_a && a.min_abs > 1e-50) out.push_back({Op::Div, bj, ai});
  }
}

}  // namespace edgeloop::sisso
