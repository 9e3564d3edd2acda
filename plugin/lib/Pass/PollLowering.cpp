//===- PollLowering.cpp - Lower poll markers to the inline check ----------===//
//
// A poll marker `call/invoke @__safepoint_poll_marker(i32 Kind)` becomes
//
//   %w = load atomic i32, ptr @__safepoint_pending monotonic   ; initial-exec
//   br (%w != 0), label %slow, label %cont                     ; !prof cold
// slow:
//   call/invoke @__safepoint_poll_slow() [same unwind dest]
//
// The slow call keeps the marker's unwind destination, which the C++
// frontend computed from the live scopes at the poll site.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/CFG.h"
#include "llvm/Analysis/InlineCost.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Local.h"

#include <string>

using namespace llvm;

namespace safepoint {

unsigned siteKind(const CallBase &CB) {
  if (CB.arg_size() == 1)
    if (auto *C = dyn_cast<ConstantInt>(CB.getArgOperand(0)))
      return C->getZExtValue();
  return SAFEPOINT_SITE_ENTRY;
}

bool isSlowCall(const Instruction &I) {
  const auto *CB = dyn_cast<CallBase>(&I);
  const Function *Callee = CB ? CB->getCalledFunction() : nullptr;
  return Callee && Callee->getName() == abi::PollSlow;
}

LoadInst *pollWord(const Instruction *Term) {
  const auto *Br = dyn_cast_or_null<BranchInst>(Term);
  if (!Br || !Br->isConditional())
    return nullptr;
  const auto *Cmp = dyn_cast<ICmpInst>(Br->getCondition());
  if (!Cmp || !Cmp->isEquality())
    return nullptr;
  const auto *Zero = dyn_cast<ConstantInt>(Cmp->getOperand(1));
  return Zero && Zero->isZero() ? dyn_cast<LoadInst>(Cmp->getOperand(0))
                                : nullptr;
}

std::optional<LoweredPoll> pollBranchEnding(BasicBlock &BB,
                                            const GlobalVariable *Pending) {
  auto *Br = dyn_cast<BranchInst>(BB.getTerminator());
  LoadInst *Word = pollWord(Br);
  if (!Word || !isPollLoad(*Word, Pending))
    return std::nullopt;
  // `!= 0` takes the first successor when pending, `== 0` the second.
  bool Ne =
      cast<ICmpInst>(Br->getCondition())->getPredicate() == ICmpInst::ICMP_NE;
  return LoweredPoll{Word, Br, Br->getSuccessor(Ne ? 0 : 1),
                     Br->getSuccessor(Ne ? 1 : 0)};
}

std::optional<LoweredPoll> loweredPollEnding(BasicBlock &BB,
                                             const GlobalVariable *Pending) {
  std::optional<LoweredPoll> P = pollBranchEnding(BB, Pending);
  if (!P)
    return std::nullopt;
  auto First = find_if(*P->Slow, [](const Instruction &I) {
    return !isa<PHINode>(I) && !I.isDebugOrPseudoInst();
  });
  if (P->Slow == P->Fast || P->Slow->getSinglePredecessor() != &BB ||
      First == P->Slow->end() || !isSlowCall(*First))
    return std::nullopt;
  return P;
}

void removeLoweredPoll(const LoweredPoll &P) {
  P.Slow->removePredecessor(P.Br->getParent());
  BranchInst::Create(P.Fast, P.Br->getIterator())
      ->setDebugLoc(P.Br->getDebugLoc());
  auto *Cmp = cast<Instruction>(P.Br->getCondition());
  P.Br->eraseFromParent();
  eraseDeadPollCheck(*Cmp, *P.Word);
}

void eraseDeadPollCheck(Instruction &Cmp, LoadInst &Word) {
  if (Cmp.use_empty())
    Cmp.eraseFromParent();
  if (!Word.use_empty())
    return;
  Value *Addr = Word.getPointerOperand();
  Word.eraseFromParent();
  RecursivelyDeleteTriviallyDeadInstructions(Addr);
}

bool isLoopOrChunkPoll(const LoadInst &Word) {
  return Word.getMetadata(LoopPollMD) || Word.getMetadata(ChunkPollMD);
}

LoadInst *loopPoll(BasicBlock &BB) {
  LoadInst *Word = pollWord(BB.getTerminator());
  if (!Word || !Word->getMetadata(LoopPollMD) || !Word->hasOneUse() ||
      Word->getParent() != &BB || !Word->user_back()->hasOneUse())
    return nullptr;
  return Word;
}

LoadInst *iterationPoll(Loop &L, const DominatorTree &DT) {
  LoadInst *Found = nullptr;
  for (BasicBlock *BB : L.blocks())
    if (LoadInst *Word = loopPoll(*BB)) {
      if (Found)
        return nullptr;
      Found = Word;
    }
  if (!Found)
    return nullptr;
  SmallVector<BasicBlock *, 4> Latches;
  L.getLoopLatches(Latches);
  for (BasicBlock *Latch : Latches)
    if (!DT.dominates(Found->getParent(), Latch))
      return nullptr;
  return Found;
}

/// Splits a slow call or invoke in two, so that the hot path keeps its
/// registers (PreservingSlowPathPass):
///
///   slow:                               slow:
///     invoke @__safepoint_poll_slow()     %t = call preserve_mostcc i32
///         to %cont unwind %lpad  ==> @__safepoint_poll_check_preserve()
///                                         br (%t != 0), %slow.raise, %cont
///                                       slow.raise:
///                                         invoke @__safepoint_poll_raise()
///                                             to %slow.unreachable unwind
///                                             %lpad
///
/// (a call: `call @__safepoint_poll_raise()` then `unreachable`). The check
/// cannot unwind and the raise, which can, never returns: no value needs a
/// register of the preserve_most convention on an unwind edge, which an
/// unwinder would not restore, even if the link inlines this code into a
/// landing pad's scope.
static void splitSlowCall(CallBase &Slow, FunctionCallee Check,
                          FunctionCallee Raise) {
  BasicBlock *BB = Slow.getParent();
  LLVMContext &Ctx = Slow.getContext();
  Function *F = BB->getParent();
  BasicBlock *Cont;
  if (auto *II = dyn_cast<InvokeInst>(&Slow))
    Cont = II->getNormalDest();
  else if (auto *Br = dyn_cast<BranchInst>(Slow.getNextNode());
           Br && Br->isUnconditional())
    Cont = Br->getSuccessor(0); // lowering's `br %cont`
  else
    Cont = SplitBlock(BB, Slow.getNextNode());
  auto *RaiseBB =
      BasicBlock::Create(Ctx, BB->getName() + ".raise", F, BB->getNextNode());
  CallBase *Throw;
  if (auto *II = dyn_cast<InvokeInst>(&Slow)) {
    auto *Unreach =
        BasicBlock::Create(Ctx, BB->getName() + ".unreachable", F, Cont);
    new UnreachableInst(Ctx, Unreach);
    Throw = InvokeInst::Create(Raise, Unreach, II->getUnwindDest(), {}, "",
                               RaiseBB);
    II->getUnwindDest()->replacePhiUsesWith(BB, RaiseBB);
  } else {
    Throw = CallInst::Create(Raise, "", RaiseBB);
    new UnreachableInst(Ctx, RaiseBB);
  }
  Throw->setDebugLoc(Slow.getDebugLoc());

  IRBuilder<> B(&Slow);
  B.SetCurrentDebugLocation(Slow.getDebugLoc());
  CallInst *T = B.CreateCall(Check);
  T->setCallingConv(CallingConv::PreserveMost);
  Value *Taken = B.CreateICmpNE(T, B.getInt32(0));
  // The branch replaces BB's terminator: the invoke, or the branch to Cont.
  Instruction *Term = BB->getTerminator();
  B.SetInsertPoint(Term);
  B.CreateCondBr(Taken, RaiseBB, Cont);
  Term->eraseFromParent();
  if (Term != &Slow)
    Slow.eraseFromParent();
}

PreservedAnalyses PreservingSlowPathPass::run(Function &F,
                                              FunctionAnalysisManager &) {
  Module &M = *F.getParent();
  if (Triple(M.getTargetTriple()).getArch() != Triple::x86_64 ||
      ablated("preserve-slow"))
    return PreservedAnalyses::all();
  SmallVector<CallInst *, 8> Calls;
  SmallVector<CallBase *, 8> Split;
  for (Instruction &I : instructions(F)) {
    if (!isSlowCall(I))
      continue;
    auto *CI = dyn_cast<CallInst>(&I);
    if (CI && NoLinkTimeInlining)
      Calls.push_back(CI);
    else
      Split.push_back(cast<CallBase>(&I));
  }
  if (Calls.empty() && Split.empty())
    return PreservedAnalyses::all();
  LLVMContext &Ctx = M.getContext();
  auto Declare = [&](StringRef Name, Type *Ret, bool Preserve) {
    FunctionCallee FC = M.getOrInsertFunction(Name, Ret);
    if (auto *Fn = dyn_cast<Function>(FC.getCallee())) {
      if (Preserve)
        Fn->setCallingConv(CallingConv::PreserveMost);
      Fn->addFnAttr(Attribute::Cold);
      Fn->addFnAttr(Attribute::NoInline);
    }
    return FC;
  };
  if (!Calls.empty()) {
    FunctionCallee Preserve =
        Declare(abi::PollSlowPreserve, Type::getVoidTy(Ctx), true);
    for (CallInst *CI : Calls) {
      CI->setCalledFunction(Preserve);
      CI->setCallingConv(CallingConv::PreserveMost);
    }
  }
  if (Split.empty()) {
    PreservedAnalyses PA;
    PA.preserveSet<CFGAnalyses>();
    return PA;
  }
  FunctionCallee Check =
      Declare(abi::PollCheckPreserve, Type::getInt32Ty(Ctx), true);
  if (auto *Fn = dyn_cast<Function>(Check.getCallee()))
    Fn->setDoesNotThrow();
  FunctionCallee Raise = Declare(abi::PollRaise, Type::getVoidTy(Ctx), false);
  if (auto *Fn = dyn_cast<Function>(Raise.getCallee()))
    Fn->setDoesNotReturn();
  for (CallBase *CB : Split)
    splitSlowCall(*CB, Check, Raise);
  return PreservedAnalyses::none();
}

static bool isMarkerCall(const Instruction &I, const Function *Marker) {
  auto *CB = dyn_cast<CallBase>(&I);
  return CB && Marker && CB->getCalledFunction() == Marker;
}

/// True if \p CB calls a C library function that does only bounded work on
/// its arguments and cannot call back into this program: the string and
/// memory functions, declared nounwind (glibc's `__THROW`). What runs in it
/// is uninstrumented code, outside the work bound; it cannot recurse into a
/// caller. Calls to them do not keep a caller's entry poll.
static bool isLeafLibraryCall(const CallBase &CB) {
  static constexpr StringLiteral Leaves[] = {
      "bcmp",    "memchr",  "memcmp",  "memcpy", "memmove",
      "memrchr", "memset",  "strchr",  "strcmp", "strlen",
      "strncmp", "strnlen", "strrchr", "wcslen", "wmemcmp"};
  const Function *Callee = CB.getCalledFunction();
  return Callee && Callee->isDeclaration() && CB.doesNotThrow() &&
         is_contained(Leaves, Callee->getName()) && !ablated("entry-libcalls");
}

namespace {
/// Decides which entry polls the default placement drops (see
/// docs/safety-model.md, "The work bound"). An entry poll exists only to
/// bound recursion and call chains: the frontend already polls or bounds
/// every loop. So it is dropped when the function cannot start a call chain
/// that matters:
///
///  * a *small call tree* (isSmallTree): a function with an acyclic CFG whose
///    calls all go to intrinsics, to leaf library functions
///    (isLeafLibraryCall) or to small call trees defined in this
///    module (not interposable), with at most EntryTreeBudget IR
///    instructions over the whole tree, each call site counting its callee's
///    tree. It cannot recurse and its total work is that number;
///  * a function whose calls all go to intrinsics, leaf library functions,
///    small call trees or functions that keep their entry poll
///    (keepsEntryPoll), none of the trees on a cycle of its CFG that avoids
///    every poll and is reachable from the entry without crossing a poll: it
///    cannot recurse without passing a kept entry poll, and from its entry to
///    its first poll or return it runs at most its straight-line code, its
///    bounded loops and one small tree per call site. A call to a function
///    that keeps its entry poll is a poll: the callee polls before anything
///    else (a range decoder's bit decoder, which calls the function that
///    refills its buffer, polls no more at its entry, nor in each of the
///    eight copies inlined into a byte decoder).
class EntryPolicy {
public:
  explicit EntryPolicy(const Function *Marker) : Marker(Marker) {}

