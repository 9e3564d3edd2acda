//===- LateStripMining.cpp - Strip-mine polled countable loops in IR ------===//
//
// The frontend strip-mines the loop shapes it can rewrite in C++ (counted
// `for` with a local bound, range-`for`); every other loop keeps the poll it
// placed at the start of its body, and a loop with a poll cannot be
// vectorized. Just before the vectorizer, when SCEV has made the loop
// countable, this pass strip-mines such loops in IR:
//
//   preheader:                          preheader:
//     br %header                          br %chunk.header
//   header:                             chunk.header:             ; new
//     %i = phi [%a, %preheader],          %i.chunk = phi [%a, %preheader],
//              [%i.next, %latch]                         [%i.next, %chunk.end]
//     <poll>                              br %header
//     body                              header:
//   latch:                                %i = phi [%i.chunk, %chunk.header],
//     %c = ...                                     [%i.next, %latch]
//     br %c, %header, %exit               %k = phi [Chunk, %chunk.header],
//                                                  [%k.next, %latch]
//                                         body                ; no poll
//                                       latch:
//                                         %c = ...
//                                         %k.next = %k - 1
//                                         br (%c && %k.next != 0), %header,
//                                            %chunk.end
//                                       chunk.end:
//                                         <poll, same unwind dest>
//                                         br %c, %chunk.header, %exit
//
// The inner loop has no call and a trip count of umin(remaining, Chunk), so
// the vectorizer and unroller treat it as before; the poll runs once per
// Chunk iterations, on the edge from one iteration to the next, and once more
// when the loop ends, so that every run of the loop polls (a short inner loop
// of an outer loop may never fill a chunk).
//
// Why this is correct: the frontend placed the poll at the start of the loop
// body, where the objects alive are those of every iteration's start; the
// new poll sits on the back-edge, before the next iteration's header, or on
// the exit edge, which leaves the latch in the same state. The
// transform requires that nothing with a side effect runs in the header
// before the poll, so the two points see the same memory, and it maps the
// landing pad's incoming values from the header's phis to their values on
// the back-edge. The loop must call nothing but the poll and non-throwing
// intrinsics, so no other cleanup scope opens inside it. Anything else is
// left alone and reported with -Rpass-missed=safepoint.
//
// Values the slow path reloads (GVN's PRE of a field the slow call may
// write) are reloaded after the chunk's poll too. When such a value starts
// as an object the function made (`new`, an alloca), the join with the
// reload would hide from AA what plain code knows (the fresh array is not
// the bound's field): then the chunks keep the first value, and a chunk's
// slow path that reloads another goes on, from the same iteration, in a
// copy of the loop as it was, polling every iteration (needsPolledCopy).
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/Analysis/AliasAnalysis.h"
#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/ScalarEvolutionExpressions.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/Transforms/Scalar/LICM.h"
#include "llvm/Transforms/Scalar/LoopPassManager.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/LoopSimplify.h"

using namespace llvm;

