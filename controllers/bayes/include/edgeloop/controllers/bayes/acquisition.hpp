// Acquisition functions of the Bayesian optimiser, for maximisation of the objective: log
// expected improvement (stable far into the tail), upper confidence bound, log probability of
// improvement. Each returns its value and its derivatives in the posterior mean and std dev.
#pragma once

namespace edgeloop::bayes {

enum class Acquisition { log_ei, ucb, log_pi };

struct AcquisitionValue {
  double value;
  double d_mean;    // d value / d mean
  double d_stddev;  // d value / d std dev
};

// log(phi(z) + z Phi(z)), the log of the standardised EI, finite for every finite z (Ament et
// al. 2023, "Unexpected improvements to expected improvement", eq. 9). Writes d/dz.
double log_h(double z, double* derivative = nullptr);
// log Phi(z), finite for every finite z.
double log_normal_cdf(double z);
// exp(x^2) erfc(x), the scaled complementary error function, for x >= 0.
double erfcx(double x);

// log EI = log_h((mean - best) / sd) + log sd.
AcquisitionValue log_expected_improvement(double mean, double stddev, double best);
// mean + sqrt(beta) sd.
AcquisitionValue upper_confidence_bound(double mean, double stddev, double beta);
// log Phi((mean - best) / sd).
AcquisitionValue log_probability_of_improvement(double mean, double stddev, double best);

}  // namespace edgeloop::bayes
