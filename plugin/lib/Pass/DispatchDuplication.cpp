//===- DispatchDuplication.cpp - One indirect branch per polled dispatch --===//
//
// Clang emits GNU computed goto (`goto *p`) as a branch to one shared block
// that ends in `indirectbr`, and relies on the backend's tail duplication to
// copy that block back into every `goto *` site: then each bytecode handler
// ends in its own indirect jump, which the branch predictor learns per
// handler. The frontend polls at every `goto *`, so after lowering each
// handler ends in the poll's conditional branch, and machine tail duplication
// never copies into a block with two successors. The result was one shared
// indirect jump for the whole interpreter (interp_goto: +36 % time).
//
// At the end of the optimization pipeline this pass does the duplication
// itself, in IR: for every small block D ending in `indirectbr` and every
// predecessor P whose terminator is a poll's branch, it gives P a private copy
// of D:
//
//   handler:                         handler:
//     <poll> br %pending, %slow, %D    <poll> br %pending, %slow, %D.handler
//   D:                               D.handler:                    ; new
//     %pc = phi [...]                  (D's code, D's phis replaced by the
//     %t = load labels[*%pc]            values they had on the edge from
//     indirectbr %t, [...]              handler)
//                                      indirectbr %t.handler, [...]
//
// Between a poll branch and D there may be a short chain of blocks that lead
// straight to D (code sunk out of the handlers, merged slow paths, loop
// canonicalization): the copy is of the whole path, from the poll branch to
// D's indirectbr. The original blocks keep every edge that is not a poll
// branch (the polls' slow paths), so polls, their unwind edges and the
// program's control flow are unchanged. The phis on these paths and the
// values they pass on go through stack slots while the paths are copied and
// are promoted again afterwards (mem2reg builds the phis the copies need).
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/Local.h"
#include "llvm/Transforms/Utils/PromoteMemToReg.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

using namespace llvm;

