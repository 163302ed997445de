// What the virtual detectors read from one diffraction pattern: the integrated bright-field
// and annular dark-field signals, the total, and the centre of mass (the DPC signal).
#pragma once

namespace edgeloop {

struct VirtualDetectorSignals {
  double bf = 0.0;     // sum over the BF disc
  double adf = 0.0;    // sum over the ADF annulus
  double total = 0.0;  // sum over the whole frame
  // Intensity-weighted mean position over the COM region minus the geometry's centre, in
  // pixels (x along columns, y along rows); 0 when the COM region's intensity sums to 0.
  double com_x = 0.0;
  double com_y = 0.0;
};

}  // namespace edgeloop
