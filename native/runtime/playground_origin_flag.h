// playground_origin_flag.h: --playground_origin, the one origin whose pages may read a
// binary's GET /events (the playground's live mode). Every service and the broker
// link it; the stack passes its own value on to each of them.
#ifndef SLUICE_NATIVE_RUNTIME_PLAYGROUND_ORIGIN_FLAG_H_
#define SLUICE_NATIVE_RUNTIME_PLAYGROUND_ORIGIN_FLAG_H_

#include <string>

#include "core/base/result.h"

namespace sluice::native {

// playground_origin_from_flag: the flag's value, or an error naming the flag.
Result<std::string> playground_origin_from_flag();

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_PLAYGROUND_ORIGIN_FLAG_H_