  /// Whether \p F's entry poll goes; the same answer every time.
  bool dropsEntryPoll(const Function &F) {
    auto [It, New] = State.try_emplace(&F, Decision::Deciding);
    if (!New) {
      assert(It->second != Decision::Deciding && "asked while deciding");
      return It->second == Decision::Drop;
    }
    bool Drop = canDropEntryPoll(F);
    State[&F] = Drop ? Decision::Drop : Decision::Keep;
    return Drop;
  }

private:
  enum class Decision { Deciding, Drop, Keep };

  /// True if a call to \p F polls before anything else: \p F is defined in
  /// this module, exactly (not an inline or template function's
  /// `linkonce_odr` copy, which the linker may replace by another
  /// translation unit's, decided there), starts with its entry poll, and
  /// keeps it. A function still being decided (a cycle of the call graph)
  /// is not relied on: the functions on the cycle decide without it, and
  /// one of them keeps its poll.
  bool keepsEntryPoll(const Function &F) {
    if (F.isDeclaration() || !F.isDefinitionExact() ||
        !startsWithEntryPoll(F) || ablated("entry-polling-callees"))
      return false;
    if (auto It = State.find(&F); It != State.end())
      return It->second == Decision::Keep;
    return !dropsEntryPoll(F);
  }

  /// True if the first call in \p F's entry block is its entry marker.
  bool startsWithEntryPoll(const Function &F) const {
    for (const Instruction &I : F.getEntryBlock()) {
      const auto *CB = dyn_cast<CallBase>(&I);
      if (!CB || isa<IntrinsicInst>(CB))
        continue;
      return CB->getCalledFunction() == Marker &&
             siteKind(*CB) == SAFEPOINT_SITE_ENTRY;
    }
    return false;
  }

