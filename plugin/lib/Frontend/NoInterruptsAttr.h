//===- NoInterruptsAttr.h - The [[no_interrupts]] attribute -----*- C++ -*-===//

#ifndef SAFEPOINT_LIB_FRONTEND_NOINTERRUPTSATTR_H
#define SAFEPOINT_LIB_FRONTEND_NOINTERRUPTSATTR_H

namespace clang {
class FunctionDecl;
} // namespace clang

namespace safepoint {

/// True if \p FD, one of its redeclarations, or the template it was
/// instantiated from carries [[no_interrupts]] (any spelling).
bool hasNoInterruptsAttr(const clang::FunctionDecl *FD);

} // namespace safepoint

#endif