namespace safepoint {

namespace {

/// The cold side of a poll: the call of the slow path, then maybe loads
/// that GVN moved there from the loop body (a field reloaded because the
/// call may write it), up to the block that rejoins the loop.
struct SlowPath {
  CallBase *Call = nullptr;
  SmallVector<BasicBlock *, 2> Blocks;
  SmallVector<Instruction *, 4> Reloads; // side-effect free, in order
  BasicBlock *Last = nullptr;            // branches back to the loop
  BasicBlock *Rejoin = nullptr;
};

/// The slow path starting at \p BB, if BB starts with the slow call.
std::optional<SlowPath> slowPathFrom(BasicBlock *BB) {
  SlowPath P;
  for (unsigned Depth = 0; Depth < 3; ++Depth) {
    P.Blocks.push_back(BB);
    for (Instruction &I : *BB) {
      if (I.isDebugOrPseudoInst())
        continue;
      if (!P.Call) {
        if (!isSlowCall(I))
          return std::nullopt;
        P.Call = cast<CallBase>(&I);
      } else if (I.isTerminator()) {
        break;
      } else if (isa<PHINode>(I) || isa<CallBase>(I) ||
                 I.mayHaveSideEffects()) {
        return std::nullopt;
      } else {
        P.Reloads.push_back(&I);
      }
    }
    BasicBlock *Next;
    if (auto *II = dyn_cast<InvokeInst>(BB->getTerminator()))
      Next = II->getNormalDest();
    else if (auto *Br = dyn_cast<BranchInst>(BB->getTerminator());
             Br && Br->isUnconditional())
      Next = Br->getSuccessor(0);
    else
      return std::nullopt;
    if (!Next->getSinglePredecessor()) {
      P.Last = BB;
      P.Rejoin = Next;
      return P;
    }
    BB = Next;
  }
  return std::nullopt;
}

/// A polled loop found eligible, with everything the rewrite needs, taken
/// before any loop of the function is changed.
struct Candidate {
  Loop *L;
  BasicBlock *Preheader, *Header, *Latch, *Exit;
  BranchInst *PollBr; // the header's terminator: pending ? Slow : Cont
  LoadInst *Word;
  SlowPath Slow;
  BasicBlock *Cont;
  BasicBlock *Unwind; // the poll's unwind dest, or null for a call
  /// For each phi of Unwind: its value on the new poll's edge.
  SmallVector<std::pair<PHINode *, Value *>, 4> UnwindValues;
  /// Header phis whose next value the slow path reloads, and the reload.
  SmallVector<std::pair<PHINode *, Value *>, 2> Refreshed;
  /// Whether the chunked loop keeps the Refreshed values fixed and a copy of
  /// the polled loop takes over when the slow path changes one.
  bool Versioned = false;
  /// Iterations per chunk: StripMineChunk, fewer for a heavier body.
  unsigned ChunkSize = StripMineChunk;
};

class LateStripMiner {
public:
  LateStripMiner(Function &F, LoopInfo &LI, DominatorTree &DT,
                 ScalarEvolution &SE, AssumptionCache &AC,
                 OptimizationRemarkEmitter &ORE)
      : F(F), LI(LI), DT(DT), SE(SE), AC(AC), ORE(ORE) {}

  /// Rewrites every eligible loop; returns whether the function changed.
  bool run() {
    bool Changed = false;
    SmallVector<Loop *, 8> Polled;
    for (Loop *L : LI.getLoopsInPreorder()) {
      if (L->isInnermost() && headerPoll(*L))
        Polled.push_back(L);
    }
    // Preheader, one latch, dedicated exits (this runs before the loop
    // passes that would establish them).
    for (Loop *L : Polled)
      Changed |= simplifyLoop(L, &DT, &LI, &SE, &AC, nullptr,
                              /*PreserveLCSSA=*/false);
    SmallVector<Candidate, 4> Found;
    for (Loop *L : Polled)
      if (std::optional<Candidate> C = analyze(*L))
        Found.push_back(std::move(*C));
    for (Candidate &C : Found) {
      ValueToValueMapTy VMap;
      BasicBlock *Polled = C.Versioned ? clonePolled(C, VMap) : nullptr;
      Chunked.push_back(rewrite(C, Polled, VMap));
    }
    return Changed || !Found.empty();
  }

  /// A strip-mined loop: its chunk counter and where it is in the source.
  struct Chunk {
    PHINode *K;
    DebugLoc Loc;
    BasicBlock *Header;
    unsigned Size;
  };
  SmallVector<Chunk, 4> Chunked;

private:
  /// The header's poll, if the loop's only poll is a loop back-edge poll at
  /// the start of its header.
  LoadInst *headerPoll(Loop &L, SlowPath *Slow = nullptr,
                       BasicBlock **Cont = nullptr) {
    LoadInst *Word = loopPoll(*L.getHeader());
    if (!Word)
      return nullptr;
    auto *Br = cast<BranchInst>(L.getHeader()->getTerminator());
    std::optional<SlowPath> Path;
    unsigned S = 0;
    for (; S < 2 && !Path; ++S)
      Path = slowPathFrom(Br->getSuccessor(S));
    if (!Path || Path->Rejoin != Br->getSuccessor(2 - S))
      return nullptr;
    if (Slow)
      *Slow = std::move(*Path);
    if (Cont)
      *Cont = Br->getSuccessor(2 - S);
    return Word;
  }

