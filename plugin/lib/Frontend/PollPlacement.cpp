//===- PollPlacement.cpp - Mark poll sites in the C++ AST -----------------===//

#include "PollPlacement.h"
#include "NoInterruptsAttr.h"
#include "safepoint/RuntimeABI.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/Builtins.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "llvm/ADT/STLExtras.h"

using namespace clang;

namespace safepoint {
namespace {

/// Collects every function definition reachable from a declaration,
/// including template instantiations and lambda call operators.
class FunctionCollector : public RecursiveASTVisitor<FunctionCollector> {
public:
  llvm::SmallVector<FunctionDecl *, 32> Found;

  bool shouldVisitTemplateInstantiations() const { return true; }

  bool VisitFunctionDecl(FunctionDecl *FD) {
    Found.push_back(FD);
    return true;
  }

  bool VisitLambdaExpr(LambdaExpr *LE) {
    CXXMethodDecl *Op = LE->getCallOperator();
    Found.push_back(Op);
    if (FunctionTemplateDecl *Generic = Op->getDescribedFunctionTemplate())
      for (FunctionDecl *Spec : Generic->specializations())
        Found.push_back(Spec);
    return true;
  }
};

bool isReturnsTwice(const ASTContext &Ctx, const FunctionDecl *Callee) {
  if (Callee->hasAttr<ReturnsTwiceAttr>())
    return true;
  if (unsigned ID = Callee->getBuiltinID())
    if (Ctx.BuiltinInfo.isReturnsTwice(ID))
      return true;
  static constexpr llvm::StringLiteral Names[] = {
      "setjmp", "_setjmp", "sigsetjmp", "__sigsetjmp",
      "vfork",  "getcontext", "savectx"};
  const IdentifierInfo *II = Callee->getIdentifier();
  return II && llvm::is_contained(Names, II->getName());
}

bool callsReturnsTwice(const ASTContext &Ctx, const Stmt *S) {
  if (!S)
    return false;
  if (const auto *CE = dyn_cast<CallExpr>(S))
    if (const FunctionDecl *Callee = CE->getDirectCallee())
      if (isReturnsTwice(Ctx, Callee))
        return true;
  if (isa<LambdaExpr>(S) || isa<BlockExpr>(S))
    return false;
  for (const Stmt *Child : S->children())
    if (callsReturnsTwice(Ctx, Child))
      return true;
  return false;
}

} // namespace

PollPlacer::PollPlacer(CompilerInstance &CI, ASTContext &Ctx)
    : CI(CI), Ctx(Ctx),
      RemarkMissed(CI.getCodeGenOpts().OptimizationRemarkMissed.patternMatches(
          abi::RemarkName)) {}

void PollPlacer::instrumentDecl(Decl *D) {
  FunctionCollector Collector;
  Collector.TraverseDecl(D);
  for (FunctionDecl *FD : Collector.Found)
    instrumentFunction(FD);
}

PollPlacer::Mask PollPlacer::maskReason(FunctionDecl *FD) {
  if (isa<CXXDestructorDecl>(FD))
    return Mask::Destructor;
  if (hasNoInterruptsAttr(FD))
    return Mask::Attribute;
  if (FD->hasAttr<NoThrowAttr>())
    return Mask::Noexcept;
  if (const auto *FPT = FD->getType()->getAs<FunctionProtoType>()) {
    // An exception specification not computed yet is treated as noexcept:
    // masking without polls is always safe.
    if (isUnresolvedExceptionSpec(FPT->getExceptionSpecType()) ||
        FPT->isNothrow())
      return Mask::Noexcept;
  }
  return Mask::None;
}

llvm::StringRef PollPlacer::skipReason(FunctionDecl *FD) {
  if (isa<CoroutineBodyStmt>(FD->getBody()))
    return "coroutines are not instrumented yet";
  if (FD->hasAttr<NakedAttr>())
    return "naked functions have no frame to unwind";
  if (callsReturnsTwice(Ctx, FD->getBody()))
    return "it calls a returns_twice function (setjmp, vfork, ...) whose "
           "second return the unwinder does not model";
  return {};
}

void PollPlacer::instrumentFunction(FunctionDecl *FD) {
  if (!FD->doesThisDeclarationHaveABody() || !FD->getBody() ||
      FD->isDependentContext() || FD->isConsteval() || FD->isImplicit() ||
      FD->isDefaulted() || FD->isDeleted())
    return;
  if (!Done.insert(FD).second)
    return;

  Current = FD;
  SourceLocation Loc = FD->getBody()->getBeginLoc();
  if (llvm::StringRef Why = skipReason(FD); !Why.empty()) {
    remarkMissed(FD->getLocation(),
                 "no polls in '" + FD->getNameAsString() + "': " + Why.str());
    return;
  }

  static constexpr const char *MaskNames[] = {
      "", "it is a destructor", "it is noexcept", "it is [[no_interrupts]]"};
  if (Mask Why = maskReason(FD); Why != Mask::None) {
    FD->setBody(prepend(FD->getBody(), maskMarkerCall(Loc)));
    remarkMissed(FD->getLocation(),
                 ("no polls in '" + FD->getNameAsString() + "': " +
                  MaskNames[static_cast<int>(Why)] +
                  "; interrupts are deferred while it runs"));
    return;
  }

  walk(FD->getBody(), /*InHandler=*/false);
  FD->setBody(prepend(FD->getBody(), markerCall(SAFEPOINT_SITE_ENTRY, Loc)));
}

void PollPlacer::walk(Stmt *S, bool InHandler) {
  if (!S || !Visited.insert(S).second)
    return;

  // Separate functions, instrumented on their own; unevaluated operands.
  if (isa<LambdaExpr, BlockExpr, UnaryExprOrTypeTraitExpr, CXXNoexceptExpr,
          CXXTypeidExpr>(S))
    return;
  if (isa<CapturedStmt>(S)) {
    remarkMissed(S->getBeginLoc(),
                 "no polls in captured (OpenMP) regions: their outlined "
                 "functions cannot propagate exceptions");
    return;
  }
  if (auto *Catch = dyn_cast<CXXCatchStmt>(S)) {
    walk(Catch->getHandlerBlock(), /*InHandler=*/true);
    return;
  }
  if (auto *If = dyn_cast<IfStmt>(S); If && If->isConsteval()) {
    // Only the branch that runs outside constant evaluation.
    walk(If->isNegatedConsteval() ? If->getThen() : If->getElse(), InHandler);
    return;
  }

  for (Stmt *&Child : S->children()) {
    if (!Child)
      continue;
    bool Backward = isa<IndirectGotoStmt>(Child);
    if (auto *Goto = dyn_cast<GotoStmt>(Child)) {
      const SourceManager &SM = Ctx.getSourceManager();
      LabelStmt *Target = Goto->getLabel()->getStmt();
      Backward = Target && !SM.isBeforeInTranslationUnit(
                               SM.getExpansionLoc(Goto->getGotoLoc()),
                               SM.getExpansionLoc(Target->getIdentLoc()));
    }
    if (!Backward) {
      walk(Child, InHandler);
      continue;
    }
    if (InHandler) {
      remarkMissed(Child->getBeginLoc(),
                   "no poll at goto inside a catch handler (cleanup code)");
      continue;
    }
    Child = prepend(Child, markerCall(SAFEPOINT_SITE_GOTO, Child->getBeginLoc()));
  }

  if (auto *For = dyn_cast<ForStmt>(S))
    pollLoopBody(S, For->getBody(), InHandler);
  else if (auto *While = dyn_cast<WhileStmt>(S))
    pollLoopBody(S, While->getBody(), InHandler);
  else if (auto *Do = dyn_cast<DoStmt>(S))
    pollLoopBody(S, Do->getBody(), InHandler);
  else if (auto *Range = dyn_cast<CXXForRangeStmt>(S))
    pollLoopBody(S, Range->getBody(), InHandler);
}

void PollPlacer::pollLoopBody(Stmt *Loop, Stmt *Body, bool InHandler) {
  SourceLocation Loc = Loop->getBeginLoc();
  if (InHandler) {
    remarkMissed(Loc, "no poll in loop inside a catch handler (cleanup code); "
                      "interrupts are deferred until the handler ends");
    return;
  }
  // The body's start is on every path around the loop (continue included),
  // and only the scopes enclosing the loop are live there.
  Stmt *NewBody = prepend(Body, markerCall(SAFEPOINT_SITE_LOOP, Loc));
  if (auto *For = dyn_cast<ForStmt>(Loop))
    For->setBody(NewBody);
  else if (auto *While = dyn_cast<WhileStmt>(Loop))
    While->setBody(NewBody);
  else if (auto *Do = dyn_cast<DoStmt>(Loop))
    Do->setBody(NewBody);
  else
    cast<CXXForRangeStmt>(Loop)->setBody(NewBody);
}

Stmt *PollPlacer::prepend(Stmt *Body, Stmt *First) {
  if (auto *Try = dyn_cast<CXXTryStmt>(Body)) {
    // Function-try-block: poll inside the try block, keep the handlers.
    Stmt *&TryBlock = *Try->child_begin();
    TryBlock = prepend(TryBlock, First);
    return Try;
  }
  llvm::SmallVector<Stmt *, 16> Stmts{First};
  if (auto *CS = dyn_cast<CompoundStmt>(Body)) {
    Stmts.append(CS->body_begin(), CS->body_end());
    return CompoundStmt::Create(Ctx, Stmts,
                                CS->hasStoredFPFeatures()
                                    ? CS->getStoredFPFeatures()
                                    : FPOptionsOverride(),
                                CS->getLBracLoc(), CS->getRBracLoc());
  }
  Stmts.push_back(Body);
  return CompoundStmt::Create(Ctx, Stmts, FPOptionsOverride(),
                              Body->getBeginLoc(), Body->getEndLoc());
}

FunctionDecl *PollPlacer::runtimeDecl(llvm::StringRef Name, bool Noexcept,
                                      bool TakesKind) {
  IdentifierInfo &II = Ctx.Idents.get(Name);
  TranslationUnitDecl *TU = Ctx.getTranslationUnitDecl();
  for (NamedDecl *ND : TU->lookup(&II))
    if (auto *FD = dyn_cast<FunctionDecl>(ND))
      return FD; // Declared by <safepoint/abi.h>.

  FunctionProtoType::ExtProtoInfo EPI;
  if (Noexcept)
    EPI.ExceptionSpec.Type = EST_BasicNoexcept;
  llvm::SmallVector<QualType, 1> Params;
  if (TakesKind)
    Params.push_back(Ctx.UnsignedIntTy);
  QualType FnTy = Ctx.getFunctionType(Ctx.VoidTy, Params, EPI);

  auto *Linkage =
      LinkageSpecDecl::Create(Ctx, TU, SourceLocation(), SourceLocation(),
                              LinkageSpecLanguageIDs::C, /*HasBraces=*/false);
  Linkage->setImplicit();
  TU->addDecl(Linkage);
  FunctionDecl *FD =
      FunctionDecl::Create(Ctx, Linkage, SourceLocation(), SourceLocation(),
                           DeclarationName(&II), FnTy, nullptr, SC_Extern);
  if (TakesKind) {
    ParmVarDecl *Kind = ParmVarDecl::Create(
        Ctx, FD, SourceLocation(), SourceLocation(), nullptr,
        Ctx.UnsignedIntTy, nullptr, SC_None, nullptr);
    FD->setParams({Kind});
  }
  FD->setImplicit();
  Linkage->addDecl(FD);
  return FD;
}

static CallExpr *makeCall(ASTContext &Ctx, FunctionDecl *Callee,
                          llvm::ArrayRef<Expr *> Args, SourceLocation Loc) {
  auto *Ref = DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(),
                                  SourceLocation(), Callee, false, Loc,
                                  Callee->getType(), VK_LValue);
  auto *Fn = ImplicitCastExpr::Create(
      Ctx, Ctx.getPointerType(Callee->getType()), CK_FunctionToPointerDecay,
      Ref, nullptr, VK_PRValue, FPOptionsOverride());
  return CallExpr::Create(Ctx, Fn, Args, Ctx.VoidTy, VK_PRValue, Loc,
                          FPOptionsOverride());
}

