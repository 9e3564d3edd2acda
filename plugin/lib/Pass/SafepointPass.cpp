//===- SafepointPass.cpp - Driver and registration of the Safepoint pass --===//

#include "safepoint/SafepointPass.h"
#include "Lowering.h"
#include "safepoint/Compat.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/Analysis/InlineCost.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <cstdlib>

using namespace llvm;

namespace safepoint {

GlobalVariable *RuntimeDecls::tlsWord(StringRef Name) {
  const GlobalValue::ThreadLocalMode Model =
      LocalExec ? GlobalValue::LocalExecTLSModel
                : GlobalValue::InitialExecTLSModel;
  if (auto *GV = M.getGlobalVariable(Name)) {
    // Declared by <safepoint/abi.h>, initial-exec: the option applies too.
    if (LocalExec && GV->isDeclaration() && GV->isThreadLocal())
      GV->setThreadLocalMode(Model);
    return GV;
  }
  auto *GV = new GlobalVariable(
      M, Type::getInt32Ty(M.getContext()), /*isConstant=*/false,
      GlobalValue::ExternalLinkage, /*Initializer=*/nullptr, Name,
      /*InsertBefore=*/nullptr, Model);
  GV->setAlignment(Align(4));
  return GV;
}

GlobalVariable *RuntimeDecls::pendingWord() { return tlsWord(abi::Pending); }
GlobalVariable *RuntimeDecls::maskDepth() { return tlsWord(abi::MaskDepth); }

FunctionCallee RuntimeDecls::pollSlow() {
  LLVMContext &C = M.getContext();
  FunctionCallee Slow =
      M.getOrInsertFunction(abi::PollSlow, Type::getVoidTy(C));
  if (auto *F = dyn_cast<Function>(Slow.getCallee())) {
    // Almost never taken: keep it out of the hot layout, never inline it.
    F->addFnAttr(Attribute::Cold);
    F->addFnAttr(Attribute::NoInline);
    // The inliner weighs a poll as the plain build would weigh nothing: the
    // call's cost cancels the fast path's (TLS address, load, compare), so
    // polls change no inlining decision (InlineCost's "call-inline-cost").
    F->addFnAttr(
        "call-inline-cost",
        std::to_string(-PollFastPathInstrs * InlineConstants::getInstrCost()));
  }
  return Slow;
}

void RuntimeDecls::referenceABIVersion() {
  StringRef RefName = "__safepoint_abi_ref";
  if (M.getGlobalVariable(RefName, /*AllowInternal=*/true))
    return;
  LLVMContext &C = M.getContext();
  Type *I32 = Type::getInt32Ty(C);
  Constant *Version = M.getOrInsertGlobal(abi::AbiVersion, I32);
  auto *Ref =
      new GlobalVariable(M, Version->getType(), /*isConstant=*/true,
                         GlobalValue::InternalLinkage, Version, RefName);
  appendToUsed(M, {Ref});
}

PreservedAnalyses SafepointPass::run(Module &M, ModuleAnalysisManager &) {
  if (M.getModuleFlag(abi::LoweredFlag))
    return PreservedAnalyses::all();

  // Markers from the frontend take precedence: with them, IR mode would only
  // add redundant polls.
  bool HasMarkers =
      M.getFunction(abi::PollMarker) || M.getFunction(abi::MaskMarker);
  bool IRMode = Opts.IRMode && !HasMarkers;
  if (IRMode)
    addIREntryMarkers(M);

  RuntimeDecls RT(M, Opts.LocalExecTLS);
  unsigned Redirected = redirectBlockingCalls(M);
  unsigned Masked = lowerMasks(M, RT, IRMode);
  if (Opts.Where == Placement::Default && Opts.OptimizeForSpeed)
    rotateRecursion(M);
  unsigned Polls = lowerPollMarkers(M, RT, Opts.Where);
  if (Masked == 0 && Polls == 0)
    return Redirected ? PreservedAnalyses::none() : PreservedAnalyses::all();

  RT.referenceABIVersion();
  M.addModuleFlag(Module::Max, abi::LoweredFlag, 1);
  return PreservedAnalyses::none();
}

PreservedAnalyses PollDistancePass::run(Function &F,
                                       FunctionAnalysisManager &FAM) {
  reportPollDistance(F, FAM);
  return PreservedAnalyses::all();
}

bool ablated(StringRef Technique) {
  const char *Env = std::getenv("SAFEPOINT_ABLATE");
  if (!Env)
    return false;
  SmallVector<StringRef, 4> Names;
  StringRef(Env).split(Names, ',');
  return llvm::is_contained(Names, Technique);
}

std::optional<Placement> parsePlacement(StringRef Name) {
  if (Name == "naive")
    return Placement::Naive;
  if (Name == "default")
    return Placement::Default;
  return std::nullopt;
}

void registerPasses(PassBuilder &PB, bool FrontendMarked, Placement P,
                    LTOMode LTO, bool LocalExecTLS) {
  PB.registerPipelineParsingCallback(
      [](StringRef Name, ModulePassManager &MPM,
         ArrayRef<PassBuilder::PipelineElement>) {
        // The function passes, one pipeline name each.
        auto Add = [&](auto Pass) {
          MPM.addPass(createModuleToFunctionPassAdaptor(std::move(Pass)));
          return true;
        };
        if (Name == "safepoint-distance")
          return Add(PollDistancePass());
        if (Name == "safepoint-small-loops")
          return Add(SmallLoopPollsPass());
        if (Name == "safepoint-strip-mine")
          return Add(LateStripMinePass());
        if (Name == "safepoint-promote-loads")
          return Add(PollLoadPromotionPass());
        if (Name == "safepoint-poll-unroll")
          return Add(PollUnrollPass());
        if (Name == "safepoint-preserve-slow")
          return Add(PreservingSlowPathPass());
        if (Name == "safepoint-preserve-slow-lto")
          return Add(PreservingSlowPathPass(/*NoLinkTimeInlining=*/false));
        if (Name == "safepoint-redundant-polls")
          return Add(RedundantPollEliminationPass());
        if (Name == "safepoint-dispatch-dup")
          return Add(DispatchDuplicationPass());
        if (Name == "safepoint-dispatch-alt")
          return Add(DispatchAlternationPass());
        // safepoint, safepoint-ir, safepoint<naive>, safepoint-ir<naive>
        SafepointPassOptions Opts;
        if (PassBuilder::checkParametrizedPassName(Name, "safepoint")) {
          Opts.IRMode = false;
        } else if (PassBuilder::checkParametrizedPassName(Name,
                                                          "safepoint-ir")) {
          Opts.IRMode = true;
        } else {
          return false;
        }
        if (size_t Open = Name.find('<'); Open != StringRef::npos) {
          std::optional<Placement> Parsed =
              parsePlacement(Name.slice(Open + 1, Name.size() - 1));
          if (!Parsed)
            return false;
          Opts.Where = *Parsed;
        }
        MPM.addPass(SafepointPass(Opts));
        return true;
      });
  // Lower before inlining: masks must wrap the frontend's function bodies,
  // and inlined polls then carry their unwind edges into every caller.
  PB.registerPipelineStartEPCallback(
      [FrontendMarked, P, LocalExecTLS](ModulePassManager &MPM,
                                        OptimizationLevel Level) {
        SafepointPassOptions Opts;
        Opts.Where = P;
        Opts.LocalExecTLS = LocalExecTLS;
        Opts.IRMode = !FrontendMarked;
        Opts.OptimizeForSpeed =
            Level.getSpeedupLevel() > 0 && Level.getSizeLevel() == 0;
        MPM.addPass(SafepointPass(Opts));
      });
  // After inlining, before GVN and the loop passes, which then see fewer
  // slow calls; again after every later InstCombine (PeepholeEP), whose
  // runs MergedPollMD keeps within the bound.
  if (P == Placement::Default)
    PB.registerPeepholeEPCallback(
        [](FunctionPassManager &FPM, OptimizationLevel Level) {
          if (Level.getSpeedupLevel() > 0)
            FPM.addPass(RedundantPollEliminationPass());
        });
  auto BeforeVectorizer = [P](FunctionPassManager &FPM,
                               OptimizationLevel Level) {
    if (P == Placement::Default) {
      FPM.addPass(SmallLoopPollsPass());
      FPM.addPass(LateStripMinePass());
      FPM.addPass(PollLoadPromotionPass());
      // Unrolling trades code size for speed: not at -Os/-Oz.
      if (Level.getSizeLevel() == 0)
        FPM.addPass(PollUnrollPass());
    }
    FPM.addPass(PollDistancePass());
  };
  PB.registerVectorizerStartEPCallback(
      [BeforeVectorizer](FunctionPassManager &FPM, OptimizationLevel Level) {
        BeforeVectorizer(FPM, Level);
      });
  compat::registerOptimizerLastEP(
      PB, [P, LTO, BeforeVectorizer](ModulePassManager &MPM,
                                     OptimizationLevel Level, bool ThinPreLink,
                                     bool NoLTO) {
        if (Level.getSpeedupLevel() == 0)
          return;
        // ThinLTO's pre-link pipeline ends before the vectorizer: what runs
        // at its start runs here, so that the linker's optimizer (without
        // this plugin) finds loops already strip-mined.
        FunctionPassManager FPM;
        if (LTO == LTOMode::Thin || ThinPreLink)
          BeforeVectorizer(FPM, Level);
        // After every IR pass that could merge the copies again.
        if (P == Placement::Default) {
          FPM.addPass(DispatchDuplicationPass());
          // Copies the handlers: trades code size for speed.
          if (Level.getSizeLevel() == 0)
            FPM.addPass(DispatchAlternationPass());
        }
        // Unless no inlining follows, which could turn a call of the slow
        // path into an invoke, every slow call is split.
        FPM.addPass(PreservingSlowPathPass(LTO == LTOMode::None || NoLTO));
        MPM.addPass(createModuleToFunctionPassAdaptor(std::move(FPM)));
      });
}

} // namespace safepoint
