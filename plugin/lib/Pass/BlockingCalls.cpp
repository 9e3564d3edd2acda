//===- BlockingCalls.cpp - Make existing blocking calls interruptible -----===//
//
// Direct calls to the blocking functions listed with SAFEPOINT_ABI_WRAP in
// abi.def (nanosleep, read, pthread_cond_wait, std::thread::join, ...) are
// redirected to the runtime's wrappers of the same type. A wrapper behaves
// like the original except that an interrupt ends the wait early within the
// original's contract (EINTR, a spurious wake-up) and stays queued for the
// caller's next poll, or, for functions that may throw, throws it. The call
// keeps its attributes and unwind edge; only the callee changes.
//
// Calls through pointers and calls in code not compiled with the plugin are
// not redirected (see docs/waits.md).
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace safepoint {

namespace {

struct WrapEntry {
  StringLiteral Original;
  StringLiteral Wrapper;
};

constexpr WrapEntry WrapTable[] = {
#define SAFEPOINT_ABI_WRAP(Id, Original, Wrapper) {#Original, #Wrapper},
#include "safepoint/abi.def"
};

} // namespace

unsigned redirectBlockingCalls(Module &M) {
  unsigned Redirected = 0;
  for (const WrapEntry &E : WrapTable) {
    Function *Orig = M.getFunction(E.Original);
    // Only calls to the library's function: a module that defines its own
    // `read` keeps calling it.
    if (!Orig || !Orig->isDeclaration())
      continue;
    SmallVector<CallBase *, 8> Calls;
    for (User *U : Orig->users())
      if (auto *CB = dyn_cast<CallBase>(U);
          CB && CB->getCalledOperand() == Orig &&
          CB->getFunctionType() == Orig->getFunctionType())
        Calls.push_back(CB);
    if (Calls.empty())
      continue;

    FunctionCallee Wrapper = M.getOrInsertFunction(
        E.Wrapper, Orig->getFunctionType(), Orig->getAttributes());
    if (auto *WF = dyn_cast<Function>(Wrapper.getCallee()))
      WF->setCallingConv(Orig->getCallingConv());
    std::string Name = llvm::demangle(E.Original.str());
    for (CallBase *CB : Calls) {
      CB->setCalledFunction(Wrapper);
      ++Redirected;
      OptimizationRemarkEmitter ORE(CB->getFunction());
      ORE.emit([&] {
        return OptimizationRemark(abi::RemarkName.data(), "InterruptibleCall",
                                  CB)
               << "call to '" << ore::NV("Callee", Name)
               << "' made interruptible";
      });
    }
  }
  return Redirected;
}

} // namespace safepoint