Stmt *PollPlacer::markerCall(unsigned Kind, SourceLocation Loc) {
  if (!PollMarker)
    PollMarker = runtimeDecl(abi::PollMarker, /*Noexcept=*/false,
                             /*TakesKind=*/true);
  Expr *KindArg = IntegerLiteral::Create(
      Ctx, llvm::APInt(Ctx.getIntWidth(Ctx.UnsignedIntTy), Kind),
      Ctx.UnsignedIntTy, Loc);
  Stmt *Call = makeCall(Ctx, PollMarker, {KindArg}, Loc);
  if (!Current->isConstexpr())
    return Call;
  // `if !consteval { marker(); }`: constant evaluation never sees the call.
  Stmt *Then = CompoundStmt::Create(Ctx, {Call}, FPOptionsOverride(), Loc, Loc);
  return IfStmt::Create(Ctx, Loc, IfStatementKind::ConstevalNegated,
                        /*Init=*/nullptr, /*Var=*/nullptr, /*Cond=*/nullptr,
                        Loc, Loc, Then);
}

Stmt *PollPlacer::maskMarkerCall(SourceLocation Loc) {
  if (!MaskMarker)
    MaskMarker = runtimeDecl(abi::MaskMarker, /*Noexcept=*/true,
                             /*TakesKind=*/false);
  Stmt *Call = makeCall(Ctx, MaskMarker, {}, Loc);
  if (!Current->isConstexpr())
    return Call;
  Stmt *Then = CompoundStmt::Create(Ctx, {Call}, FPOptionsOverride(), Loc, Loc);
  return IfStmt::Create(Ctx, Loc, IfStatementKind::ConstevalNegated, nullptr,
                        nullptr, nullptr, Loc, Loc, Then);
}

void PollPlacer::remarkMissed(SourceLocation Loc, llvm::StringRef Message) {
  // Like warnings, remarks about system headers would only be noise.
  if (!RemarkMissed || Ctx.getSourceManager().isInSystemHeader(Loc))
    return;
  DiagnosticsEngine &Diags = Ctx.getDiagnostics();
  unsigned ID = Diags.getCustomDiagID(DiagnosticsEngine::Remark,
                                      "%0 [-Rpass-missed=safepoint]");
  Diags.Report(Loc, ID) << Message;
}

} // namespace safepoint