namespace safepoint {

namespace {
/// At most this many instructions (not counting phis and debug records) on
/// the path from a poll branch to the end of the dispatch block, for it to be
/// copied; the backend allows 20 machine instructions for blocks ending in an
/// indirect branch.
constexpr unsigned MaxPathSize = 16;
/// At most this many copies of one dispatch block.
constexpr unsigned MaxCopies = 128;
} // namespace

/// A block that leads straight on: an unconditional branch, no calls, not
/// the target of an indirect branch or of the entry.
static bool isStep(const BasicBlock &BB) {
  const auto *Br = dyn_cast<BranchInst>(BB.getTerminator());
  return Br && Br->isUnconditional() && !BB.hasAddressTaken() &&
         !BB.isEntryBlock() && !BB.isEHPad() &&
         none_of(BB, [](const Instruction &I) {
           return isa<CallBase>(I) && !I.isDebugOrPseudoInst();
         });
}

/// Gives every poll branch that reaches \p D, directly or through forwarding
/// blocks, its own copy of that path. Returns true if it changed the function.
static bool duplicateDispatch(BasicBlock *D, const GlobalVariable *Pending,
                              OptimizationRemarkEmitter &ORE) {
  // Blocks that lead straight to D, directly or through each other: the
  // merged slow paths of the polls, loop canonicalization and code sunk out
  // of the handlers (`++pc`) leave chains of them between the gotos and D.
  // Each has one path to D.
  SmallVector<BasicBlock *, 8> Path{D};
  SmallPtrSet<BasicBlock *, 8> OnPaths{D};
  for (unsigned I = 0; I != Path.size(); ++I)
    for (BasicBlock *P : predecessors(Path[I]))
      if (isStep(*P) && OnPaths.insert(P).second)
        Path.push_back(P);
  auto PathFrom = [&](BasicBlock *B) {
    SmallVector<BasicBlock *, 4> Blocks{B};
    while (Blocks.back() != D)
      Blocks.push_back(Blocks.back()->getSingleSuccessor());
    return Blocks;
  };

  // The poll branches into those blocks, each with the block it enters.
  SmallVector<std::pair<BasicBlock *, BasicBlock *>, 16> Entries;
  for (BasicBlock *B : Path)
    for (BasicBlock *P : predecessors(B))
      if (pollBranchEnding(*P, Pending) &&
          !is_contained(Entries, std::make_pair(P, B)))
        Entries.emplace_back(P, B);
  if (Entries.empty() || Entries.size() > MaxCopies)
    return false;
  for (auto [P, B] : Entries) {
    uint64_t Size = 0;
    for (BasicBlock *Step : PathFrom(B))
      Size += blockCost(*Step);
    if (Size > MaxPathSize)
      return false;
  }

  // The phis of these blocks and the values they hand to other blocks go
  // through memory while the paths are copied: then a copy is straight-line
  // code with nothing to merge, and mem2reg builds the phis the copies need
  // in D's successors (and wherever else the values meet).
  SmallVector<AllocaInst *, 16> Slots;
  for (BasicBlock *B : Path)
    for (PHINode &Phi : make_early_inc_range(B->phis()))
      Slots.push_back(DemotePHIToStack(&Phi));
  for (BasicBlock *B : Path)
    for (Instruction &I : make_early_inc_range(*B))
      if (I.isUsedOutsideOfBlock(B)) // a phi uses it in its incoming block
        Slots.push_back(DemoteRegToStack(I));

  Function *F = D->getParent();
  for (auto [P, Entry] : Entries) {
    ValueToValueMapTy VMap;
    BasicBlock *Head = nullptr, *Last = nullptr;
    for (BasicBlock *Step : PathFrom(Entry)) {
      BasicBlock *Copy = CloneBasicBlock(Step, VMap, "." + P->getName(), F);
      remapInstructionsInBlocks({Copy}, VMap);
      if (Last) {
        Last->getTerminator()->replaceSuccessorWith(Step, Copy);
        MergeBlockIntoPredecessor(Copy);
        Copy = Last;
      }
      Head = Head ? Head : Copy;
      Last = Copy;
    }
    Head->setName(D->getName() + "." + P->getName());
    P->getTerminator()->replaceSuccessorWith(Entry, Head);
    // D's successors see the copy as they saw D: one phi entry per edge.
    SmallPtrSet<BasicBlock *, 16> Seen;
    for (BasicBlock *S : successors(Last)) {
      if (!Seen.insert(S).second)
        continue;
      for (PHINode &Phi : S->phis())
        for (unsigned I = 0, E = Phi.getNumIncomingValues(); I != E; ++I)
          if (Phi.getIncomingBlock(I) == D) {
            Value *V = Phi.getIncomingValue(I);
            if (Value *Mapped = VMap.lookup(V))
              V = Mapped;
            Phi.addIncoming(V, Last);
          }
    }
  }
  ORE.emit([&] {
    return OptimizationRemark(abi::RemarkName.data(), "DispatchCopied",
                              D->getTerminator())
           << "dispatch of computed goto copied into "
           << ore::NV("Copies", unsigned(Entries.size()))
           << " polled gotos: each keeps its own indirect jump";
  });

  // What only the poll branches reached is dead now. Path lists every block
  // after the one it leads to, so backwards each block comes after all its
  // predecessors on the paths.
  for (BasicBlock *B : reverse(Path))
    if (pred_empty(B))
      DeleteDeadBlock(B);
  DominatorTree DT(*F);
  PromoteMemToReg(Slots, DT);
  return true;
}

PreservedAnalyses DispatchDuplicationPass::run(Function &F,
                                               FunctionAnalysisManager &FAM) {
  const GlobalVariable *Pending =
      F.getParent()->getGlobalVariable(abi::Pending);
  if (!Pending || ablated("dispatch-dup"))
    return PreservedAnalyses::all();
  SmallVector<BasicBlock *, 2> Dispatches;
  for (BasicBlock &BB : F)
    if (isa<IndirectBrInst>(BB.getTerminator()) &&
        blockCost(BB) <= MaxPathSize && !is_contained(successors(&BB), &BB))
      Dispatches.push_back(&BB);
  if (Dispatches.empty())
    return PreservedAnalyses::all();
  auto &ORE = FAM.getResult<OptimizationRemarkEmitterAnalysis>(F);
  bool Changed = false;
  for (BasicBlock *D : Dispatches)
    Changed |= duplicateDispatch(D, Pending, ORE);
  return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
}

} // namespace safepoint
