// The saga log record decoder (what recovery reads back from disk) never crashes, and
// a record it accepts encodes to text that decodes to the same record.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/saga/saga_record.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Result<sluice::saga::SagaRecord> record = sluice::saga::decode_record(text);
  if (record.ok()) {
    const std::string encoded = sluice::saga::encode_record(*record);
    sluice::Result<sluice::saga::SagaRecord> again = sluice::saga::decode_record(encoded);
    if (!again.ok() || sluice::saga::encode_record(*again) != encoded) std::abort();
  }
  return 0;
}
