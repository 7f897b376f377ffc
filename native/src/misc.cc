#include "napi_args.h"
namespace vaelab {
void RegisterMisc(napi_env, napi_value) {}
}  // namespace vaelab
