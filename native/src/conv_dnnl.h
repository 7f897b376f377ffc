// Conv2D and its two backprops through oneDNN (Debian's libdnnl), in tfjs's layouts: x and y NHWC, the
// filter [fh, fw, C, OC]. Each returns false, having written nothing, where oneDNN has no primitive for
// the geometry, is switched off (SetDnnlConv) or was not built in (no VAELAB_WITH_DNNL: its headers were
// missing); conv.cc then runs its im2col + sgemm path.
#pragma once
#include "conv_geom.h"

namespace vaelab {

bool DnnlConv2dForward(const float* x, const float* w, float* y, const ConvGeom& g);
bool DnnlConv2dBackpropInput(const float* dy, const float* w, float* dx, const ConvGeom& g);
bool DnnlConv2dBackpropFilter(const float* x, const float* dy, float* dw, const ConvGeom& g);

// Whether oneDNN was built in.
bool DnnlConvAvailable();
// Whether the three above use oneDNN (default true); returns the previous setting. For tests and timing.
bool SetDnnlConv(bool on);
// How many calls oneDNN has served since the addon loaded (tests check which path ran).
int64_t DnnlConvCalls();

}  // namespace vaelab