  std::optional<Candidate> analyze(Loop &L) {
    Candidate C{};
    if (!headerPoll(L, &C.Slow, &C.Cont))
      return std::nullopt;
    C.L = &L;
    C.Header = L.getHeader();
    C.PollBr = cast<BranchInst>(C.Header->getTerminator());
    C.Word =
        cast<LoadInst>(cast<ICmpInst>(C.PollBr->getCondition())->getOperand(0));

    auto Missed = [&](StringRef Why) -> std::optional<Candidate> {
      ORE.emit([&] {
        return OptimizationRemarkMissed(abi::RemarkName.data(),
                                        "LoopNotStripMined", L.getStartLoc(),
                                        C.Header)
               << "loop keeps its poll in every iteration: " << Why;
      });
      return std::nullopt;
    };

    if (ablated("strip-mine-ir"))
      return std::nullopt;
    C.Preheader = L.getLoopPreheader();
    C.Latch = L.getLoopLatch();
    if (!C.Preheader || !C.Latch || !L.hasDedicatedExits())
      return Missed("not in simplified form");
    auto *LatchBr = dyn_cast<BranchInst>(C.Latch->getTerminator());
    if (!LatchBr || !LatchBr->isConditional() || C.Latch == C.Header)
      return Missed("its latch does not end in a conditional branch");
    C.Exit = LatchBr->getSuccessor(LatchBr->getSuccessor(0) == C.Header);
    if (L.contains(C.Exit))
      return Missed("its latch does not leave the loop");

    if (auto *II = dyn_cast<InvokeInst>(C.Slow.Call))
      C.Unwind = II->getUnwindDest();
    if (C.Cont->hasNPredecessorsOrMore(3))
      return Missed("its poll's successor has other predecessors");

    // Leaves by the latch only (and through the poll's unwind edge).
    SmallVector<BasicBlock *, 4> Exiting;
    L.getExitingBlocks(Exiting);
    for (BasicBlock *BB : Exiting)
      if (BB != C.Latch && BB != C.Slow.Blocks.front())
        return Missed("it has more than one exit");

    // Calls nothing but the poll and intrinsics that cannot throw: no other
    // cleanup scope opens inside the loop.
    for (BasicBlock *BB : L.blocks())
      for (Instruction &I : *BB)
        if (auto *CB = dyn_cast<CallBase>(&I);
            CB && CB != C.Slow.Call &&
            (!isa<IntrinsicInst>(CB) || CB->mayThrow()))
          return Missed("it makes calls");

    // As many iterations per chunk as fit the work budget.
    if (!ablated("work-budget"))
      C.ChunkSize = chunkWithinBudget(loopBlocksCost(L), StripMineChunk);
    if (C.ChunkSize < MinStripMineChunk)
      return Missed("its body is too large for chunks");

    // Nothing observable runs between the iteration's start and the poll.
    for (Instruction &I : *C.Header) {
      if (&I == C.Word)
        break;
      if (I.mayHaveSideEffects())
        return Missed("its header has side effects before the poll");
    }

    if (C.Unwind)
      for (PHINode &Phi : C.Unwind->phis()) {
        Value *V = onBackEdge(
            L, C, Phi.getIncomingValueForBlock(C.Slow.Blocks.front()));
        if (!V)
          return Missed("its landing pad uses a value of the header");
        C.UnwindValues.push_back({&Phi, V});
      }

    // Reloads on the slow path: they read what the slow call may have
    // written, for the next iterations. The chunk's poll reloads them too.
    for (Instruction *I : C.Slow.Reloads)
      for (Value *Op : I->operands())
        if (auto *OpI = dyn_cast<Instruction>(Op);
            OpI && L.contains(OpI) && !is_contained(C.Slow.Reloads, OpI))
          return Missed("its slow path recomputes a value of the loop");
    for (PHINode &Phi : C.Cont->phis()) {
      Value *Fast = Phi.getIncomingValueForBlock(C.Header);
      Value *Reloaded = Phi.getIncomingValueForBlock(C.Slow.Last);
      if (Fast == Reloaded)
        continue;
      auto *Carried = dyn_cast<PHINode>(Fast);
      if (!Carried || Carried->getParent() != C.Header ||
          Carried->getIncomingValueForBlock(C.Latch) != &Phi)
        return Missed("its slow path changes a value of the loop");
      C.Refreshed.push_back({Carried, Reloaded});
    }

    // Only loops the vectorizer may take once the poll is gone: a counted
    // exit and affine memory accesses. A chunk costs a counter per iteration
    // and a poll per run, more than the poll it replaces when the loop stays
    // scalar (a CSR row, a comparison-driven search). Header phis that only
    // the slow path changes become invariant too.
    WillBeInvariant.clear();
    for (auto &[Carried, Reload] : C.Refreshed) {
      WillBeInvariant.insert(Carried);
      WillBeInvariant.insert(Carried->getIncomingValueForBlock(C.Latch));
    }
    auto *LatchCmp = dyn_cast<ICmpInst>(
        cast<BranchInst>(C.Latch->getTerminator())->getCondition());
    if (!LatchCmp || !affine(L, LatchCmp->getOperand(0)) ||
        !affine(L, LatchCmp->getOperand(1)))
      return Missed("its trip count is not computable");
    for (BasicBlock *BB : L.blocks()) {
      if (is_contained(C.Slow.Blocks, BB))
        continue;
      for (Instruction &I : *BB)
        if (Value *Ptr = getLoadStorePointerOperand(&I);
            Ptr && &I != C.Word && !affine(L, Ptr))
          return Missed("it accesses memory through computed addresses");
    }

    C.Versioned = needsPolledCopy(C);
    return C;
  }

