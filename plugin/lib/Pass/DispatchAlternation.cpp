//===- DispatchAlternation.cpp - A poll every second threaded dispatch ----===//
//
// A threaded interpreter (GNU computed goto through a constant table of label
// addresses) polls at every `goto *`. Its handlers are a few instructions
// each, so that poll is a large part of every bytecode (interp_goto: 1.25
// times plain's instructions).
//
// At the end of the optimization pipeline (after DispatchDuplication), this
// pass gives the interpreter a second copy of everything its handlers reach,
// without the polls right before its indirect jumps, and a second table that
// names the copies. The original handlers, which poll, load their targets
// from the second table and jump into the copies; the copies load from the
// original table and jump back:
//
//   h:                                 h:                  ; polls, then B
//     ...                                ...
//     <poll> br %pending, %slow, %d      <poll> br %pending, %slow, %d
//   d:                                 d:
//     %t = load @labels[op]              %t = load @labels.alt[op]
//     indirectbr %t, [h, ...]            indirectbr %t, [h.alt, ...]
//                                      h.alt:              ; no poll, then A
//                                        ...
//                                        br %d.alt
//                                      d.alt:
//                                        %t.alt = load @labels[op]
//                                        indirectbr %t.alt, [h, ...]
//
// Code before the first dispatch enters the original handlers. Every path
// from a handler to an indirect jump of the originals passes a poll (checked;
// otherwise the function is left alone), and the copies lose only polls from
// which a straight chain of blocks leads to an indirect jump, which no cycle
// of the copies' own branches can pass. So every second dispatch polls, and
// at most two handlers run between two polls (docs/safety-model.md). Loops
// and calls inside handlers keep their polls in both copies.
//
// The table's addresses must only be jumped to: no other use of the labels,
// the table or the loaded addresses. The phis of the copied blocks and the
// values they hand to each other go through memory while the blocks are
// copied and rewired, and mem2reg rebuilds them, as in DispatchDuplication.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Operator.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/Local.h"
#include "llvm/Transforms/Utils/PromoteMemToReg.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

using namespace llvm;

