// Where the virtual detectors sit on a pixelated 4D-STEM detector: the pattern centre and the
// radii of the bright-field disc, the annular dark-field ring and the centre-of-mass window.
#pragma once

namespace edgeloop {

// Coordinates are in detector pixels, measured between pixel centres: pixel (row i, column j)
// sits at (x = j, y = i), so the centre of a W x H detector is ((W - 1) / 2, (H - 1) / 2).
// A pixel belongs to a region by its centre alone, with r^2 = (j - centre_x)^2 +
// (i - centre_y)^2 evaluated in double and compared with the squared radius (radius * radius
// in double):
//   BF:  r^2 <= bf_radius^2                            (the disc, its rim included)
//   ADF: adf_inner^2 <= r^2 < adf_outer^2              (inner rim in, outer rim out)
//   COM: r^2 <= com_radius^2, or every pixel when com_radius is 0
// BF and ADF may overlap (adf_inner < bf_radius); a pixel exactly on r = bf_radius = adf_inner
// then counts in both. The centre may lie anywhere, off the detector included.
struct VirtualDetectorGeometry {
  double centre_x = 0.0;
  double centre_y = 0.0;
  double bf_radius = 1.0;
  double adf_inner = 1.0;
  double adf_outer = 2.0;
  double com_radius = 0.0;  // 0: the whole frame

  // Throws std::invalid_argument naming the field: non-finite values, a radius <= 0 (com_radius
  // < 0), or adf_outer <= adf_inner.
  void validate() const;
};

}  // namespace edgeloop