  bool canDropEntryPoll(const Function &F) {
    if (ablated("entry"))
      return false;
    if (ablated("entry-tree")) // the first rule: no calls, no other poll
      return llvm::all_of(instructions(F), [&](const Instruction &I) {
        const auto *CB = dyn_cast<CallBase>(&I);
        return !CB || isa<IntrinsicInst>(CB) ||
               (CB->getCalledFunction() == Marker &&
                siteKind(*CB) == SAFEPOINT_SITE_ENTRY);
      });
    SmallVector<const BasicBlock *, 8> CallBlocks;
    for (const Instruction &I : instructions(F)) {
      const auto *CB = dyn_cast<CallBase>(&I);
      if (!CB || isa<IntrinsicInst>(CB) || CB->getCalledFunction() == Marker ||
          isLeafLibraryCall(*CB))
        continue;
      const Function *Callee = CB->getCalledFunction();
      if (!Callee || Callee == &F)
        return false;
      if (treeCost(*Callee, 1) <= EntryTreeBudget) {
        CallBlocks.push_back(CB->getParent());
        continue;
      }
      if (!keepsEntryPoll(*Callee))
        return false;
    }
    if (CallBlocks.empty())
      return true;
    // Only the work from the entry to the first poll matters here: later
    // calls run after a poll (a strip-mined loop's chunk, say).
    SmallPtrSet<const BasicBlock *, 32> BeforePoll;
    SmallVector<const BasicBlock *, 32> Work{&F.getEntryBlock()};
    while (!Work.empty()) {
      const BasicBlock *BB = Work.pop_back_val();
      if (!BeforePoll.insert(BB).second || pollsIn(*BB))
        continue;
      Work.append(succ_begin(BB), succ_end(BB));
    }
    return llvm::none_of(CallBlocks, [&](const BasicBlock *BB) {
      return BeforePoll.contains(BB) && onPollFreeCycle(BB);
    });
  }

