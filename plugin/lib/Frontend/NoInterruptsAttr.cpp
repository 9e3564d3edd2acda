//===- NoInterruptsAttr.cpp - The [[no_interrupts]] attribute -------------===//
//
// Spellings: [[no_interrupts]], [[safepoint::no_interrupts]],
// __attribute__((no_interrupts)) and C23 [[no_interrupts]]. It appertains to
// functions, member functions and lambda call operators; anywhere else it is
// an error. A plugin cannot add an attribute class to the AST, so applied
// attributes are remembered by canonical declaration.
//
//===----------------------------------------------------------------------===//

#include "NoInterruptsAttr.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Sema/ParsedAttr.h"
#include "clang/Sema/Sema.h"
#include "llvm/ADT/DenseSet.h"

using namespace clang;

namespace safepoint {
namespace {

llvm::DenseSet<const Decl *> &annotatedDecls() {
  static llvm::DenseSet<const Decl *> Decls;
  return Decls;
}

const FunctionDecl *asFunction(const Decl *D) {
  if (const auto *FTD = dyn_cast<FunctionTemplateDecl>(D))
    return FTD->getTemplatedDecl();
  return dyn_cast<FunctionDecl>(D);
}

struct NoInterruptsAttrInfo : public ParsedAttrInfo {
  NoInterruptsAttrInfo() {
    static constexpr Spelling S[] = {
        {ParsedAttr::AS_GNU, "no_interrupts"},
        {ParsedAttr::AS_CXX11, "no_interrupts"},
        {ParsedAttr::AS_CXX11, "safepoint::no_interrupts"},
        {ParsedAttr::AS_C23, "no_interrupts"},
    };
    Spellings = S;
    NumArgs = 0;
    OptArgs = 0;
  }

  bool diagAppertainsToDecl(Sema &S, const ParsedAttr &Attr,
                            const Decl *D) const override {
    if (asFunction(D))
      return true;
    unsigned ID = S.getDiagnostics().getCustomDiagID(
        DiagnosticsEngine::Error,
        "'%0' attribute only applies to functions, member functions and "
        "lambdas");
    S.Diag(Attr.getLoc(), ID) << Attr.getAttrName()->getName();
    return false;
  }

  bool diagAppertainsToStmt(Sema &S, const ParsedAttr &Attr,
                            const Stmt *) const override {
    unsigned ID = S.getDiagnostics().getCustomDiagID(
        DiagnosticsEngine::Error,
        "'%0' attribute cannot be applied to a statement; use a "
        "safepoint::no_interrupts scope instead");
    S.Diag(Attr.getLoc(), ID) << Attr.getAttrName()->getName();
    return false;
  }

  AttrHandling handleDeclAttribute(Sema &S, Decl *D,
                                   const ParsedAttr &Attr) const override {
    if (Attr.getNumArgs() != 0) {
      unsigned ID = S.getDiagnostics().getCustomDiagID(
          DiagnosticsEngine::Error, "'%0' attribute takes no arguments");
      S.Diag(Attr.getLoc(), ID) << Attr.getAttrName()->getName();
      return AttributeNotApplied;
    }
    if (const FunctionDecl *FD = asFunction(D))
      annotatedDecls().insert(FD->getCanonicalDecl());
    return AttributeApplied;
  }
};

} // namespace

bool hasNoInterruptsAttr(const FunctionDecl *FD) {
  const auto &Decls = annotatedDecls();
  while (FD) {
    if (Decls.contains(FD->getCanonicalDecl()))
      return true;
    const FunctionDecl *Pattern = FD->getTemplateInstantiationPattern();
    FD = Pattern != FD ? Pattern : nullptr;
  }
  return false;
}

} // namespace safepoint

static ParsedAttrInfoRegistry::Add<safepoint::NoInterruptsAttrInfo>
    X("no_interrupts", "masks interrupts while the function runs");