  /// A header phi that only the slow path changes joins its first value,
  /// which may be an object the function made (`new`, an alloca) that AA
  /// knows apart from every field, with a reload that may point anywhere; a
  /// store through the joined pointer may then change the loop's bound, which
  /// stays uncountable. Worth a copy: the chunked loop keeps the first value,
  /// and when a slow path that returns (a handshake) reloads something else,
  /// the rest of the loop runs in a copy of the loop as it was, polling every
  /// iteration. The copy needs the loop's values to leave it only through the
  /// exit's and the landing pad's phis, and reloads it can compare.
  static bool needsPolledCopy(const Candidate &C) {
    if (ablated("strip-mine-version") ||
        none_of(C.Refreshed, [&](const auto &R) {
          return isIdentifiedFunctionLocal(getUnderlyingObject(
              R.first->getIncomingValueForBlock(C.Preheader)));
        }))
      return false;
    for (const auto &R : C.Refreshed)
      if (!R.first->getType()->isIntOrPtrTy())
        return false;
    for (BasicBlock *BB : C.L->blocks())
      for (Instruction &I : *BB)
        for (const Use &U : I.uses()) {
          auto *User = cast<Instruction>(U.getUser());
          if (C.L->contains(User))
            continue;
          auto *Phi = dyn_cast<PHINode>(User);
          BasicBlock *From = Phi ? Phi->getIncomingBlock(U) : nullptr;
          if (!Phi || !((Phi->getParent() == C.Exit && From == C.Latch) ||
                        (Phi->getParent() == C.Unwind &&
                         From == C.Slow.Blocks.front())))
            return false;
        }
    return true;
  }