  static constexpr uint64_t TooMuch = ~uint64_t(0);

  /// IR instructions of \p F's whole call tree if it is a small call tree,
  /// else TooMuch. \p Depth cuts off chains longer than the budget.
  uint64_t treeCost(const Function &F, unsigned Depth) {
    if (auto It = Cost.find(&F); It != Cost.end())
      return It->second;
    if (F.isDeclaration() || F.isInterposable() || Depth > EntryTreeBudget)
      return TooMuch;
    Cost[&F] = TooMuch; // in progress: a cycle is not a small tree
    uint64_t Total = 0;
    bool Small = !hasCycle(F);
    for (const Instruction &I : instructions(F)) {
      if (!Small || Total > EntryTreeBudget)
        break;
      if (I.isDebugOrPseudoInst())
        continue;
      ++Total;
      const auto *CB = dyn_cast<CallBase>(&I);
      if (!CB || isa<IntrinsicInst>(CB) || isLeafLibraryCall(*CB))
        continue;
      if (CB->getCalledFunction() == Marker) {
        // Only an entry marker (which this rule would drop) is allowed.
        Small = siteKind(*CB) == SAFEPOINT_SITE_ENTRY;
        continue;
      }
      const Function *Callee = CB->getCalledFunction();
      uint64_t C = Callee ? treeCost(*Callee, Depth + 1) : TooMuch;
      Small = C != TooMuch;
      Total += Small ? C : 0;
    }
    uint64_t Result = Small && Total <= EntryTreeBudget ? Total : TooMuch;
    Cost[&F] = Result;
    return Result;
  }

