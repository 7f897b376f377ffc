// Geometry of one 2-D convolution, as tfjs's Conv2DInfo (NHWC), shared by conv.cc and conv_dnnl.cc.
#pragma once
#include <cstdint>

namespace vaelab {

// Depthwise: out_c = in_c · channel multiplier.
struct ConvGeom {
  int64_t batch, in_h, in_w, in_c, out_h, out_w, out_c, f_h, f_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
  int64_t XSize() const { return batch * in_h * in_w * in_c; }
  int64_t YSize() const { return batch * out_h * out_w * out_c; }
  int64_t Rows() const { return batch * out_h * out_w; }  // output pixels = im2col rows
  int64_t K() const { return f_h * f_w * in_c; }          // im2col row length
};

}  // namespace vaelab
