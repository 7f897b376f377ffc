// Convolutions (filled in below).
#include "napi_args.h"
namespace vaelab {
void RegisterConv(napi_env, napi_value) {}
}  // namespace vaelab
