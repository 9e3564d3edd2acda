//===- safepoint/RuntimeABI.h - Runtime ABI names for the plugin -*- C++ -*-===//
//
// The plugin's view of runtime/include/safepoint/abi.def: the one table of
// symbol names shared with the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef SAFEPOINT_RUNTIMEABI_H
#define SAFEPOINT_RUNTIMEABI_H

#include "safepoint/abi.h"
#include "llvm/ADT/StringRef.h"

namespace safepoint::abi {

#define SAFEPOINT_ABI_TLS(Id, Name) inline constexpr llvm::StringLiteral Id{#Name};
#define SAFEPOINT_ABI_FUNC(Id, Name) inline constexpr llvm::StringLiteral Id{#Name};
#define SAFEPOINT_ABI_DATA(Id, Name) inline constexpr llvm::StringLiteral Id{#Name};
#include "safepoint/abi.def"

inline constexpr unsigned Version = SAFEPOINT_ABI_VERSION;

/// Name of the module flag recording that Safepoint already lowered a module,
/// so that running the pass twice (-fplugin plus -fpass-plugin) is harmless.
inline constexpr llvm::StringLiteral LoweredFlag{"safepoint.lowered"};

/// Name under which remarks are reported: -Rpass=safepoint.
inline constexpr llvm::StringLiteral RemarkName{"safepoint"};

inline llvm::StringRef siteKindName(unsigned Kind) {
  switch (Kind) {
  case SAFEPOINT_SITE_ENTRY:
    return "function entry";
  case SAFEPOINT_SITE_LOOP:
    return "loop back-edge";
  case SAFEPOINT_SITE_GOTO:
    return "backward goto";
  case SAFEPOINT_SITE_CHUNK:
    return "loop back-edge, once per chunk of iterations (strip-mined)";
  default:
    return "unknown site";
  }
}

} // namespace safepoint::abi

#endif // SAFEPOINT_RUNTIMEABI_H