  static bool hasCycle(const Function &F) {
    SmallVector<std::pair<const BasicBlock *, const BasicBlock *>, 4> Edges;
    FindFunctionBackedges(F, Edges);
    return !Edges.empty();
  }

  bool pollsIn(const BasicBlock &BB) const {
    return llvm::any_of(BB, [&](const Instruction &I) {
      const auto *CB = dyn_cast<CallBase>(&I);
      return CB && CB->getCalledFunction() == Marker &&
             siteKind(*CB) != SAFEPOINT_SITE_ENTRY;
    });
  }

  /// True if \p From lies on a cycle of its function's CFG that passes no
  /// block with a (non-entry) poll marker.
  bool onPollFreeCycle(const BasicBlock *From) const {
    if (pollsIn(*From))
      return false;
    SmallPtrSet<const BasicBlock *, 32> Seen;
    SmallVector<const BasicBlock *, 32> Work(succ_begin(From), succ_end(From));
    while (!Work.empty()) {
      const BasicBlock *BB = Work.pop_back_val();
      if (BB == From)
        return true;
      if (!Seen.insert(BB).second || pollsIn(*BB))
        continue;
      Work.append(succ_begin(BB), succ_end(BB));
    }
    return false;
  }

  const Function *Marker;
  DenseMap<const Function *, uint64_t> Cost;
  DenseMap<const Function *, Decision> State;
};
} // namespace

void eraseEntryMarker(CallBase &Marker) {
  // An invoke of the marker cannot unwind once removed: branch on, at its
  // location.
  if (auto *II = dyn_cast<InvokeInst>(&Marker)) {
    BranchInst *Br = BranchInst::Create(II->getNormalDest(), II->getIterator());
    Br->setDebugLoc(II->getDebugLoc());
    II->getUnwindDest()->removePredecessor(II->getParent());
  }
  Marker.eraseFromParent();
}

LoadInst *loadPendingWord(IRBuilderBase &B, RuntimeDecls &RT) {
  Value *Addr = B.CreateThreadLocalAddress(RT.pendingWord());
  LoadInst *Word =
      B.CreateAlignedLoad(B.getInt32Ty(), Addr, Align(4), "safepoint.pending");
  if (B.GetInsertBlock()->getParent()->hasFnAttribute(
          Attribute::SanitizeThread) ||
      ablated("volatile-poll"))
    Word->setAtomic(AtomicOrdering::Monotonic);
  else
    Word->setVolatile(true);
  return Word;
}

/// A chunk poll's slow call also cancels the cost of the loop control that
/// strip-mining added, for the inliner (ChunkControlInstrs); other slow
/// calls take pollSlow()'s function attribute.
static void weighForInliner(CallBase &Slow, unsigned Kind) {
  if (Kind != SAFEPOINT_SITE_CHUNK || ablated("chunk-inline-cost"))
    return;
  Slow.addFnAttr(
      Attribute::get(Slow.getContext(), "call-inline-cost",
                     std::to_string(-(PollFastPathInstrs + ChunkControlInstrs) *
                                    InlineConstants::getInstrCost())));
}

/// Emits the inline check in place of \p CB and erases it.
static void lowerOne(CallBase *CB, RuntimeDecls &RT, unsigned Kind) {
  LLVMContext &C = CB->getContext();
  IRBuilder<> B(CB);
  LoadInst *Word = loadPendingWord(B, RT);
  if (Kind == SAFEPOINT_SITE_CHUNK) // for PollDistance's chunk bound
    Word->setMetadata(ChunkPollMD, MDNode::get(C, {}));
  else if (Kind == SAFEPOINT_SITE_LOOP) // for LateStripMinePass
    Word->setMetadata(LoopPollMD, MDNode::get(C, {}));
  else if (Kind == SAFEPOINT_SITE_GOTO) // for RedundantPollEliminationPass
    Word->setMetadata(GotoPollMD, MDNode::get(C, {}));
  Value *IsPending = B.CreateIsNotNull(Word, "safepoint.is_pending");
  MDNode *Cold = MDBuilder(C).createUnlikelyBranchWeights();

  if (auto *II = dyn_cast<InvokeInst>(CB)) {
    // invoke marker to %normal unwind %lpad  ==>
    //   br %pending, %slow, %normal;  slow: invoke slow to %normal unwind %lpad
    BasicBlock *BB = II->getParent();
    BasicBlock *Normal = II->getNormalDest();
    BasicBlock *Unwind = II->getUnwindDest();
    Function *F = BB->getParent();
    BasicBlock *Slow = BasicBlock::Create(C, "safepoint.slow", F, Normal);
    IRBuilder<> SB(Slow);
    InvokeInst *NewII = SB.CreateInvoke(RT.pollSlow(), Normal, Unwind, {}, "");
    NewII->setDebugLoc(II->getDebugLoc());
    weighForInliner(*NewII, Kind);
    // The unwind edge now leaves Slow; the normal dest gains an edge.
    Unwind->replacePhiUsesWith(BB, Slow);
    for (PHINode &Phi : Normal->phis())
      Phi.addIncoming(Phi.getIncomingValueForBlock(BB), Slow);
    BranchInst *Br = B.CreateCondBr(IsPending, Slow, Normal, Cold);
    Br->setDebugLoc(II->getDebugLoc());
    II->eraseFromParent();
    return;
  }

  Instruction *Then = SplitBlockAndInsertIfThen(IsPending, CB,
                                                /*Unreachable=*/false, Cold);
  Then->getParent()->setName("safepoint.slow");
  CallInst *Slow = CallInst::Create(RT.pollSlow(), "", Then->getIterator());
  Slow->setDebugLoc(CB->getDebugLoc());
  weighForInliner(*Slow, Kind);
  CB->eraseFromParent();
}

unsigned lowerPollMarkers(Module &M, RuntimeDecls &RT, Placement P) {
  Function *Marker = M.getFunction(abi::PollMarker);
  if (!Marker)
    return 0;

  unsigned Placed = 0;
  EntryPolicy Policy(Marker);
  // Every decision first, while each function still starts with its marker.
  if (P == Placement::Default)
    for (Function &F : M)
      if (!F.isDeclaration())
        Policy.dropsEntryPoll(F);
  SmallVector<CallBase *, 16> Sites;
  for (Function &F : M) {
    if (F.isDeclaration())
      continue;
    Sites.clear();
    for (Instruction &I : instructions(F))
      if (isMarkerCall(I, Marker))
        Sites.push_back(cast<CallBase>(&I));
    if (Sites.empty())
      continue;

    OptimizationRemarkEmitter ORE(&F);
    bool Bounded = P == Placement::Default && Policy.dropsEntryPoll(F);
    for (CallBase *CB : Sites) {
      unsigned Kind = siteKind(*CB);
      if (Bounded && Kind == SAFEPOINT_SITE_ENTRY) {
        ORE.emit([&] {
          return OptimizationRemarkMissed(abi::RemarkName.data(),
                                          "EntryPollOmitted", CB)
                 << "no poll at entry of '"
                 << ore::NV("Function", llvm::demangle(F.getName()))
                 << "': it cannot recurse without polling and does bounded "
                    "work before its first poll (no calls but small call "
                    "trees and functions that poll at their entry, bounded "
                    "loops)";
        });
        eraseEntryMarker(*CB);
        continue;
      }
      ORE.emit([&] {
        return OptimizationRemark(abi::RemarkName.data(), "PollPlaced", CB)
               << "poll at " << abi::siteKindName(Kind) << " in '"
               << ore::NV("Function", llvm::demangle(F.getName())) << "'";
      });
      lowerOne(CB, RT, Kind);
      ++Placed;
    }
  }
  if (Marker->use_empty())
    Marker->eraseFromParent();
  return Placed;
}

unsigned addIREntryMarkers(Module &M) {
  LLVMContext &C = M.getContext();
  FunctionCallee Marker = M.getOrInsertFunction(
      abi::PollMarker, Type::getVoidTy(C), Type::getInt32Ty(C));
  unsigned Added = 0;
  for (Function &F : M) {
    // Only functions that may already throw: every caller compiled them with
    // the cleanups and handlers an exception from the call needs, and at the
    // entry no local object of F is live yet.
    if (F.isDeclaration() || F.doesNotThrow() ||
        F.hasFnAttribute(Attribute::Naked) ||
        F.hasFnAttribute(Attribute::PresplitCoroutine) ||
        F.callsFunctionThatReturnsTwice() ||
        F.getName().starts_with("__safepoint_"))
      continue;
    IRBuilder<> B(&*F.getEntryBlock().getFirstNonPHIOrDbgOrAlloca());
    CallInst *Call = B.CreateCall(Marker, {B.getInt32(SAFEPOINT_SITE_ENTRY)});
    if (DISubprogram *SP = F.getSubprogram())
      Call->setDebugLoc(DILocation::get(C, SP->getScopeLine(), 0, SP));
    ++Added;
  }
  return Added;
}

} // namespace safepoint