  /// A copy of the loop as it is, placed at the end of the function: its
  /// exits join the original's; its header phis' entry values are set by
  /// rewrite(). Returns the copy's header.
  BasicBlock *clonePolled(const Candidate &C, ValueToValueMapTy &VMap) {
    SmallVector<BasicBlock *, 8> Blocks;
    for (BasicBlock *BB : C.L->blocks()) {
      BasicBlock *Copy = CloneBasicBlock(BB, VMap, ".polled", &F);
      VMap[BB] = Copy;
      Blocks.push_back(Copy);
    }
    remapInstructionsInBlocks(Blocks, VMap);
    auto Mapped = [&](Value *V) {
      Value *Copy = VMap.lookup(V);
      return Copy ? Copy : V;
    };
    auto *Latch = cast<BasicBlock>(VMap[C.Latch]);
    for (PHINode &Phi : C.Exit->phis())
      Phi.addIncoming(Mapped(Phi.getIncomingValueForBlock(C.Latch)), Latch);
    if (C.Unwind) {
      BasicBlock *SlowCall = C.Slow.Blocks.front();
      for (PHINode &Phi : C.Unwind->phis())
        Phi.addIncoming(Mapped(Phi.getIncomingValueForBlock(SlowCall)),
                        cast<BasicBlock>(VMap[SlowCall]));
    }
    // A loop of its own: a new loop ID, and a cold copy is not unrolled. The
    // original's hints (vectorize.enable) would only warn here.
    LLVMContext &Ctx = F.getContext();
    auto Option = [&](StringRef Name) {
      return MDNode::get(Ctx, MDString::get(Ctx, Name));
    };
    SmallVector<Metadata *, 3> Ops{nullptr, Option("llvm.loop.unroll.disable")};
    if (findOptionMDForLoop(C.L, "llvm.loop.mustprogress"))
      Ops.push_back(Option("llvm.loop.mustprogress"));
    MDNode *ID = MDNode::getDistinct(Ctx, Ops);
    ID->replaceOperandWith(0, ID);
    Latch->getTerminator()->setMetadata(LLVMContext::MD_loop, ID);
    return cast<BasicBlock>(VMap[C.Header]);
  }

  /// True if \p V will be loop-invariant once the poll's call has left the
  /// loop and LICM has run: invariant now, or loaded from such an address.
  bool invariantAfterLICM(Loop &L, Value *V, unsigned Depth = 0) {
    if (L.isLoopInvariant(V) || WillBeInvariant.contains(V))
      return true;
    auto *I = dyn_cast<Instruction>(V);
    if (!I || Depth > 4)
      return false;
    if (auto *Load = dyn_cast<LoadInst>(I))
      return Load->isSimple() &&
             invariantAfterLICM(L, Load->getPointerOperand(), Depth + 1);
    if (isa<CastInst, GetElementPtrInst, BinaryOperator>(I))
      return all_of(I->operands(), [&](Value *Op) {
        return invariantAfterLICM(L, Op, Depth + 1);
      });
    return false;
  }

  /// True if \p V is an affine function of the loop's iteration (an add
  /// recurrence of \p L) or will be invariant: a counted exit's operand, an
  /// address the vectorizer can widen.
  bool affine(Loop &L, Value *V, unsigned Depth = 0) {
    if (invariantAfterLICM(L, V))
      return true;
    if (const auto *AR = dyn_cast<SCEVAddRecExpr>(SE.getSCEV(V));
        AR && AR->getLoop() == &L && AR->isAffine())
      return true;
    auto *I = dyn_cast<Instruction>(V);
    if (!I || Depth > 4)
      return false;
    // An add recurrence over a base or step SCEV cannot see through yet (a
    // field loaded in the loop): look at the parts.
    if (isa<CastInst, GetElementPtrInst>(I) ||
        (isa<BinaryOperator>(I) && (I->getOpcode() == Instruction::Add ||
                                    I->getOpcode() == Instruction::Sub)))
      return all_of(I->operands(),
                    [&](Value *Op) { return affine(L, Op, Depth + 1); });
    return false;
  }

  /// The value that \p V, seen at the header's poll, has on the back-edge:
  /// header phis take their latch value; values from outside are the same.
  static Value *onBackEdge(Loop &L, const Candidate &C, Value *V) {
    auto *I = dyn_cast<Instruction>(V);
    if (!I || !L.contains(I))
      return V;
    if (auto *Phi = dyn_cast<PHINode>(I); Phi && Phi->getParent() == C.Header)
      return Phi->getIncomingValueForBlock(C.Latch);
    return nullptr;
  }