namespace safepoint {

namespace {

/// What the pass found in a function it can transform.
struct Interpreter {
  GlobalVariable *Table = nullptr;
  /// The blocks the table names, and everything they reach.
  SetVector<BasicBlock *> Handlers, Region;
  /// The table loads in Region, each with a pointer it alone uses.
  SmallVector<LoadInst *, 16> Loads;
  /// Indirect jumps in Region, and whether a load before Region feeds one.
  SmallVector<std::pair<IndirectBrInst *, bool>, 16> Jumps;
  /// Polls the copies drop: each leads straight to an indirect jump.
  SmallSetVector<BasicBlock *, 16> DispatchPolls;
  uint64_t Size = 0;
};

/// \p From and every block it reaches.
SetVector<BasicBlock *> reachedFrom(ArrayRef<BasicBlock *> From) {
  SetVector<BasicBlock *> Reached(From.begin(), From.end());
  for (unsigned I = 0; I != Reached.size(); ++I)
    for (BasicBlock *S : successors(Reached[I]))
      Reached.insert(S);
  return Reached;
}

/// The table \p Ptr points into (the global, or a GEP of it), if any.
GlobalVariable *tableOf(Value *Ptr) {
  if (auto *GEP = dyn_cast<GEPOperator>(Ptr))
    Ptr = GEP->getPointerOperand();
  return dyn_cast<GlobalVariable>(Ptr);
}

/// The loads that feed \p V (through phis and selects), or false if
/// anything else does, or if a phi takes a value over an indirect jump (an
/// address loaded in one copy would be jumped to from the other).
bool collectSources(Value *V, SmallPtrSetImpl<Value *> &Seen,
                    SmallVectorImpl<LoadInst *> &Sources) {
  if (!Seen.insert(V).second)
    return true;
  if (auto *L = dyn_cast<LoadInst>(V)) {
    Sources.push_back(L);
    return true;
  }
  if (auto *Phi = dyn_cast<PHINode>(V))
    return none_of(Phi->blocks(),
                   [](BasicBlock *In) {
                     return isa<IndirectBrInst>(In->getTerminator());
                   }) &&
           all_of(Phi->incoming_values(),
                  [&](Value *In) { return collectSources(In, Seen, Sources); });
  if (auto *Sel = dyn_cast<SelectInst>(V))
    return collectSources(Sel->getTrueValue(), Seen, Sources) &&
           collectSources(Sel->getFalseValue(), Seen, Sources);
  return false;
}

/// True if \p V (a loaded label address) only ever reaches indirect jumps'
/// address operands, through phis and selects.
bool onlyJumpedTo(const Value *V, SmallPtrSetImpl<const Value *> &Seen) {
  if (!Seen.insert(V).second)
    return true;
  return all_of(V->uses(), [&](const Use &U) {
    const User *Usr = U.getUser();
    if (isa<IndirectBrInst>(Usr))
      return U.getOperandNo() == 0;
    if (isa<PHINode>(Usr) || (isa<SelectInst>(Usr) && U.getOperandNo() != 0))
      return onlyJumpedTo(Usr, Seen);
    return false;
  });
}

/// True if \p V (a loaded jump target, or a phi or select of such) may be
/// used after an indirect jump that did not run its definition again: then
/// an address loaded in one copy would be used in the other.
bool outlivesDispatch(const Instruction &V,
                      SmallPtrSetImpl<const Instruction *> &Checked) {
  if (!Checked.insert(&V).second)
    return false;
  const BasicBlock *Def = V.getParent();
  SmallPtrSet<const BasicBlock *, 8> Uses;
  for (const Use &U : V.uses()) {
    if (const auto *Phi = dyn_cast<PHINode>(U.getUser()))
      Uses.insert(Phi->getIncomingBlock(U)); // used at the end of that block
    else
      Uses.insert(cast<Instruction>(U.getUser())->getParent());
  }
  // Blocks reached from Def without running it again, and whether an
  // indirect jump was crossed on the way.
  SmallVector<std::pair<const BasicBlock *, bool>, 16> Work{{Def, false}};
  SmallPtrSet<const BasicBlock *, 16> Seen[2];
  while (!Work.empty()) {
    auto [BB, Crossed] = Work.pop_back_val();
    Crossed |= isa<IndirectBrInst>(BB->getTerminator());
    for (const BasicBlock *S : successors(BB)) {
      if (S == Def)
        continue;
      if (Crossed && Uses.contains(S))
        return true;
      if (Seen[Crossed].insert(S).second)
        Work.emplace_back(S, Crossed);
    }
  }
  return any_of(V.users(), [&](const User *U) {
    return (isa<PHINode>(U) || isa<SelectInst>(U)) &&
           outlivesDispatch(*cast<Instruction>(U), Checked);
  });
}

/// True if \p T is a constant table of \p F's labels used only by loads in
/// \p F (directly or through GEPs), whose labels are used nowhere else, and
/// whose loaded addresses are only jumped to. Fills Handlers.
bool isJumpTable(GlobalVariable &T, Function &F, Interpreter &In) {
  if (!T.hasLocalLinkage() || !T.isConstant() || !T.hasDefinitiveInitializer())
    return false;
  auto *Init = dyn_cast<ConstantArray>(T.getInitializer());
  if (!Init || !Init->hasOneUser())
    return false;
  for (const Use &Op : Init->operands()) {
    auto *BA = dyn_cast<BlockAddress>(Op.get());
    if (!BA || BA->getFunction() != &F || !BA->hasOneUser())
      return false;
    In.Handlers.insert(BA->getBasicBlock());
  }
  SmallPtrSet<const Value *, 32> Jumped;
  auto LoadIsJumpedTo = [&](const User *U) {
    const auto *L = dyn_cast<LoadInst>(U);
    return L && L->getFunction() == &F && !L->isVolatile() &&
           onlyJumpedTo(L, Jumped);
  };
  return all_of(T.users(), [&](const User *U) {
    if (isa<GEPOperator>(U))
      return all_of(U->users(), LoadIsJumpedTo);
    return LoadIsJumpedTo(U);
  });
}

/// Finds \p F's interpreter, or says why there is none.
std::optional<std::string> analyze(Function &F, const GlobalVariable *Pending,
                                   Interpreter &In) {
  SmallVector<IndirectBrInst *, 16> All;
  for (BasicBlock &BB : F)
    if (auto *IBr = dyn_cast<IndirectBrInst>(BB.getTerminator()))
      All.push_back(IBr);
  if (All.empty())
    return "no indirect jump";

  // One table feeds every indirect jump, and names all their targets.
  DenseMap<IndirectBrInst *, SmallVector<LoadInst *, 4>> SourcesOf;
  for (IndirectBrInst *IBr : All) {
    SmallPtrSet<Value *, 16> Seen;
    SmallVector<LoadInst *, 4> &Sources = SourcesOf[IBr];
    if (!collectSources(IBr->getAddress(), Seen, Sources))
      return "a jump target that is not loaded from a table";
    for (LoadInst *L : Sources) {
      GlobalVariable *T = tableOf(L->getPointerOperand());
      if (!T || (In.Table && T != In.Table))
        return "a jump target that is not loaded from one table";
      In.Table = T;
    }
  }
  if (!In.Table || !isJumpTable(*In.Table, F, In))
    return "a label table used for more than indirect jumps";
  for (IndirectBrInst *IBr : All)
    if (!all_of(successors(IBr->getParent()),
                [&](BasicBlock *S) { return In.Handlers.contains(S); }))
      return "an indirect jump to a label outside the table";

  // The region: everything the handlers reach. An address it loads must
  // reach its jump in the copy that loaded it.
  In.Region = reachedFrom(In.Handlers.getArrayRef());
  SmallPtrSet<const Instruction *, 32> Checked;
  for (auto &[IBr, Sources] : SourcesOf)
    for (LoadInst *L : Sources)
      if (In.Region.contains(L->getParent()) && outlivesDispatch(*L, Checked))
        return "a loaded jump target that outlives its dispatch";
  for (BasicBlock *BB : In.Region) {
    if (BB->isEntryBlock())
      return "the entry block is reached from a handler";
    if (BB->isEHPad() && !BB->isLandingPad())
      return "an exception-handling pad other than a landing pad";
    for (Instruction &I : *BB) {
      if (isa<CallBrInst>(I))
        return "an asm goto";
      if (I.getType()->isTokenTy())
        return "a token value";
    }
    In.Size += blockCost(*BB);
  }
  if (In.Size > DispatchAlternationBudget)
    return "too large to copy (" + std::to_string(In.Size) +
           " IR instructions, at most " +
           std::to_string(DispatchAlternationBudget) + ")";

  // Every path from a handler to an indirect jump of the region passes a
  // poll. The polls that lead straight to the jump are dispatch polls.
  for (IndirectBrInst *IBr : All) {
    BasicBlock *Jump = IBr->getParent();
    if (!In.Region.contains(Jump))
      continue;
    bool FromOutside = any_of(SourcesOf[IBr], [&](LoadInst *L) {
      return !In.Region.contains(L->getParent());
    });
    In.Jumps.emplace_back(IBr, FromOutside);
    SmallVector<BasicBlock *, 8> Work{Jump};
    SmallPtrSet<BasicBlock *, 16> Visited{Jump};
    while (!Work.empty()) {
      BasicBlock *BB = Work.pop_back_val();
      if (In.Handlers.contains(BB))
        return "a handler that reaches its indirect jump without a poll";
      for (BasicBlock *P : predecessors(BB)) {
        if (std::optional<LoweredPoll> Poll = pollBranchEnding(*P, Pending)) {
          // A chain of unconditional branches from the poll to the jump
          // (no longer than the region: an empty endless loop ends it).
          BasicBlock *Step = Poll->Fast;
          for (size_t N = 0; Step != Jump && N != In.Region.size() &&
                             Step->getSingleSuccessor() &&
                             isa<BranchInst>(Step->getTerminator());
               ++N)
            Step = Step->getSingleSuccessor();
          if (Step == Jump && In.Region.contains(P) &&
              !isLoopOrChunkPoll(*Poll->Word))
            In.DispatchPolls.insert(P);
          continue;
        }
        if (In.Region.contains(P) && Visited.insert(P).second)
          Work.push_back(P);
      }
    }
  }
  if (In.DispatchPolls.empty())
    return "no poll right before an indirect jump";

  for (BasicBlock *BB : In.Region)
    for (Instruction &I : *BB)
      if (auto *L = dyn_cast<LoadInst>(&I);
          L && tableOf(L->getPointerOperand()) == In.Table)
        In.Loads.push_back(L);
  return std::nullopt;
}

/// Copies the interpreter and rewires the copies as the file comment shows.
void alternate(Function &F, Interpreter &In, const GlobalVariable *Pending) {
  // Each table load gets a pointer of its own, in its own block, so that
  // only the originals' loads are redirected to the new table.
  for (LoadInst *L : In.Loads)
    if (auto *GEP = dyn_cast<GetElementPtrInst>(L->getPointerOperand())) {
      Instruction *Own = GEP->clone();
      Own->insertBefore(L->getIterator());
      L->setOperand(LoadInst::getPointerOperandIndex(), Own);
      std::string Name = GEP->getName().str();
      RecursivelyDeleteTriviallyDeadInstructions(GEP);
      Own->setName(Name);
    }

  SmallVector<AllocaInst *, 32> Slots;
  for (BasicBlock *BB : In.Region)
    for (PHINode &Phi : make_early_inc_range(BB->phis()))
      Slots.push_back(DemotePHIToStack(&Phi));
  for (BasicBlock *BB : In.Region)
    for (Instruction &I : make_early_inc_range(*BB))
      if (I.isUsedOutsideOfBlock(BB))
        Slots.push_back(DemoteRegToStack(I));
  // Demoting an invoke's result may have split its normal edge.
  In.Region = reachedFrom(In.Handlers.getArrayRef());

  ValueToValueMapTy VMap;
  SmallVector<BasicBlock *, 64> Copies;
  for (BasicBlock *BB : In.Region) {
    BasicBlock *Copy = CloneBasicBlock(BB, VMap, ".alt", &F);
    VMap[BB] = Copy;
    Copies.push_back(Copy);
  }
  remapInstructionsInBlocks(Copies, VMap);

  // One table of twice the size replaces the old one: the old labels, then
  // the copies'. The copies' half is the old table moved by a constant, which
  // folds into the jump's address: `jmpq *N*8(%table,%op,8)`.
  GlobalVariable *Old = In.Table;
  auto *Init = cast<ConstantArray>(Old->getInitializer());
  SmallVector<Constant *, 32> Labels;
  for (Value *Label : Init->operand_values())
    Labels.push_back(cast<Constant>(Label));
  const unsigned N = Labels.size();
  for (unsigned I = 0; I != N; ++I)
    Labels.push_back(BlockAddress::get(
        &F, cast<BasicBlock>(
                VMap[cast<BlockAddress>(Labels[I])->getBasicBlock()])));
  auto *BothTy = ArrayType::get(Init->getType()->getElementType(), 2 * N);
  auto *Both = new GlobalVariable(
      *F.getParent(), BothTy, /*isConstant=*/true, GlobalValue::PrivateLinkage,
      ConstantArray::get(BothTy, Labels), Old->getName() + ".alt");
  Both->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
  Both->setAlignment(Old->getAlign());
  const DataLayout &DL = F.getDataLayout();
  Constant *Upper = ConstantExpr::getGetElementPtr(
      Type::getInt8Ty(F.getContext()), Both,
      ConstantInt::get(DL.getIndexType(Both->getType()),
                       DL.getTypeAllocSize(Init->getType()).getFixedValue()));

  // The originals load from the copies' half...
  for (LoadInst *L : In.Loads) {
    Value *Ptr = L->getPointerOperand();
    if (auto *GEP = dyn_cast<GetElementPtrInst>(Ptr)) {
      GEP->setOperand(GEP->getPointerOperandIndex(), Upper);
    } else if (auto *CE = dyn_cast<ConstantExpr>(Ptr)) {
      SmallVector<Constant *, 4> Ops;
      for (Value *Op : CE->operand_values())
        Ops.push_back(cast<Constant>(Op));
      Ops[0] = Upper;
      L->setOperand(LoadInst::getPointerOperandIndex(),
                    CE->getWithOperands(Ops));
    } else {
      L->setOperand(LoadInst::getPointerOperandIndex(), Upper);
    }
  }
  // ...the copies and the code before the region from the old labels' half.
  Old->replaceAllUsesWith(Both);
  Old->eraseFromParent();
  // The originals jump into the copies (also to the originals, where code
  // before the region hands them a target); the copies jump to the originals.
  for (auto [IBr, FromOutside] : In.Jumps) {
    auto *Copy = cast<IndirectBrInst>(VMap[IBr]);
    for (unsigned I = 0, E = IBr->getNumDestinations(); I != E; ++I) {
      BasicBlock *Target = IBr->getDestination(I);
      Copy->setSuccessor(I, Target);
      if (FromOutside)
        IBr->addDestination(cast<BasicBlock>(VMap[Target]));
      else
        IBr->setSuccessor(I, cast<BasicBlock>(VMap[Target]));
    }
  }
  // The copies drop their dispatch polls.
  for (BasicBlock *P : In.DispatchPolls)
    removeLoweredPoll(*pollBranchEnding(*cast<BasicBlock>(VMap[P]), Pending));
  removeUnreachableBlocks(F);
  DominatorTree DT(F);
  PromoteMemToReg(Slots, DT);
}

} // namespace

PreservedAnalyses DispatchAlternationPass::run(Function &F,
                                               FunctionAnalysisManager &FAM) {
  const GlobalVariable *Pending =
      F.getParent()->getGlobalVariable(abi::Pending);
  if (!Pending || ablated("dispatch-alternate") || F.hasOptSize() ||
      none_of(F, [](BasicBlock &BB) {
        return isa<IndirectBrInst>(BB.getTerminator());
      }))
    return PreservedAnalyses::all();
  bool Changed = removeUnreachableBlocks(F);
  Interpreter In;
  auto &ORE = FAM.getResult<OptimizationRemarkEmitterAnalysis>(F);
  if (std::optional<std::string> Why = analyze(F, Pending, In)) {
    ORE.emit([&] {
      return OptimizationRemarkMissed(abi::RemarkName.data(),
                                      "DispatchNotAlternated", &F)
             << "computed gotos of '"
             << ore::NV("Function", llvm::demangle(F.getName()))
             << "' poll at every dispatch: " << *Why;
    });
    return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }
  // Each stretch between two polls is two of the old ones at most.
  uint64_t Before = 0;
  if (ORE.enabled()) {
    if (Changed)
      FAM.invalidate(F, PreservedAnalyses::none());
    Before = longestPollFreePath(F, FAM);
  }
  alternate(F, In, Pending);
  ORE.emit([&] {
    OptimizationRemark R(abi::RemarkName.data(), "DispatchAlternated", &F);
    R << "computed gotos of '"
      << ore::NV("Function", llvm::demangle(F.getName()))
      << "' poll at every second dispatch: "
      << ore::NV("Handlers", unsigned(In.Handlers.size()))
      << " handlers copied without their dispatch polls ("
      << ore::NV("Size", In.Size) << " IR instructions); poll-free path ";
    if (Before == Unbounded)
      R << "unbounded";
    else
      R << "at most " << ore::NV("Instructions", 2 * Before) << " instructions";
    return R;
  });
  return PreservedAnalyses::none();
}

} // namespace safepoint
