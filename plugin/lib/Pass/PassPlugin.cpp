//===- PassPlugin.cpp - Entry point of the pass-only plugin ---------------===//
//
// SafepointPass-N.so holds no Clang symbols, so both `opt -load-pass-plugin`
// and `clang -fpass-plugin` can load it. Without the Clang plugin's markers
// it runs in IR mode (see docs/safety-model.md for what that guarantees).
//
//===----------------------------------------------------------------------===//

#include "safepoint/Compat.h"
#include "safepoint/SafepointPass.h"

extern "C" LLVM_ATTRIBUTE_WEAK LLVM_ATTRIBUTE_VISIBILITY_DEFAULT
    ::llvm::PassPluginLibraryInfo
llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "Safepoint", LLVM_VERSION_STRING,
          [](llvm::PassBuilder &PB) {
            safepoint::registerPasses(PB, /*FrontendMarked=*/false);
          }};
}