  /// Strip-mines C's loop. With \p Polled, the header of a copy of the loop
  /// from clonePolled(), the refreshed values stay fixed in the chunks and a
  /// slow path that changes one continues in the copy.
  Chunk rewrite(Candidate &C, BasicBlock *Polled,
                const ValueToValueMapTy &VMap) {
    LLVMContext &Ctx = F.getContext();
    Type *I32 = Type::getInt32Ty(Ctx);
    auto *OuterHeader =
        BasicBlock::Create(Ctx, "safepoint.chunk.header", &F, C.Header);
    auto *ChunkEnd = BasicBlock::Create(Ctx, "safepoint.chunk.end", &F, C.Exit);
    auto *Poll = BasicBlock::Create(Ctx, "safepoint.chunk.poll", &F, C.Exit);
    auto *Slow = BasicBlock::Create(Ctx, "safepoint.chunk.slow", &F, C.Exit);
    DebugLoc Loc = C.PollBr->getDebugLoc();

    // preheader -> chunk.header -> header; header phis start from the chunk.
    C.Preheader->getTerminator()->replaceSuccessorWith(C.Header, OuterHeader);
    BranchInst::Create(C.Header, OuterHeader);
    struct ChunkPhi {
      PHINode *Phi, *Outer;
      Value *Next;     // the header phi's value on the back-edge
      Value *Reloaded; // its value after the slow path
      Value *First;    // its value on entry
    };
    SmallVector<ChunkPhi, 8> ChunkPhis;
    for (PHINode &Phi : C.Header->phis()) {
      PHINode *Outer = PHINode::Create(
          Phi.getType(), 3, Phi.getName() + ".chunk", OuterHeader->begin());
      Outer->addIncoming(Phi.getIncomingValueForBlock(C.Preheader),
                         C.Preheader);
      Value *Next = Phi.getIncomingValueForBlock(C.Latch);
      Value *Reloaded = Next;
      for (auto &[Carried, Reload] : C.Refreshed)
        if (Carried == &Phi)
          Reloaded = Reload;
      ChunkPhis.push_back({&Phi, Outer, Next, Reloaded,
                           Phi.getIncomingValueForBlock(C.Preheader)});
      Phi.setIncomingValue(Phi.getBasicBlockIndex(C.Preheader), Outer);
      Phi.setIncomingBlock(Phi.getBasicBlockIndex(C.Preheader), OuterHeader);
    }
    PHINode *K = PHINode::Create(I32, 2, "safepoint.k", C.Header->begin());
    K->addIncoming(ConstantInt::get(I32, C.ChunkSize), OuterHeader);

    // latch: go on while the loop would and the chunk is not used up. The
    // branch keeps its polarity: SCEV counts `c && left` and `c || done`
    // exits, not always through a negation.
    // Terminators are replaced by erasing first and appending after: the
    // debug records before the old one then stay before the new one.
    auto *LatchBr = cast<BranchInst>(C.Latch->getTerminator());
    bool ExitOnTrue = LatchBr->getSuccessor(0) != C.Header;
    Value *Cond = LatchBr->getCondition();
    DebugLoc LatchLoc = LatchBr->getDebugLoc();
    MDNode *LoopMD = LatchBr->getMetadata(LLVMContext::MD_loop);
    LatchBr->eraseFromParent();
    IRBuilder<> B(C.Latch);
    Value *KNext = B.CreateSub(K, ConstantInt::get(I32, 1), "safepoint.k.next");
    K->addIncoming(KNext, C.Latch);
    BranchInst *NewLatchBr;
    if (ExitOnTrue) {
      Value *Stop =
          B.CreateLogicalOr(Cond, B.CreateIsNull(KNext, "safepoint.chunk.done"),
                            "safepoint.stop");
      NewLatchBr = B.CreateCondBr(Stop, ChunkEnd, C.Header);
    } else {
      Value *Go = B.CreateLogicalAnd(
          Cond, B.CreateIsNotNull(KNext, "safepoint.chunk.left"),
          "safepoint.go");
      NewLatchBr = B.CreateCondBr(Go, C.Header, ChunkEnd);
    }
    NewLatchBr->setDebugLoc(LatchLoc);
    if (LoopMD)
      NewLatchBr->setMetadata(LLVMContext::MD_loop, LoopMD);
    // chunk.end polls: between chunks, and when the loop ends, so that each
    // run of the loop polls at least once (in an outer loop, a short inner
    // loop would otherwise never reach its chunk's end and poll). Then on to
    // the next chunk or the loop's own exit.
    BranchInst::Create(Poll, ChunkEnd);
    auto *Next = BasicBlock::Create(Ctx, "safepoint.chunk.next", &F, C.Exit);
    auto Dispatch = [&](IRBuilder<> &B, BasicBlock *Continue) {
      if (ExitOnTrue)
        B.CreateCondBr(Cond, C.Exit, Continue);
      else
        B.CreateCondBr(Cond, Continue, C.Exit);
    };
    IRBuilder<> NB(Next);
    Dispatch(NB, OuterHeader);

    // chunk.poll: the lowered poll, on the original poll's unwind edge.
    IRBuilder<> PB(Poll);
    Module &M = *F.getParent();
    RuntimeDecls RT(M);
    LoadInst *Word = loadPendingWord(PB, RT);
    Word->setMetadata(ChunkPollMD, MDNode::get(Ctx, {}));
    PB.CreateCondBr(PB.CreateIsNotNull(Word, "safepoint.is_pending"), Slow,
                    Next, MDBuilder(Ctx).createUnlikelyBranchWeights())
        ->setDebugLoc(Loc);
    // chunk.slow: the slow call, then the slow path's reloads, whose values
    // start the next chunk.
    IRBuilder<> SB(Slow);
    BasicBlock *SlowEnd = Slow;
    if (C.Unwind) {
      SlowEnd = BasicBlock::Create(Ctx, "safepoint.chunk.resume", &F, C.Exit);
      SB.CreateInvoke(RT.pollSlow(), SlowEnd, C.Unwind, {})->setDebugLoc(Loc);
      for (auto &[Phi, V] : C.UnwindValues)
        Phi->addIncoming(V, Slow);
      SB.SetInsertPoint(SlowEnd);
    } else {
      SB.CreateCall(RT.pollSlow())->setDebugLoc(Loc);
    }
    DenseMap<Value *, Value *> Reloaded;
    for (Instruction *I : C.Slow.Reloads) {
      Instruction *Copy = I->clone();
      for (Use &Op : Copy->operands())
        if (Value *V = Reloaded.lookup(Op))
          Op.set(V);
      SB.Insert(Copy, I->getName());
      Reloaded[I] = Copy;
    }
    // With a polled copy, chunk.resume: the next chunk if the reloads found
    // what the chunks use, else the copy, from the same iteration.
    BasicBlock *Resume = SlowEnd;
    if (Polled) {
      Resume =
          BasicBlock::Create(Ctx, "safepoint.chunk.resume.same", &F, C.Exit);
      Dispatch(SB, Resume);
      SB.SetInsertPoint(Resume);
      Value *Same = nullptr;
      for (ChunkPhi &P : ChunkPhis)
        if (Value *Copy = Reloaded.lookup(P.Reloaded)) {
          Value *Eq = SB.CreateICmpEQ(Copy, P.First, "safepoint.unchanged");
          Same = Same ? SB.CreateAnd(Same, Eq) : Eq;
        }
      SB.CreateCondBr(Same, OuterHeader, Polled,
                      MDBuilder(Ctx).createLikelyBranchWeights());
    } else {
      Dispatch(SB, OuterHeader);
    }
    for (ChunkPhi &P : ChunkPhis) {
      P.Outer->addIncoming(P.Next, Next);
      Value *Copy = Reloaded.lookup(P.Reloaded);
      Value *After = Copy ? Copy : P.Reloaded;
      if (Polled) {
        auto *InCopy = cast<PHINode>(VMap.lookup(P.Phi));
        InCopy->setIncomingBlock(InCopy->getBasicBlockIndex(C.Preheader),
                                 Resume);
        InCopy->setIncomingValue(InCopy->getBasicBlockIndex(Resume), After);
        After = P.Next;
      }
      P.Outer->addIncoming(After, Resume);
    }
    for (PHINode &Phi : C.Exit->phis()) {
      Value *V = Phi.getIncomingValueForBlock(C.Latch);
      Phi.setIncomingBlock(Phi.getBasicBlockIndex(C.Latch), Next);
      Phi.addIncoming(V, SlowEnd);
    }

    // The header's poll goes.
    C.PollBr->eraseFromParent();
    BranchInst::Create(C.Cont, C.Header);
    eraseDeadPollCheck(*cast<Instruction>(C.Word->user_back()), *C.Word);
    DeleteDeadBlocks(C.Slow.Blocks);
    // In the chunks, a refreshed value keeps its first value.
    if (Polled)
      for (ChunkPhi &P : ChunkPhis)
        if (Reloaded.lookup(P.Reloaded)) {
          P.Phi->replaceAllUsesWith(P.First);
          P.Phi->eraseFromParent();
          P.Outer->replaceAllUsesWith(P.First);
          P.Outer->eraseFromParent();
        }

    return {K, C.L->getStartLoc(), C.Header, C.ChunkSize};
  }

  SmallPtrSet<Value *, 4> WillBeInvariant;
  Function &F;
  LoopInfo &LI;
  DominatorTree &DT;
  ScalarEvolution &SE;
  AssumptionCache &AC;
  OptimizationRemarkEmitter &ORE;
};

} // namespace

/// After LICM: a strip-mined loop whose trip count SCEV still cannot compute
/// would not be vectorized, and a chunk of its iterations (a pointer chase,
/// say) may take long; its chunk shrinks to one iteration, which polls every
/// iteration as before (the poll now on the back-edge) and lets the next
/// passes fold the inner loop away.
static void settleChunks(Function &F, ArrayRef<LateStripMiner::Chunk> Chunks,
                         FunctionAnalysisManager &FAM) {
  auto &LI = FAM.getResult<LoopAnalysis>(F);
  auto &SE = FAM.getResult<ScalarEvolutionAnalysis>(F);
  auto &ORE = FAM.getResult<OptimizationRemarkEmitterAnalysis>(F);
  for (const LateStripMiner::Chunk &C : Chunks) {
    Loop *L = LI.getLoopFor(C.K->getParent());
    if (L && !isa<SCEVCouldNotCompute>(SE.getBackedgeTakenCount(L))) {
      ORE.emit([&] {
        return OptimizationRemark(abi::RemarkName.data(), "LoopStripMined",
                                  C.Loc, C.Header)
               << "loop strip-mined after optimization: one poll per "
               << ore::NV("Chunk", C.Size)
               << " iterations, the inner loop has no poll";
      });
      continue;
    }
    for (Use &In : C.K->incoming_values())
      if (isa<ConstantInt>(In))
        In.set(ConstantInt::get(C.K->getType(), 1));
    ORE.emit([&] {
      return OptimizationRemarkMissed(abi::RemarkName.data(),
                                      "LoopNotStripMined", C.Loc, C.Header)
             << "loop keeps its poll in every iteration: its trip count is "
                "not computable";
    });
  }
}

LateStripMinePass::LateStripMinePass() {
  Cleanup.addPass(createFunctionToLoopPassAdaptor(LICMPass(LICMOptions()),
                                                  /*UseMemorySSA=*/true));
}

PreservedAnalyses LateStripMinePass::run(Function &F,
                                         FunctionAnalysisManager &FAM) {
  if (F.isDeclaration() || F.hasOptNone())
    return PreservedAnalyses::all();
  auto &LI = FAM.getResult<LoopAnalysis>(F);
  if (LI.empty())
    return PreservedAnalyses::all();
  auto &DT = FAM.getResult<DominatorTreeAnalysis>(F);
  auto &SE = FAM.getResult<ScalarEvolutionAnalysis>(F);
  auto &AC = FAM.getResult<AssumptionAnalysis>(F);
  auto &ORE = FAM.getResult<OptimizationRemarkEmitterAnalysis>(F);
  LateStripMiner Miner(F, LI, DT, SE, AC, ORE);
  if (!Miner.run())
    return PreservedAnalyses::all();
  FAM.invalidate(F, PreservedAnalyses::none());
  if (!Miner.Chunked.empty()) {
    // The poll's call kept loads of fields and bounds in the loop.
    Cleanup.run(F, FAM);
    FAM.invalidate(F, PreservedAnalyses::none());
    settleChunks(F, Miner.Chunked, FAM);
  }
  return PreservedAnalyses::none();
}

} // namespace safepoint
